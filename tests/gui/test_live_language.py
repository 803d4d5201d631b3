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


def test_switch_retranslates_list_items_and_the_archive_button_keeping_choices(qtbot, make_window):
    """The first items of the device and saved-voice lists, the Voices view's "Other" language
    and the archive task's Cancel button (with its tooltip) follow a live switch; what was
    chosen in those lists stays chosen."""
    w = make_window()
    w.set_language("en")
    mics = w.voice_panel.record.devices
    speakers = w.findChild(type(mics), "outputDevice")
    languages = w.voices_view.language
    saved = w.voice_panel.voices
    cancel = w.archive.cancel_button
    qtbot.waitUntil(lambda: saved.count() > 0, timeout=10000)  # the library is listed in the background
    other = languages.findData("other")
    assert mics.itemText(0) == speakers.itemText(0) == "System default"
    assert languages.itemText(other) == "Other" and saved.itemText(0) == "— saved voices —"
    assert cancel.text() == "Cancel"
    mics.setCurrentIndex(mics.findText("Fake microphone"))
    languages.setCurrentIndex(other)

    w.set_language("zh_CN")
    assert mics.itemText(0) == "系统默认"
    assert speakers.itemText(0) == "系统默认"
    assert languages.itemText(other) == "其他"
    assert saved.itemText(0) == "— 已保存的声音 —"
    assert cancel.text() == "取消"
    assert cancel.toolTip() == "停止此归档任务，不做任何更改。"
    assert mics.currentText() == "Fake microphone" and languages.currentData() == "other"

    w.set_language("en")
    assert mics.itemText(0) == "System default" and languages.itemText(other) == "Other"
    assert cancel.toolTip() == "Stop this archive task; nothing is changed."
