"""Devices you can choose: refresh finds what was plugged in, the chosen speaker is the one
both players use, and a speaker or microphone that vanished falls back to the default."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from glmtts_desktop.audio import DeviceInfo, FakeBackend

USB_MIC = DeviceInfo(5, "USB microphone", "Fake", 1, 0, 48000.0)
HEADPHONES = DeviceInfo(7, "Headphones", "Fake", 0, 2, 48000.0)


def _items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_refresh_finds_a_microphone_plugged_in_after_the_start(qtbot, make_window):
    backend = FakeBackend(has_input=False)
    w = make_window(backend=backend)
    record = w.voice_panel.record
    assert not record.devices.isEnabled() and "No microphone" in _items(record.devices)
    backend.plug(USB_MIC)
    assert "USB microphone" not in _items(record.devices)  # not seen until the list is refreshed
    qtbot.mouseClick(record.refresh_button, Qt.LeftButton)
    assert record.devices.isEnabled() and "USB microphone" in _items(record.devices)
    assert backend.refresh_count == 1


def test_pressing_record_without_a_microphone_looks_again_first(qtbot, make_window):
    backend = FakeBackend(np.zeros(48000, np.float32), has_input=False)
    w = make_window(backend=backend)
    backend.plug(USB_MIC)
    assert w.voice_panel.record.start()  # found at the press, no error
    assert backend.refresh_count == 1 and backend.active_streams("input")
    assert w.voice_panel.record.refresh_button.isEnabled() is False  # no rescan under a recording
    w.voice_panel.record.abort()


def test_the_chosen_speaker_is_used_by_both_players_and_remembered(qtbot, make_window, tmp_path):
    backend = FakeBackend()
    backend.plug(HEADPHONES)
    backend.refresh()
    w = make_window(backend=backend, data_dir=tmp_path / "data")
    combo = w.findChild(type(w.voice_panel.voices), "outputDevice")
    assert _items(combo) == ["System default", "Fake speaker", "Headphones"]
    combo.setCurrentIndex(2)
    combo.activated.emit(2)
    w.result_panel.show_audio(np.full(2400, 0.1, np.float32), 24000)
    w.result_panel.play()
    assert backend.active_streams("output")[-1].device == HEADPHONES.index
    w.result_panel.stop()
    w.voice_panel.set_audio(np.full(24000, 0.1, np.float32), 24000)
    w.voice_panel.playback.play_all()
    assert backend.active_streams("output")[-1].device == HEADPHONES.index
    w.voice_panel.playback.stop()
    assert w.settings.output_device == "Headphones"
    w.close()
    w2 = make_window(backend=backend, data_dir=tmp_path / "data")  # remembered after a restart
    assert w2.player.device == HEADPHONES.index
    assert w2.findChild(type(combo), "outputDevice").currentText() == "Headphones"


def test_a_speaker_that_vanished_falls_back_to_the_default_with_a_message(qtbot, make_window):
    backend = FakeBackend()
    backend.plug(HEADPHONES)
    backend.refresh()
    w = make_window(backend=backend)
    w.audio_devices.choose_output("Headphones")
    assert w.player.device == HEADPHONES.index
    backend.unplug("Headphones")
    w.audio_devices.rescan()
    assert w.player.device is None and w.voice_panel.playback.player.device is None
    assert w.settings.output_device == ""
    assert w.messages.level == "warning" and "Headphones" in w.messages.text()
    assert "default" in w.messages.text()
    w.set_language("zh_CN")
    assert "已断开连接" in w.messages.text()


def test_a_microphone_that_vanished_falls_back_to_the_default(qtbot, make_window):
    backend = FakeBackend()
    backend.plug(USB_MIC)
    backend.refresh()
    w = make_window(backend=backend)
    record = w.voice_panel.record
    idx = record.devices.findText("USB microphone")
    record.devices.setCurrentIndex(idx)
    record.devices.activated.emit(idx)
    assert w.settings.input_device == "USB microphone"
    backend.unplug("USB microphone")
    qtbot.mouseClick(record.refresh_button, Qt.LeftButton)
    assert record.devices.currentData() is None  # the system default
    assert "USB microphone" in record.status.text() and "default" in record.status.text()
    assert w.settings.input_device == ""
