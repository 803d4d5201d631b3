"""The Voices view on the real window: rename and details, trash with Undo, restore, empty the
trash, no silent duplicates. Questions to the person are answered by a patched ``ask_choice``."""

from __future__ import annotations

import pytest
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt

from glmtts_desktop.gui.voices import ask


class Answers:
    """Stands in for the question box: records each question, answers from a list."""

    def __init__(self, monkeypatch, *answers: str | None) -> None:
        self.answers = list(answers)
        self.questions: list[tuple[str, list[str]]] = []
        monkeypatch.setattr(ask, "ask_choice", self)

    def __call__(self, parent, title, text, choices, *, detail=""):
        self.questions.append((text, [k for k, _ in choices]))
        return self.answers.pop(0) if self.answers else None


def save_voice(qtbot, w, path, name: str, transcript: str = "今天天气很好") -> None:
    v = w.voice_panel
    v.load_file(path)
    qtbot.waitUntil(lambda: v.source_path == path, timeout=10000)
    v.transcript.setPlainText(transcript)
    v.name.setText(name)
    qtbot.mouseClick(v.save_button, Qt.LeftButton)


@pytest.fixture
def ref(tmp_path):
    path = tmp_path / "grandma.wav"
    sf.write(path, speechy(6.0, 16000), 16000)
    return path


def test_rename_and_edit_details_in_the_voices_view(qtbot, make_window, ref):
    w = make_window()
    save_voice(qtbot, w, ref, "Grandma")
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    qtbot.mouseClick(w.voice_panel.manage_button, Qt.LeftButton)
    vv = w.voices_view
    assert w.voices_dock.isVisible()
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    assert vv.current_id() == w.voice_panel.voice_id
    vv.name.setText("Nai Nai")
    vv.speaker.setText("Li Hua, my grandmother")
    vv.notes.setPlainText("From the 2009 voicemails")
    qtbot.mouseClick(vv.buttons["save"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == ["Nai Nai"], timeout=10000)
    stored = w.store.studio.get_voice(w.voice_panel.voice_id)
    assert (stored.name, stored.speaker, stored.notes) == (
        "Nai Nai",
        "Li Hua, my grandmother",
        "From the 2009 voicemails",
    )
    # the picker in the Voice panel follows the one list
    qtbot.waitUntil(lambda: w.voice_panel.voices.currentText() == "Nai Nai", timeout=10000)


def test_trash_with_undo_restore_and_empty(qtbot, make_window, ref, tmp_path, monkeypatch):
    w = make_window()
    save_voice(qtbot, w, ref, "Grandma")
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    vid = w.voice_panel.voice_id
    w.show_voices()
    vv = w.voices_view
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)

    qtbot.mouseClick(vv.buttons["delete"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == [], timeout=10000)
    assert w.store.studio.get_voice(vid).deleted
    assert w.voice_panel.voices.findData(vid) < 0  # gone from the picker too
    assert vv.undo_bar.isVisibleTo(vv) and "Grandma" in vv.undo_label.text()

    qtbot.mouseClick(vv.undo_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    assert not w.store.studio.get_voice(vid).deleted
    assert not vv.undo_bar.isVisibleTo(vv)

    # delete again, then restore it from the trash view
    qtbot.mouseClick(vv.buttons["delete"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == [], timeout=10000)
    vv.trash_toggle.setChecked(True)
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    assert vv.buttons["restore"].isEnabled() and not vv.buttons["use"].isEnabled()
    qtbot.mouseClick(vv.buttons["restore"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == [], timeout=10000)  # the trash is empty again
    assert not w.store.studio.get_voice(vid).deleted

    # empty the trash: asks first; "cancel" keeps the voice, "empty" deletes it for good
    vv.trash_toggle.setChecked(False)
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    qtbot.mouseClick(vv.buttons["delete"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == [], timeout=10000)
    vv.trash_toggle.setChecked(True)
    qtbot.waitUntil(lambda: vv.names() == ["Grandma"], timeout=10000)
    answers = Answers(monkeypatch, "cancel", "empty")
    qtbot.mouseClick(vv.buttons["empty"], Qt.LeftButton)
    assert len(answers.questions) == 1 and w.store.studio.list_voices(trash=True)
    qtbot.mouseClick(vv.buttons["empty"], Qt.LeftButton)
    qtbot.waitUntil(lambda: vv.names() == [], timeout=10000)
    assert w.store.studio.list_voices(trash=True) == [] and w.store.studio.list_voices() == []


def test_saving_the_same_voice_twice_asks(qtbot, make_window, ref, monkeypatch):
    w = make_window()
    save_voice(qtbot, w, ref, "Grandma")
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    first = w.voice_panel.voice_id

    copy = ref.with_name("grandma-copy.wav")  # the same recording, found again
    copy.write_bytes(ref.read_bytes())
    answers = Answers(monkeypatch, "cancel")
    save_voice(qtbot, w, copy, "Grandma")
    qtbot.waitUntil(lambda: len(answers.questions) == 1, timeout=10000)
    assert answers.questions[0][1] == ["open", "keep_both", "cancel"]
    w.background.wait()
    qtbot.waitUntil(lambda: w.background.pending == 0, timeout=10000)
    assert len(w.store.studio.list_voices()) == 1 and w.voice_panel.voice_id is None

    answers.answers = ["open"]
    qtbot.mouseClick(w.voice_panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.voice_panel.voice_id == first, timeout=10000)
    assert len(w.store.studio.list_voices()) == 1

    answers.answers = ["keep_both"]
    save_voice(qtbot, w, copy, "Grandma (2)")
    qtbot.waitUntil(lambda: len(w.store.studio.list_voices()) == 2, timeout=10000)
    assert len(answers.questions) == 3
