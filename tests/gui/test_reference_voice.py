"""The reference on screen: a new one is a new voice, it can be heard and zoomed, it survives a restart."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt

from glmtts_desktop.audio import FakeBackend


def _save_voice(qtbot, w, src, name: str, transcript: str) -> None:
    w.voice_panel.load_file(src)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)
    w.voice_panel.transcript.setPlainText(transcript)
    w.voice_panel.name.setText(name)
    qtbot.mouseClick(w.voice_panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.voice_panel.voices.currentText() == name, timeout=10000)


def test_importing_or_recording_a_new_reference_starts_a_new_unsaved_voice(qtbot, make_window, tmp_path):
    backend = FakeBackend(input_signal=speechy(4.0, 48000, seed=3))
    w = make_window(backend=backend, data_dir=tmp_path / "d")
    grandma = tmp_path / "grandma.wav"
    sf.write(grandma, speechy(6.0, 16000), 16000)
    _save_voice(qtbot, w, grandma, "Grandma Li", "今天天气很好")
    assert w.text_panel.save_voice_button.isEnabled()

    other = tmp_path / "uncle.wav"
    sf.write(other, speechy(5.0, 22050, seed=1), 22050)
    w.voice_panel.load_file(other)
    qtbot.waitUntil(lambda: w.voice_panel.source_path == other, timeout=10000)
    v = w.voice_panel
    assert v.voice_id is None
    assert v.name.text() == "" and v.transcript.toPlainText() == ""
    assert v.voices.currentData() is None  # the combo no longer claims "Grandma Li"
    assert not w.text_panel.save_voice_button.isEnabled()

    # the same for a fresh recording, after choosing the saved voice again
    v.voices.setCurrentIndex(1)
    v.voices.activated.emit(1)
    qtbot.waitUntil(lambda: v.name.text() == "Grandma Li", timeout=10000)
    rec = v.record
    qtbot.mouseClick(rec.button, Qt.LeftButton)
    backend.pump_all()
    qtbot.mouseClick(rec.button, Qt.LeftButton)
    qtbot.waitUntil(
        lambda: v.source_path is not None and v.source_path.name.startswith("take-"), timeout=10000
    )
    assert v.voice_id is None and v.name.text() == "" and v.transcript.toPlainText() == ""


def test_play_the_whole_reference_or_only_the_selection(qtbot, make_window):
    backend = FakeBackend()
    w = make_window(backend=backend)
    sr = 16000
    audio = np.linspace(-0.5, 0.5, 4 * sr, dtype=np.float32)  # every sample distinct: positions are checkable
    v = w.voice_panel
    v.set_audio(audio, sr)
    v.waveform.set_selection(1.0, 2.5)
    qtbot.mouseClick(v.playback.play_sel_button, Qt.LeftButton)
    assert v.playback.is_playing()
    backend.pump_all()
    qtbot.waitUntil(lambda: not v.playback.is_playing(), timeout=5000)
    played = backend.played_audio()[:, 0]
    played = played[np.abs(played) > 0]  # drop the silent padding of the last block
    assert np.allclose(played, audio[sr : int(2.5 * sr)], atol=1e-6)

    n_before = len(backend.played_audio())
    qtbot.mouseClick(v.playback.play_all_button, Qt.LeftButton)
    backend.pump_all()
    qtbot.waitUntil(lambda: not v.playback.is_playing(), timeout=5000)
    whole = backend.played_audio()[n_before:, 0]
    assert np.allclose(whole[: len(audio)], audio, atol=1e-6)
    # the result panel's player still holds nothing: the reference never replaced the result
    assert w.player.duration == 0.0


def test_zoom_and_scroll_show_detail_of_a_long_recording(qtbot, make_window):
    w = make_window()
    sr = 16000
    v = w.voice_panel
    v.set_audio(speechy(300.0, sr), sr)
    wf = v.waveform
    assert wf.view_range() == (0.0, 300.0)
    coarse = np.diff(wf._curve.getData()[0][::2]).max()  # seconds per envelope bucket
    wf.set_selection(120.0, 125.0)
    qtbot.mouseClick(v.playback.zoom_buttons["selection"], Qt.LeftButton)
    a, b = wf.view_range()
    assert 119.0 < a < 120.0 and 125.0 < b < 126.0
    # the curve was recomputed for the visible part: far finer than the whole-file envelope
    lo, hi = wf.drawn_span()
    assert lo <= a and hi >= b and hi - lo < 30.0
    x = wf._curve.getData()[0]
    fine = np.diff(x[(x >= a) & (x <= b)][::2]).max()
    assert fine < coarse / 10  # 75 ms buckets before, under 5 ms now
    wf.scroll_view(1.0)  # one view to the right
    a2, b2 = wf.view_range()
    assert abs(a2 - b) < 0.01 and abs((b2 - a2) - (b - a)) < 0.01
    qtbot.mouseClick(v.playback.zoom_buttons["in"], Qt.LeftButton)
    assert abs((wf.view_range()[1] - wf.view_range()[0]) - (b - a) / 2) < 0.01
    for _ in range(20):
        wf.scroll_view(1.0)
    assert wf.view_range()[1] <= 300.0  # never past the end
    qtbot.mouseClick(v.playback.zoom_buttons["fit"], Qt.LeftButton)
    assert wf.view_range() == (0.0, 300.0)


def test_the_last_voice_comes_back_after_a_restart(qtbot, make_window, tmp_path):
    data = tmp_path / "data"
    src = tmp_path / "grandma.wav"
    sf.write(src, speechy(6.0, 16000), 16000)
    w = make_window(data_dir=data)
    _save_voice(qtbot, w, src, "Grandma Li", "今天天气很好")
    vid = w.voice_panel.voice_id
    w.close()

    w2 = make_window(data_dir=data)
    qtbot.waitUntil(lambda: w2.voice_panel.voice_id == vid, timeout=10000)
    assert w2.voice_panel.name.text() == "Grandma Li"
    assert w2.voice_panel.transcript.toPlainText() == "今天天气很好"
    qtbot.waitUntil(lambda: w2.voice_panel.voices.currentText() == "Grandma Li", timeout=10000)

    # an unsaved reference comes back too: same file, selection, transcript and name
    other = tmp_path / "uncle.wav"
    sf.write(other, speechy(8.0, 16000, seed=2), 16000)
    w2.voice_panel.load_file(other)
    qtbot.waitUntil(lambda: w2.voice_panel.source_path == other, timeout=10000)
    w2.voice_panel.waveform.set_selection(2.0, 6.5)
    w2.voice_panel.transcript.setPlainText("hello there")
    w2.voice_panel.name.setText("Uncle")
    w2.close()

    w3 = make_window(data_dir=data)
    qtbot.waitUntil(lambda: w3.voice_panel.transcript.toPlainText() == "hello there", timeout=10000)
    assert w3.voice_panel.source_path == other and w3.voice_panel.voice_id is None
    assert w3.voice_panel.name.text() == "Uncle"
    a, b = w3.voice_panel.selection()
    assert abs(a - 2.0) < 0.01 and abs(b - 6.5) < 0.01
