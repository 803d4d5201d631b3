"""History: Rename edits only the title; Delete can be undone from the message bar."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def _one_generation(qtbot, w):
    entry = w.store.add_generation(
        text="银行门口有人在排队。",
        voice_name="Grandma",
        voice_id=None,
        seed=42,
        settings={"method": "ras"},
        audio=np.full(4800, 0.1, np.float32),
        sr=24000,
        reference=(None, 24000, ""),
    )
    w.session.refresh_history(select=entry.id)
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 1, timeout=10000)
    w.result_panel.history.setCurrentRow(0)
    return entry


def test_rename_prefills_only_the_title(qtbot, make_window):
    w = make_window()
    entry = _one_generation(qtbot, w)
    offered = []

    def ask(current: str) -> str:
        offered.append(current)
        return current + " (for Mum)"

    w.result_panel.ask_title = ask
    w.result_panel._history_action("rename")
    assert offered == ["银行门口有人在排队。"]  # not "12-03 21:45  …  (Grandma, seed 42, 0.2 s)"
    qtbot.waitUntil(lambda: "(for Mum)" in w.result_panel.history.item(0).text(), timeout=10000)
    assert w.store.get_generation(entry.id).title == "银行门口有人在排队。 (for Mum)"
    w.result_panel.ask_title = lambda current: offered.append(current) or current
    w.result_panel._history_action("rename")
    assert offered[-1] == "银行门口有人在排队。 (for Mum)"  # renaming again does not stack labels


def test_delete_can_be_undone(qtbot, make_window):
    w = make_window()
    entry = _one_generation(qtbot, w)
    w.result_panel._history_action("delete")
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 0, timeout=10000)
    assert w.messages.action_button.isVisible()
    QApplication.processEvents()
    qtbot.mouseClick(w.messages.action_button, Qt.LeftButton)  # "Undo"
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 1, timeout=10000)
    assert w.result_panel.selected_id() == entry.id
    assert w.messages.isHidden()
