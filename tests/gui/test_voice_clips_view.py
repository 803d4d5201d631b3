"""The Voices view's photo and clips on the real window: placeholder then thumbnail, a file that
is no picture refused, add a clip, play it, make it the default (the Voice panel follows),
remove it. Questions are answered by patched ``ask_choice`` / ``ask_clip_details``."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from glmtts_desktop.audio import FakeBackend
from glmtts_desktop.gui.voices import ask, clip_dialog, photo


@pytest.fixture
def window_with_voice(qtbot, make_window, tmp_path):
    backend = FakeBackend()
    w = make_window(backend=backend)
    studio = w.store.studio
    v = studio.add_voice("Grandma", speechy(4.0, 16000), 16000, "first clip words")
    w.show_voices()
    vv = w.voices_view
    vv.refresh()  # the voice was added behind the view's back
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    qtbot.waitUntil(lambda: len(vv.clips.clips()) == 1, timeout=10000)
    return w, vv, studio, v, backend


def _image(label) -> QImage:
    return label.pixmap().toImage()


def test_photo_placeholder_then_thumbnail_and_a_bad_file_changes_nothing(qtbot, window_with_voice, tmp_path):
    w, vv, studio, v, _backend = window_with_voice
    placeholder = photo.placeholder("Grandma", vv.photo.width(), vv.palette()).toImage()
    assert _image(vv.photo) == placeholder
    assert not vv.photo_buttons["remove"].isEnabled()
    # a text file named .png: refused in the GUI with a clear message, nothing stored
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    with qtbot.waitSignal(vv.errorOccurred, timeout=10000) as err:
        vv.set_photo(v.id, bad)
    assert "notes.png could not be opened as a picture" in err.args[0].user_text()
    assert studio.get_voice(v.id).photo_path is None and _image(vv.photo) == placeholder
    # a real photo: stored, shown round in the detail and as the list icon
    red = QImage(120, 80, QImage.Format.Format_RGB32)
    red.fill(QColor(200, 30, 30))
    good = tmp_path / "grandma.png"
    assert red.save(str(good))
    vv.set_photo(v.id, good)
    qtbot.waitUntil(lambda: studio.get_voice(v.id).photo_path is not None, timeout=10000)
    qtbot.waitUntil(lambda: _image(vv.photo) != placeholder, timeout=10000)
    shown = _image(vv.photo)
    centre = shown.pixelColor(shown.width() // 2, shown.height() // 2)
    assert (centre.red(), centre.green(), centre.blue()) == (200, 30, 30)
    assert shown.pixelColor(0, 0).alpha() == 0  # round: the corner is transparent
    assert not vv.list.item(0).icon().isNull()
    assert vv.photo_buttons["remove"].isEnabled()
    qtbot.mouseClick(vv.photo_buttons["remove"], Qt.LeftButton)
    qtbot.waitUntil(lambda: studio.get_voice(v.id).photo_path is None, timeout=10000)
    qtbot.waitUntil(lambda: _image(vv.photo) == placeholder, timeout=10000)


def test_add_play_set_default_and_remove_a_clip(qtbot, window_with_voice, tmp_path, monkeypatch):
    w, vv, studio, v, backend = window_with_voice
    w.session.choose_voice(v.id)
    qtbot.waitUntil(lambda: w.voice_panel.voice_id == v.id, timeout=10000)
    assert w.voice_panel.transcript.toPlainText() == "first clip words"
    second = speechy(3.0, 22050, seed=7)
    path = tmp_path / "birthday.wav"
    sf.write(path, second, 22050, subtype="FLOAT")
    asked: list[str] = []

    def details(parent, about):
        asked.append(about)
        return clip_dialog.ClipDetails("second clip words", "cheerful", False)

    monkeypatch.setattr(clip_dialog, "ask_clip_details", details)
    vv.clips.add_from_file(path)
    qtbot.waitUntil(lambda: len(vv.clips.clips()) == 2, timeout=10000)
    assert "birthday.wav" in asked[0]
    new = next(c for c in vv.clips.clips() if c.transcript == "second clip words")
    assert not new.is_default and new.note == "cheerful"
    assert vv.clips.list.item(0).text().startswith("★")  # the default is marked
    # play the new clip: the player hears exactly its samples
    assert vv.clips.select(new.id)
    qtbot.mouseClick(vv.clips.buttons["play"], Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(backend.active_streams("output")), timeout=10000)
    backend.pump_all()
    played = backend.played_audio()[:, 0]
    np.testing.assert_allclose(played[: len(second)], second, atol=1e-6)
    # make it the default: the library, the list and the Voice panel follow
    qtbot.mouseClick(vv.clips.buttons["default"], Qt.LeftButton)
    qtbot.waitUntil(lambda: studio.get_voice(v.id).default_clip_id == new.id, timeout=10000)
    qtbot.waitUntil(lambda: next(c for c in vv.clips.clips() if c.id == new.id).is_default, timeout=10000)
    qtbot.waitUntil(lambda: w.voice_panel.transcript.toPlainText() == "second clip words", timeout=10000)
    assert not vv.clips.buttons["default"].isEnabled()  # the chosen clip already is the default
    # remove it (asked first): the first clip is the default again and the panel says so
    monkeypatch.setattr(ask, "ask_choice", lambda *a, **k: "remove")
    with qtbot.waitSignal(vv.messageOccurred, timeout=10000) as msg:
        qtbot.mouseClick(vv.clips.buttons["remove"], Qt.LeftButton)
    assert "default" in msg.args[0]
    qtbot.waitUntil(lambda: len(vv.clips.clips()) == 1, timeout=10000)
    assert vv.clips.clips()[0].is_default and not vv.clips.buttons["remove"].isEnabled()
    qtbot.waitUntil(lambda: w.voice_panel.transcript.toPlainText() == "first clip words", timeout=10000)


def test_edit_the_default_clip_transcript_and_the_voice_panel_follows(qtbot, window_with_voice, monkeypatch):
    w, vv, studio, v, _backend = window_with_voice
    w.session.choose_voice(v.id)
    qtbot.waitUntil(lambda: w.voice_panel.transcript.toPlainText() == "first clip words", timeout=10000)
    offered: list = []

    def details(parent, about, initial=None):
        offered.append(initial)
        return clip_dialog.ClipDetails("corrected words", "from 2009", False)

    monkeypatch.setattr(clip_dialog, "ask_clip_details", details)
    qtbot.mouseClick(vv.clips.buttons["edit"], Qt.LeftButton)
    qtbot.waitUntil(lambda: studio.get_voice(v.id).transcript == "corrected words", timeout=10000)
    assert offered[0].transcript == "first clip words"  # the dialog starts from what is stored
    assert studio.list_clips(v.id)[0].note == "from 2009"
    qtbot.waitUntil(lambda: w.voice_panel.transcript.toPlainText() == "corrected words", timeout=10000)
    qtbot.waitUntil(lambda: "corrected words" in vv.clips.list.item(0).text(), timeout=10000)
