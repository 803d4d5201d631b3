"""The editable table of pronunciation overrides for the current text.

Columns: text, reading (pinyin for people), tokens (what the model reads; editable), where
(an offset for "only here", or "everywhere"). The OverrideSet is the single source of truth;
the table is redrawn from it after every change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.pronunciation.overrides import OverrideSet

log = logging.getLogger(__name__)

COL_TEXT, COL_READING, COL_TOKENS, COL_WHERE = range(4)


def readable_reading(text: str, tokens: str) -> str:
    """Tone-marked pinyin ("háng") of ``tokens`` when it is one of ``text``'s readings, else ""."""
    from glmtts_desktop.gui.pronunciation.readings import readings

    try:
        return next((r.pinyin for r in readings(text) if r.tokens == tokens), "")
    except Exception:  # noqa: BLE001 - a display nicety; the raw form is shown instead
        log.debug("no readable form for %s", text, exc_info=True)
        return ""


def _place(text: str, offset: int, length: int) -> str:
    """Where an "only here" override sits, in words: "“我去银行取”, character 4"."""
    if 0 <= offset <= len(text):
        context = text[max(0, offset - 2) : offset + length + 2].replace("\n", " ")
        return tr("“{context}”, character {n}", context=context, n=offset + 1)
    return tr("character {n}", n=offset + 1)


class OverridesTable(QTableWidget):
    changed = Signal()

    def __init__(self, overrides: OverrideSet, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.overrides = overrides
        self.text_source: Callable[[], str] = lambda: ""  # the text panel sets it: positions in words
        self.setObjectName("overridesTable")
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self._filling = False
        self.itemChanged.connect(self._on_item_changed)
        translator().languageChanged.connect(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        from glmtts_desktop.engine.text.g2p import phonemes_to_pinyin  # lazy: not at start-up

        self._filling = True
        try:
            self.setHorizontalHeaderLabels([tr("Text"), tr("Reading"), tr("Model tokens"), tr("Where")])
            self.setRowCount(len(self.overrides))
            text = self.text_source()
            for row, o in enumerate(self.overrides):
                where = (
                    tr("everywhere")
                    if o.occurrences is None
                    else "; ".join(_place(text, off, len(o.text)) for off in o.occurrences)
                )
                for col, value, editable in (
                    (COL_TEXT, o.text, False),
                    (
                        COL_READING,
                        readable_reading(o.text, o.replacement) or phonemes_to_pinyin(o.replacement),
                        False,
                    ),
                    (COL_TOKENS, o.replacement, True),
                    (COL_WHERE, where, False),
                ):
                    item = QTableWidgetItem(value)
                    if not editable:
                        item.setFlags(item.flags() & ~item.flags().ItemIsEditable)
                    self.setItem(row, col, item)
        finally:
            self._filling = False

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.selectedIndexes()}, reverse=True)
        for row in rows:
            self.overrides.remove(row)
        if rows:
            self.refresh()
            self.changed.emit()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != COL_TOKENS:
            return
        row = item.row()
        old = self.overrides[row]
        new_tokens = item.text().strip()
        if not new_tokens:
            self.refresh()
            return
        self.overrides.replace(row, PronunciationOverride(old.text, new_tokens, old.occurrences))
        self.refresh()
        self.changed.emit()
