"""Find a generation again: search the history by words, voice and date.

A small row above the history list. It only says what to look for (``filters()``); the
session asks the studio's ``search_history`` in the background, so typing never waits on disk.
Typing is debounced: the search runs once the person pauses.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

DEBOUNCE_MS = 250
PERIODS = (
    (0, N_("Any date")),
    (1, N_("Today")),
    (7, N_("Last 7 days")),
    (30, N_("Last 30 days")),
    (365, N_("Last year")),
)


class HistorySearch(QWidget):
    changed = Signal()  # the filters changed (debounced for typing)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        self.text = QLineEdit()
        self.text.setObjectName("historySearch")
        self.text.setClearButtonEnabled(True)
        t.bind(self.text.setPlaceholderText, "Search the history (text, title, voice)…")
        self.voice = QComboBox()
        self.voice.setObjectName("historyVoiceFilter")
        self.period = QComboBox()
        self.period.setObjectName("historyPeriodFilter")
        self._fill_periods()
        self.set_voices([])
        t.languageChanged.connect(lambda _: self._retranslate())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.text.textChanged.connect(lambda _: self._timer.start())
        self.voice.activated.connect(lambda _: self.changed.emit())
        self.period.activated.connect(lambda _: self.changed.emit())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 3)
        row.addWidget(self.voice, 2)
        row.addWidget(self.period, 1)

    def _fill_periods(self) -> None:
        current = self.period.currentIndex()
        self.period.clear()
        for days, label in PERIODS:
            self.period.addItem(tr(label), days)
        self.period.setCurrentIndex(max(current, 0))

    def _retranslate(self) -> None:
        self._fill_periods()
        if self.voice.count():
            self.voice.setItemText(0, tr("All voices"))

    def set_voices(self, voices: list[tuple[str, str]]) -> None:
        """(id, name) of the saved voices; the current choice is kept when it still exists."""
        current = self.voice.currentData()
        self.voice.clear()
        self.voice.addItem(tr("All voices"), None)
        for vid, name in voices:
            self.voice.addItem(name, vid)
        self.voice.setCurrentIndex(max(self.voice.findData(current), 0) if current else 0)

    def filters(self, today: dt.date | None = None) -> dict[str, Any]:
        """Keyword arguments for ``Studio.search_history``."""
        days = int(self.period.currentData() or 0)
        since = None
        if days:
            start = (today or dt.date.today()) - dt.timedelta(days=days - 1)
            since = start.isoformat()
        text = self.text.text().strip()
        return {"text": text or None, "voice_id": self.voice.currentData(), "since": since}

    def active(self) -> bool:
        f = self.filters()
        return any(v is not None for v in f.values())
