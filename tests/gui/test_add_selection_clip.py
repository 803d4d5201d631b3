"""The Voice panel's "Add selection to this voice…": the part the person selected in a long file
becomes another clip of the saved voice (exact samples, transcript, original with the trim)."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt

from glmtts_desktop.gui.voices import ask
from glmtts_desktop.library.files import sha256_file


def test_the_selection_of_a_long_file_becomes_a_clip_of_the_loaded_voice(
    qtbot, make_window, tmp_path, monkeypatch
):
    w = make_window()
    studio = w.store.studio
    p = w.voice_panel
    assert not p.add_clip_button.isEnabled()  # no saved voice on screen yet
    voice = studio.add_voice("Grandma", speechy(4.0, 16000), 16000, "first clip words")
    w.show_voices()
    vv = w.voices_view
    vv.refresh(select=voice.id)
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    w.session.choose_voice(voice.id)
    qtbot.waitUntil(lambda: p.voice_id == voice.id, timeout=10000)
    assert p.add_clip_button.isEnabled()

    # a long birthday video's sound: the person picks 2-5 s of it by hand
    sr = 22050
    long_take = speechy(12.0, sr, seed=9)
    path = tmp_path / "birthday video.wav"
    sf.write(path, long_take, sr, subtype="FLOAT")
    p.load_file(path)
    qtbot.waitUntil(lambda: p.source_path == path, timeout=10000)
    p.waveform.set_selection(2.0, 5.0)
    a, b = p.selection()
    assert abs(a - 2.0) < 0.01 and abs(b - 5.0) < 0.01
    p.transcript.setPlainText("happy birthday my dear")
    qtbot.waitUntil(lambda: p.add_clip_button.isEnabled(), timeout=10000)
    asked: list[str] = []

    def answer(parent, title, text, choices, **kw):
        asked.append(text)
        return "add"

    monkeypatch.setattr(ask, "ask_choice", answer)
    qtbot.mouseClick(p.add_clip_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(studio.list_clips(voice.id)) == 2, timeout=10000)
    assert "Grandma" in asked[0]
    new = next(c for c in studio.list_clips(voice.id) if not c.is_default)
    stored, rate = studio.library.load_voice_clip(new)
    assert rate == sr
    np.testing.assert_array_equal(stored, long_take[int(a * sr) : int(b * sr)])
    assert new.transcript == "happy birthday my dear"
    assert new.trim == (a, b) and new.original_sha256 == sha256_file(path)
    assert studio.get_voice(voice.id).default_clip_id == voice.default_clip_id  # not asked to be default
    # the Voices view's clip list shows it
    qtbot.waitUntil(
        lambda: "happy birthday my dear" in [c.transcript for c in vv.clips.clips()], timeout=10000
    )
