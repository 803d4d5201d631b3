"""Every wizard page fits a 1024×700 screen: no label cut off, no squashed field, and the
"What this PC has" page shows that it is busy while it checks."""

from __future__ import annotations

import socket
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QComboBox, QLabel, QLineEdit, QPushButton

from glmtts_desktop.gui.wizard import FirstRunWizard
from glmtts_desktop.gui.wizard.hardware import HardwareInfo
from glmtts_desktop.gui.wizard.wizard import DONE, SOURCE, SYSTEM, TRANSFER


def _clipped(page) -> list[str]:
    """Visible labels shorter than their text needs, and fields squashed below their minimum."""
    bad = []
    for label in page.findChildren(QLabel):
        if not label.isVisibleTo(page) or not label.text():
            continue
        need = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        if need > label.height() + 1:
            bad.append(f"label {label.text()[:50]!r}: needs {need} px, has {label.height()}")
        if not label.wordWrap() and label.minimumSizeHint().width() > label.width() + 1:
            bad.append(
                f"label {label.text()[:50]!r}: needs {label.minimumSizeHint().width()} px wide, has {label.width()}"
            )
    for field in [
        *page.findChildren(QLineEdit),
        *page.findChildren(QComboBox),
        *page.findChildren(QPushButton),
    ]:
        if field.isVisibleTo(page) and field.height() < field.minimumSizeHint().height():
            bad.append(f"{type(field).__name__} {field.objectName()}: {field.height()} px high")
    for area in page.findChildren(QAbstractScrollArea):
        if area.isVisibleTo(page) and area.height() < 3 * area.fontMetrics().lineSpacing():
            bad.append(f"{type(area).__name__}: only {area.height()} px high")
    return bad


def _fit(qtbot, w):
    w.resize(1024, 700)
    qtbot.waitUntil(lambda: w.width() <= 1024 and w.height() <= 700)
    page = w.currentPage()
    qtbot.waitUntil(lambda: page.width() > 0)
    return page


def test_every_page_fits_1024_by_700(qtbot, tmp_path, manifest, fast):
    checked = threading.Event()
    release = threading.Event()

    def slow_probe():
        checked.set()
        release.wait(30)
        return HardwareInfo(None, None, None, "2.11.0", note="No NVIDIA GPU or driver is visible to PyTorch.")

    w = FirstRunWizard(
        tmp_path / "models",
        manifest=manifest,
        hardware_probe=slow_probe,
        state_path=tmp_path / "wizard.json",
        transfer_settings=fast,
    )
    qtbot.addWidget(w)
    w.show()
    try:
        assert w.minimumSizeHint().width() <= 1024 and w.minimumSizeHint().height() <= 700
        problems = {"welcome": _clipped(_fit(qtbot, w))}
        w.next()
        page = w.page(SYSTEM)
        qtbot.waitUntil(checked.is_set)
        assert page.busy.isVisibleTo(w)  # a moving bar while torch is asked, not only "Checking…"
        problems["system (checking)"] = _clipped(_fit(qtbot, w))
        release.set()
        qtbot.waitUntil(lambda: not page.busy.isVisibleTo(w), timeout=10000)
        problems["system"] = _clipped(_fit(qtbot, w))
        w.next()
        assert w.currentId() == SOURCE
        source = w.source_page
        source.show_test_result(
            "Connected to https://hf-mirror.com: the GLM-TTS files are there (revision 0123456789abcdef), "
            "about 9.1 GB to download; the connection answered in 0.4 s."
        )
        problems["source"] = _clipped(_fit(qtbot, w))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        s.close()
        source.radios["custom"].setChecked(True)
        source.custom.setText(dead)
        w.next()
        assert w.currentId() == TRANSFER
        tp = w.transfer_page
        qtbot.waitUntil(lambda: tp.error.label.text() != "", timeout=15000)
        qtbot.mouseClick(tp.error.details_button, Qt.LeftButton)
        assert tp.error.details.isVisibleTo(w)
        problems["download error, details shown"] = _clipped(_fit(qtbot, w))
        w.page(DONE).initializePage()
        w.setStartId(DONE)
        w.restart()
        problems["done"] = _clipped(_fit(qtbot, w))
    finally:
        release.set()
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def test_error_sentences_are_readable_in_both_themes(qtbot, tmp_path, manifest, fast, fake_gpu):
    """The wizard's error sentences use the theme's error colour (a fixed dark red was
    unreadable on the dark theme); that colour reaches 4.5:1 on both themes' window colour."""
    import re

    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from glmtts_desktop.errors import GlmTtsError
    from glmtts_desktop.gui.theme import contrast_ratio, dark_palette, error_text_style, message_colors

    light_window = QApplication.style().standardPalette().color(QPalette.ColorRole.Window)
    dark_window = dark_palette().color(QPalette.ColorRole.Window)
    for dark, window in ((False, light_window), (True, dark_window)):
        ratio = contrast_ratio(QColor(message_colors("error", dark)[1]), window)
        assert ratio >= 4.5, f"dark={dark}: error text contrast {ratio:.1f}:1"

    w = FirstRunWizard(
        tmp_path / "models",
        manifest=manifest,
        hardware_probe=fake_gpu,
        state_path=tmp_path / "wizard.json",
        transfer_settings=fast,
    )
    qtbot.addWidget(w)
    try:
        w.transfer_page.error.show(GlmTtsError("Could not reach the server.", detail="refused"))
        style = w.transfer_page.error.label.styleSheet()
        assert style == error_text_style() and re.search(r"#[0-9a-fA-F]{6}", style)
        source = w.source_page
        source.initializePage()
        source.radios["custom"].setChecked(True)
        source.custom.setText("ftp://nope")
        assert not source.validatePage() and source.error.text()
        assert source.error.styleSheet() == error_text_style()
    finally:
        w.shutdown()
