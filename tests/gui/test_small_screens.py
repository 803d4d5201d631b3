"""The window fits a 1024×700 screen, and at 1366×768 the text editor gets the room."""

from __future__ import annotations


def test_minimum_size_fits_1024_by_700(qtbot, make_window):
    w = make_window()
    hint = w.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700, hint
    w.resize(1024, 700)
    qtbot.waitUntil(lambda: w.width() == 1024 and w.height() == 700)
    assert w.text_panel.editor.width() >= 300


def test_text_editor_has_room_at_1366_by_768(qtbot, make_window):
    w = make_window()
    w.resize(1366, 768)
    qtbot.waitUntil(lambda: w.width() == 1366)
    editor = w.text_panel.editor
    qtbot.waitUntil(lambda: editor.height() > 0)
    lines = editor.viewport().height() / editor.fontMetrics().lineSpacing()
    assert lines >= 12, f"the editor shows only {lines:.1f} lines"
    assert editor.height() > w.text_panel.segments.height()
    assert editor.height() > w.text_panel.table.height()
