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


def _side_columns(w):
    from PySide6.QtWidgets import QScrollArea

    split = w.splitter
    return [split.widget(i) for i in range(split.count()) if isinstance(split.widget(i), QScrollArea)]


def test_side_columns_never_scroll_sideways(qtbot, make_window):
    w = make_window()
    columns = _side_columns(w)
    assert len(columns) == 2
    for language in ("en", "zh_CN"):
        w.set_language(language)
        for width, height in ((1024, 700), (1366, 768)):
            w.resize(width, height)
            qtbot.waitUntil(lambda width=width: w.width() == width)
            for area in columns:
                qtbot.waitUntil(lambda area=area: area.viewport().width() > 0)
                panel = area.widget()
                where = f"{language} {width}x{height} {type(panel).__name__}"
                assert not area.horizontalScrollBar().isVisible(), where
                assert panel.minimumSizeHint().width() <= area.viewport().width(), where
            assert w.text_panel.editor.width() >= 300, f"{language} {width}x{height}"
