"""The reading picker shown for a selected Chinese character or word.

A small non-modal dialog: candidate readings (tones shown), a field for typing another reading
("hang2"), and the scope (only here / everywhere in this text). Keyboard: arrows, Enter, Esc.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.pronunciation.readings import Reading

log = logging.getLogger(__name__)


class PronunciationPopup(QDialog):
    """Emits ``chosen(text, tokens, everywhere)`` when the person confirms a reading."""

    chosen = Signal(str, str, bool)

    def __init__(
        self,
        text: str,
        readings: list[Reading],
        parent: QWidget | None = None,
        *,
        in_context: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Pronunciation"))
        self.setObjectName("pronunciationPopup")
        self.text = text
        self.list = QListWidget()
        for r in readings:
            item = QListWidgetItem(f"{r.pinyin}    {r.tone3}")
            item.setData(Qt.UserRole, r.tokens)
            self.list.addItem(item)
        # preselect the reading the sentence calls for, so Enter never writes a wrong override
        row = next((i for i, r in enumerate(readings) if in_context and r.tokens == in_context), 0)
        if readings:
            self.list.setCurrentRow(row)
        self.context_label = QLabel()
        self.context_label.setObjectName("contextReading")
        self.context_label.setWordWrap(True)
        if in_context:
            from glmtts_desktop.engine.text.g2p import phonemes_to_pinyin

            known = next((r.pinyin for r in readings if r.tokens == in_context), "")
            self.context_label.setText(
                tr(
                    "In this sentence the model reads it as “{reading}” unless you change it.",
                    reading=known or phonemes_to_pinyin(in_context),
                )
            )
        else:
            self.context_label.hide()
        self.custom = QLineEdit()
        self.custom.setPlaceholderText(tr("or type a reading, e.g. hang2"))
        self.here = QRadioButton(tr("Only here"))
        self.everywhere = QRadioButton(tr("Everywhere in this text"))
        self.here.setChecked(True)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #d03030;")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("How should “{text}” be read?", text=text)))
        layout.addWidget(self.context_label)
        layout.addWidget(self.list)
        layout.addWidget(self.custom)
        layout.addWidget(self.here)
        layout.addWidget(self.everywhere)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def selected_tokens(self) -> str:
        """Tokens of the typed reading when one was typed, else of the highlighted candidate."""
        typed = self.custom.text().strip()
        if typed:
            syllables = typed.replace(",", " ").split()
            if len(syllables) != len(self.text):
                raise ValueError(tr("Type one syllable per character ({n}).", n=len(self.text)))
            from glmtts_desktop.engine.text.g2p import syllable_phonemes

            return "".join(syllable_phonemes(s) for s in syllables)
        item = self.list.currentItem()
        if item is None:
            raise ValueError(tr("Choose a reading."))
        return str(item.data(Qt.UserRole))

    def choose(self, row: int, everywhere: bool = False) -> None:
        """Pick candidate ``row`` and confirm (what a click + Enter does)."""
        self.list.setCurrentRow(row)
        (self.everywhere if everywhere else self.here).setChecked(True)
        self.accept()

    def accept(self) -> None:
        try:
            tokens = self.selected_tokens()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.chosen.emit(self.text, tokens, self.everywhere.isChecked())
        super().accept()
