"""At start the app offers back a take whose recording a crash or kill cut off (the kill itself
is tested in tests/audio/test_recording_kill.py): "use" loads it as the reference, closing the
question keeps it as an ordinary take, and it is asked only once."""

from __future__ import annotations

import soundfile as sf
from gui_fakes import speechy
from test_voices_view import Answers

from glmtts_desktop.audio.takes import marker_path


def _cut_off_take(data_dir, name="take-20260101-120000.wav"):
    takes = data_dir / "takes"
    takes.mkdir(parents=True, exist_ok=True)
    take = takes / name
    sf.write(take, speechy(4.0, 48000), 48000, subtype="PCM_24")
    marker_path(take).write_bytes(b"")  # left behind, unlocked, by the killed recorder
    return take


def test_an_interrupted_recording_is_offered_and_used(qtbot, make_window, tmp_path, monkeypatch):
    data = tmp_path / "data"
    take = _cut_off_take(data)
    answers = Answers(monkeypatch, "use")
    w = make_window(data_dir=data)
    qtbot.waitUntil(lambda: w.voice_panel.source_path == take, timeout=20000)
    [(text, keys)] = answers.questions
    assert take.name in text and "4.0" in text and keys == ["use", "delete", "keep"]
    assert not marker_path(take).exists() and take.is_file()


def test_closing_the_question_keeps_the_take_and_asks_once(qtbot, make_window, tmp_path, monkeypatch):
    data = tmp_path / "data"
    take = _cut_off_take(data)
    answers = Answers(monkeypatch)  # the box is closed without an answer
    w = make_window(data_dir=data)
    qtbot.waitUntil(lambda: len(answers.questions) == 1, timeout=20000)
    assert take.is_file() and not marker_path(take).exists()
    assert w.voice_panel.record.offer_unfinished() is None and len(answers.questions) == 1
