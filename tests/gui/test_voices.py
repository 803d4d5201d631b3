"""Saved voices: save the selected reference with its transcript and pronunciations, find it after a restart."""

from __future__ import annotations

import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt


def test_save_voice_and_load_it_after_restart(qtbot, make_window, tmp_path):
    data = tmp_path / "data"
    src = tmp_path / "voicemail.wav"
    sf.write(src, speechy(8.0, 16000), 16000)
    w = make_window(data_dir=data)
    w.voice_panel.load_file(src)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)
    w.voice_panel.waveform.set_selection(1.0, 5.0)
    w.voice_panel.transcript.setPlainText("今天天气很好")
    w.text_panel.editor.setPlainText("行不行")
    w.text_panel.add_override("行", "<|X|><|ING2|>", None)  # "everywhere": belongs to the voice
    w.text_panel.add_override("行", "<|H|><|ANG2|>", 2)  # "only here": belongs to this text
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.voice_panel.name.setText("Grandma")
    qtbot.mouseClick(w.voice_panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    assert w.text_panel.save_voice_button.isEnabled()
    qtbot.waitUntil(lambda: w.voice_panel.voices.count() == 2, timeout=10000)
    w.close()

    w2 = make_window(data_dir=data)
    qtbot.waitUntil(lambda: w2.voice_panel.voices.count() == 2, timeout=10000)
    assert w2.voice_panel.voices.itemText(1) == "Grandma"
    w2.voice_panel.voices.setCurrentIndex(1)
    w2.voice_panel.voices.activated.emit(1)
    qtbot.waitUntil(lambda: w2.voice_panel.audio is not None, timeout=10000)
    assert abs(len(w2.voice_panel.audio) / w2.voice_panel.sr - 4.0) < 0.05  # the selection, not the file
    assert w2.voice_panel.transcript.toPlainText() == "今天天气很好"
    # the draft (text and its overrides) came back too; the voice's own pronunciation is among them
    assert w2.text_panel.text() == "行不行"
    assert {(o.text, o.replacement, o.occurrences) for o in w2.text_panel.overrides} == {
        ("行", "<|X|><|ING2|>", None),
        ("行", "<|H|><|ANG2|>", (2,)),
    }
    # the library keeps the imported file byte-for-byte as the voice's original
    voice = w2.store.library.get_voice(w2.voice_panel.voice_id)
    assert voice.original_path is not None and voice.original_path.read_bytes() == src.read_bytes()


def test_saving_a_voice_needs_a_name(qtbot, make_window):
    w = make_window()
    w.voice_panel.set_audio(speechy(4.0, 16000), 16000)
    w.voice_panel.transcript.setPlainText("hello")
    qtbot.mouseClick(w.voice_panel.save_button, Qt.LeftButton)
    assert "name" in w.messages.text().lower()
