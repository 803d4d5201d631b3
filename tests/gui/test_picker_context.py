"""The pronunciation picker preselects the reading the sentence calls for and says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from glmtts_desktop.gui.panels.text_panel import TextPanel


def _select(panel: TextPanel, start: int, length: int) -> None:
    cursor = panel.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + length, QTextCursor.KeepAnchor)
    panel.editor.setTextCursor(cursor)


@pytest.mark.parametrize(
    "text, char_at, tokens, pinyin",
    [
        ("我去银行取钱。", 3, "<|H|><|ANG2|>", "háng"),
        ("他们在路上行走。", 5, "<|X|><|ING2|>", "xíng"),
    ],
)
def test_picker_preselects_the_reading_in_context(qtbot, text, char_at, tokens, pinyin):
    panel = TextPanel()
    qtbot.addWidget(panel)
    panel.editor.setPlainText(text)
    _select(panel, char_at, 1)
    popup = panel.open_pronunciation()
    assert popup is not None
    assert popup.list.count() >= 2  # 行 has both readings to choose from
    assert popup.list.currentItem().data(Qt.UserRole) == tokens
    assert pinyin in popup.context_label.text()
    qtbot.keyClick(popup.list, Qt.Key_Return)  # Enter keeps the reading in context
    assert [(o.text, o.replacement) for o in panel.overrides] == [("行", tokens)]


def test_overrides_table_shows_tone_marks_and_the_place_in_words(qtbot):
    panel = TextPanel()
    qtbot.addWidget(panel)
    panel.editor.setPlainText("我去银行取钱。")
    panel.add_override("行", "<|H|><|ANG2|>", 3)
    table = panel.table
    assert table.item(0, 1).text() == "háng"  # not "h ang2"
    where = table.item(0, 3).text()
    assert "银行" in where and "4" in where  # not "at 3"
