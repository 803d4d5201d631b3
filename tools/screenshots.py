"""Screenshots of every main-window state and every wizard page, for a person to look at.

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py [OUT_DIR]   (default /work/artifacts/layout)

Each combination of language (en, zh_CN), theme (light, dark) and screen size (1366×768,
1024×700) gets one PNG per state, named ``<what>-<lang>-<theme>-<w>x<h>.png``. Nothing here
reaches the network: the download-error page uses a closed local port. Not a test: the pictures
are for eyes; tests/gui/test_small_screens.py and tests/wizard/test_wizard_layout.py assert the
measurable part.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "gui"))

SIZES = ((1366, 768), (1024, 700))


def _settle(app, widget, width: int, height: int) -> None:
    widget.resize(width, height)
    for _ in range(30):
        app.processEvents()


def _dispose(app, widget) -> None:
    """Delete a closed window now: a theme change with half-deleted windows around crashes Qt."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    app.processEvents()


def _save(widget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path), "PNG")
    print(path)


def main_window_states(app, out: Path, language: str, theme: str) -> None:
    from gui_fakes import speechy

    from glmtts_desktop.audio import FakeBackend
    from glmtts_desktop.errors import GlmTtsError
    from glmtts_desktop.gui.app import create_main_window
    from glmtts_desktop.gui.i18n import tr
    from glmtts_desktop.gui.settings import AppSettings

    settings = AppSettings()
    settings.language = language
    settings.theme = theme
    w = create_main_window(
        data_dir=Path(tempfile.mkdtemp(prefix="shots-")),
        model_dir=None,
        settings=settings,
        backend=FakeBackend(),
        show_wizard_on_failure=False,
    )
    w.set_theme(theme)
    w.set_language(language)
    w.show()
    for width, height in SIZES:
        tag = f"{language}-{theme}-{width}x{height}"
        _settle(app, w, width, height)
        _save(w, out, f"main-empty-{tag}")
    text = "我在银行工作了三十年。每天早上，我都会走路去上班。\n行不行，就看今天了。"
    w.voice_panel.set_audio(speechy(6.0, 24000), 24000)
    w.voice_panel.waveform.set_selection(0.8, 4.6)
    w.voice_panel.transcript.setPlainText("今天天气很好，我们去公园散步吧。")
    w.voice_panel.name.setText("Grandpa")
    w.text_panel.editor.setPlainText(text)
    w.text_panel.add_override("行", "<|H|><|ANG2|>", text.index("行"))
    w.text_panel.set_segments([s for s in text.replace("\n", "").split("。") if s], approximate=False)
    w.result_panel.show_audio(speechy(5.0, 24000, seed=3) * 0.7, 24000)
    w.generate_panel.progress.setValue(1000)
    for width, height in SIZES:
        tag = f"{language}-{theme}-{width}x{height}"
        _settle(app, w, width, height)
        _save(w, out, f"main-filled-{tag}")
    w.generate_panel.set_sample_rates((24000, 32000), 24000)
    w.generate_panel.set_untrusted_vocoder(Path("/models/vocos2d/generator_jit.ckpt"))
    w.generate_panel.set_advanced_open(True)
    w.show_error(GlmTtsError(tr("The reference audio is silent."), hint=tr("Record or import it again.")))
    for width, height in SIZES:
        tag = f"{language}-{theme}-{width}x{height}"
        _settle(app, w, width, height)
        _save(w, out, f"main-advanced-error-{tag}")
    w.generate_panel.set_advanced_open(False)
    w.ask_stop_work = lambda _action: True
    w.close()
    _dispose(app, w)


def wizard_pages(app, out: Path, language: str, theme: str) -> None:
    import threading

    from glmtts_desktop.gui.i18n import Translator, set_translator
    from glmtts_desktop.gui.wizard import FirstRunWizard
    from glmtts_desktop.gui.wizard.hardware import HardwareInfo
    from glmtts_desktop.i18n import tr
    from glmtts_desktop.models.transfer import TransferSettings

    set_translator(Translator(language))  # a fresh one: the closed main window's views are gone
    release = threading.Event()

    def probe():
        release.wait(60)
        return HardwareInfo(
            None, None, None, "2.11.0", note=tr("No NVIDIA GPU or driver is visible to PyTorch.")
        )

    tmp = Path(tempfile.mkdtemp(prefix="shots-wizard-"))
    w = FirstRunWizard(
        tmp / "models",
        hardware_probe=probe,
        state_path=tmp / "wizard.json",
        transfer_settings=TransferSettings(
            stall_timeout_s=2.0, connect_timeout_s=2.0, max_attempts_without_progress=1, backoff_s=(0.05,)
        ),
    )
    w.show()
    pages = []
    try:
        pages.append(("1-welcome", None))
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-1-welcome-{language}-{theme}-{width}x{height}")
        w.next()
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-2-system-checking-{language}-{theme}-{width}x{height}")
        release.set()
        system = w.currentPage()
        while system.busy.isVisible():
            app.processEvents()
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-3-system-{language}-{theme}-{width}x{height}")
        w.next()
        from glmtts_desktop.models.download import ConnectionReport

        w.source_page.show_test_result(ConnectionReport("https://hf-mirror.com", 0.42, 1941, 4.6e6))
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-4-source-tested-{language}-{theme}-{width}x{height}")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        s.close()
        w.source_page.radios["custom"].setChecked(True)
        w.source_page.custom.setText(dead)
        w.next()
        tp = w.transfer_page
        while not tp.error.label.text():
            app.processEvents()
        tp.error.details_button.click()
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-5-download-error-details-{language}-{theme}-{width}x{height}")
        w.page(5).initializePage()
        w.setStartId(5)
        w.restart()
        for width, height in SIZES:
            _settle(app, w, width, height)
            _save(w, out, f"wizard-6-done-{language}-{theme}-{width}x{height}")
    finally:
        release.set()
        w.shutdown()
        w.close()
        _dispose(app, w)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/artifacts/layout")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="shots-settings-"))
    os.environ.setdefault("GLMTTS_TRUST_FILE", str(Path(tempfile.mkdtemp()) / "trust.json"))
    from glmtts_desktop.gui.app import ensure_app
    from glmtts_desktop.gui.theme import apply_theme

    app = ensure_app()
    for language in ("en", "zh_CN"):
        for theme in ("light", "dark"):
            apply_theme(app, theme)
            main_window_states(app, out, language, theme)
            wizard_pages(app, out, language, theme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
