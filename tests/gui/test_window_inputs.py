"""Bad inputs give a clear message and keep the person's work (no model needed)."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QTextCursor

from glmtts_desktop.audio import FakeBackend


def _set_reference(qtbot, w, seconds=4.0, sr=24000, transcript="你好世界"):
    w.voice_panel.set_audio(speechy(seconds, sr), sr)
    w.voice_panel.transcript.setPlainText(transcript)
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=5000)


def test_empty_text(qtbot, make_window):
    w = make_window()
    _set_reference(qtbot, w)
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    assert "no text" in w.messages.text().lower()
    assert w.voice_panel.transcript.toPlainText() == "你好世界"
    assert not w.session.running


def test_missing_reference_and_missing_transcript(qtbot, make_window):
    w = make_window()
    qtbot.keyClicks(w.text_panel.editor, "Hello. ")
    w.text_panel.editor.insertPlainText("今天天气很好。")  # pasted: key events carry Latin text only
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    assert "no reference voice" in w.messages.text().lower()
    _set_reference(qtbot, w, transcript="")
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    assert "transcript" in w.messages.text().lower()
    assert w.text_panel.text() == "Hello. 今天天气很好。"


def test_model_not_loaded(qtbot, make_window):
    w = make_window()
    _set_reference(qtbot, w)
    w.text_panel.editor.setPlainText("今天天气很好。")
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    assert "model is not loaded" in w.messages.text().lower()
    w.messages.clear()
    w.text_panel.editor.setFocus()
    qtbot.keyClick(w.text_panel.editor, Qt.Key_Return, Qt.ControlModifier)  # the keyboard way
    assert "model is not loaded" in w.messages.text().lower()
    assert w.text_panel.text() == "今天天气很好。"  # Ctrl+Enter did not insert a line break


def test_unreadable_file_keeps_current_reference(qtbot, make_window, tmp_path):
    w = make_window()
    _set_reference(qtbot, w)
    before = w.voice_panel.audio
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 10)
    w.voice_panel.load_file(bad)
    qtbot.waitUntil(lambda: w.messages.level == "error", timeout=10000)
    assert "broken.wav" in w.messages.text()
    assert w.voice_panel.audio is before


def test_forty_minute_file_loads_its_start_and_says_so(qtbot, make_window, tmp_path):
    sr = 8000
    path = tmp_path / "long.wav"
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        block = speechy(60.0, sr) * 0.8
        for _ in range(40):
            f.write(block)
    w = make_window()
    w.voice_panel.load_file(path)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=30000)
    assert abs(w.voice_panel.waveform.duration - 300.0) < 1.0
    assert "40 minutes" in w.messages.text()
    a, b = w.voice_panel.selection()
    assert 0 < b - a <= 10.5  # auto-trim picked a reference-sized stretch
    assert w.voice_panel.waveform.plotted_points() <= 8000  # drawn as an envelope


def test_no_microphone(qtbot, make_window):
    w = make_window(backend=FakeBackend(has_input=False))
    rec = w.voice_panel.record
    assert not rec.devices.isEnabled()
    qtbot.mouseClick(rec.button, Qt.LeftButton)
    assert "microphone" in w.messages.text().lower()
    assert not rec.is_recording()


def test_record_a_take_to_disk_and_use_it(qtbot, make_window, tmp_path):
    backend = FakeBackend(input_signal=speechy(4.0, 48000))
    w = make_window(backend=backend, data_dir=tmp_path / "d")
    rec = w.voice_panel.record
    qtbot.mouseClick(rec.button, Qt.LeftButton)
    assert rec.is_recording()
    backend.pump_all()
    rec._poll()  # what the 30 Hz timer does
    assert rec.meter.bar.value() > 0
    # the take is already on disk while recording: a crash now would lose nothing
    assert rec.recorder.sync(10)
    assert sf.info(rec.recorder.path).frames > 3 * 48000
    qtbot.mouseClick(rec.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)
    takes = list((tmp_path / "d" / "takes").glob("take-*.wav"))
    assert len(takes) == 1 and sf.info(takes[0]).duration > 3.5
    assert abs(len(w.voice_panel.audio) / w.voice_panel.sr - sf.info(takes[0]).duration) < 0.05


def test_clipping_warning_while_recording(qtbot, make_window):
    loud = np.clip(speechy(2.0, 48000) * 10, -1, 1)
    backend = FakeBackend(input_signal=loud)
    w = make_window(backend=backend)
    rec = w.voice_panel.record
    rec.start()
    backend.pump(20)
    rec._poll()
    assert "clipping" in rec.meter.clip_label.text().lower()
    rec.stop()
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)


def test_drop_a_file(qtbot, make_window, tmp_path):
    path = tmp_path / "dropped.flac"
    sf.write(path, speechy(5.0, 16000), 16000)
    w = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.voice_panel.dropEvent(event)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)
    assert w.voice_panel.source_path == path


def test_pronunciation_popup_creates_here_only_override(qtbot, make_window):
    w = make_window()
    editor = w.text_panel.editor
    editor.setPlainText("我在银行工作。")
    cur = editor.textCursor()
    pos = "我在银行工作。".index("行")
    cur.setPosition(pos)
    cur.setPosition(pos + 1, QTextCursor.KeepAnchor)
    editor.setTextCursor(cur)
    assert w.text_panel.pron_button.isEnabled()
    popup = w.text_panel.open_pronunciation()
    labels = [popup.list.item(i).text() for i in range(popup.list.count())]
    row = next(i for i, t in enumerate(labels) if t.startswith("háng"))
    popup.choose(row)
    assert [(o.text, o.replacement, o.occurrences) for o in w.text_panel.overrides] == [
        ("行", "<|H|><|ANG2|>", (pos,))
    ]
    table = w.text_panel.table
    assert table.rowCount() == 1 and table.item(0, 1).text() == "háng"  # tone marks, not "h ang2"
    assert len(editor.extraSelections()) == 1


def test_language_switch_relabels_open_window(qtbot, make_window):
    w = make_window()
    w.set_language("zh_CN")
    assert w.generate_panel.generate_button.text().startswith("生成")
    assert w.model_status.state_label.text().startswith("模型")
    w.set_language("en")
    assert w.generate_panel.generate_button.text().startswith("Generate")


def test_too_long_selection_is_refused_with_a_way_out(qtbot, make_window):
    w = make_window()
    w.voice_panel.set_audio(speechy(45.0, 16000), 16000)  # set_audio selects everything
    w.voice_panel.transcript.setPlainText("hello")
    w.text_panel.editor.setPlainText("你好。")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.session.generate()
    assert "45 s" in w.messages.text() and "auto-trim" in w.messages.text().lower()
    w.voice_panel.auto_trim()
    qtbot.waitUntil(
        lambda: w.voice_panel.selection()[1] - w.voice_panel.selection()[0] <= 10.5, timeout=10000
    )


def test_playback_seek_and_loop_with_the_fake_sound_card(qtbot, make_window):
    backend = FakeBackend()
    w = make_window(backend=backend)
    r = w.result_panel
    audio = speechy(2.0, 24000)
    r.show_audio(audio, 24000)
    r.waveform.seekRequested.emit(1.5)  # what a click on the waveform at 1.5 s does
    assert abs(w.player.position - 1.5) < 0.01 and abs(r.waveform.playhead() - 1.5) < 0.01
    qtbot.mouseClick(r.play_button, Qt.LeftButton)
    assert w.player.state == "playing" and r.play_button.text() == "Pause"
    backend.pump(5)
    r._poll()
    assert r.waveform.playhead() > 1.5
    backend.pump_all()  # played to the end (from 1.5 s) and stopped
    r._poll()
    assert w.player.state != "playing" and r.play_button.text() == "Play"
    assert 0.4 * 24000 < len(backend.played_audio()) < 0.6 * 24000 + 2048
    r.loop.setChecked(True)
    r.play()
    backend.pump(200)  # 200 blocks of 1024 frames is far more than 2 s: still playing on loop
    assert w.player.state == "playing"
    r.stop()


def test_dark_palette_reaches_the_waveforms(qtbot, make_window):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from glmtts_desktop.gui.theme import dark_palette

    w = make_window()
    app = QApplication.instance()
    light = app.palette()
    try:
        app.setPalette(dark_palette())
        qtbot.waitUntil(
            lambda: w.result_panel.waveform._plot.backgroundBrush().color().lightness() < 80, timeout=5000
        )
        assert w.palette().color(QPalette.Window).lightness() < 80
    finally:
        app.setPalette(light)
