"""Ctrl+Z after deleting the text brings back the text AND its "only here" overrides."""

from __future__ import annotations

from PySide6.QtCore import Qt

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.inference import GenerateJob
from glmtts_desktop.gui.pronunciation.override_history import OverrideHistory

HANG = "<|H|><|ANG2|>"


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_undo_after_deleting_everything_restores_the_local_override(qtbot, make_window, monkeypatch):
    w = make_window()
    panel, editor = w.text_panel, w.text_panel.editor
    editor.setFocus()
    editor.insertPlainText("我在银行工作。")  # Chinese arrives by paste/IME, not key events, offscreen
    panel.add_override("行", HANG, 3)
    panel.add_override("工作", "<|G|><|ONG1|><|Z|><|UO4|>", None)  # everywhere: not tied to the text
    before = _rows(panel.table)
    assert len(before) == 2

    qtbot.keyClick(editor, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClick(editor, Qt.Key_Delete)
    assert panel.text() == ""
    assert [o.occurrences for o in panel.overrides] == [None]  # the local one went with its text

    qtbot.keyClick(editor, Qt.Key_Z, Qt.ControlModifier)
    assert panel.text() == "我在银行工作。"
    assert sorted(_rows(panel.table)) == sorted(before)
    assert PronunciationOverride("行", HANG, (3,)) in panel.overrides.as_tuple()

    # ... and it is what the next generation is given
    jobs = []
    monkeypatch.setattr(w.session, "_check_model", lambda: None)
    monkeypatch.setattr(w.session.w.voice_panel, "reference", lambda: (None, 24000, "hi"))
    monkeypatch.setattr(w.consent_gate, "allow", lambda *a: True)
    monkeypatch.setattr(w.client, "submit", lambda job: jobs.append(job) or 99)
    w.session.generate()
    w.session._on_cancelled(99)  # the fake job ends at once
    assert isinstance(jobs[0], GenerateJob)
    assert PronunciationOverride("行", HANG, (3,)) in jobs[0].overrides

    # redo deletes again, undo brings it back again
    qtbot.keyClick(editor, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert panel.text() == "" and len(panel.overrides) == 1
    qtbot.keyClick(editor, Qt.Key_Z, Qt.ControlModifier)
    assert PronunciationOverride("行", HANG, (3,)) in panel.overrides.as_tuple()


def test_undo_keeps_a_newer_reading_for_the_same_characters():
    history = OverrideHistory()
    text = "银行"
    history.record(1, text, (PronunciationOverride("行", HANG, (1,)),))
    newer = (PronunciationOverride("行", "<|X|><|ING2|>", (1,)),)
    assert history.lost(1, text, newer) == []  # the newer choice for that place wins
    assert history.lost(1, text, ()) == [("行", HANG, 1)]
    assert history.lost(1, "银行。", ()) == []  # another text at that undo position: nothing
    assert history.lost(2, text, ()) == []  # a state never seen
