"""A live language switch re-translates what is on screen, including texts made while running."""

from __future__ import annotations

import re

from gui_fakes import speechy
from PySide6.QtWidgets import QApplication

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.i18n import tr

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_switch_retranslates_visible_texts(qtbot, make_window):
    w = make_window()
    w.set_language("en")
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=5000)
    w.generate_panel.show_outcome(tr("Done: {d:.1f} s of audio.", d=3.2))
    w.show_error(GlmTtsError(tr("The reference audio is silent."), hint=tr("Record or import it again.")))
    texts = {
        "selection": lambda: w.voice_panel.selection_label.text(),
        "checks": lambda: w.voice_panel.checks.text(),
        "outcome": lambda: w.generate_panel.stage.text(),
        "error bar": lambda: w.messages.label.text(),
    }
    assert w.windowTitle() == "GLM-TTS Desktop"
    assert w.voice_panel.selection_label.text().startswith("Selected")
    assert not any(HAN.search(get()) for get in texts.values())

    w.set_language("zh_CN")
    still_english = {name: get() for name, get in texts.items() if not HAN.search(get())}
    assert not still_english, f"left in English after the switch: {still_english}"
    assert "3.2" in w.generate_panel.stage.text()
    # Qt adds " — <display name>" to a title that differs from it: keep them the same
    assert w.windowTitle() == QApplication.applicationDisplayName() == "GLM-TTS 桌面版"

    w.set_language("en")
    assert w.voice_panel.selection_label.text().startswith("Selected")
    assert w.messages.label.text().startswith("The reference audio is silent.")
