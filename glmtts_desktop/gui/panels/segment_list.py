"""The list of segments the model will read, each with its state in the running job.

Why a status per line: a 40-segment job that runs for minutes must show where it is, which
parts are finished and which part may have been cut (the model did not end it by itself), so
the person knows what to listen to again. Icons come from the Qt style (no emoji font needed);
the word after the text says the same for people who do not read icons.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QIcon, QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

WAITING, GENERATING, DONE, CUT, FAILED, STOPPED = "waiting", "generating", "done", "cut", "failed", "stopped"
STATUS_ROLE = Qt.ItemDataRole.UserRole + 10
TEXT_ROLE = Qt.ItemDataRole.UserRole + 11
SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 12

_WORDS = {
    WAITING: N_("waiting"),
    GENERATING: N_("speaking now…"),
    DONE: N_("done"),
    CUT: N_("may be cut short"),
    FAILED: N_("failed"),
    STOPPED: N_("stopped"),
}
_ICONS = {
    GENERATING: QStyle.StandardPixmap.SP_MediaPlay,
    DONE: QStyle.StandardPixmap.SP_DialogApplyButton,
    CUT: QStyle.StandardPixmap.SP_MessageBoxWarning,
    FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    STOPPED: QStyle.StandardPixmap.SP_MediaStop,
}


class SegmentList(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentList")
        self.setWordWrap(True)
        self.setIconSize(QSize(16, 16))
        translator().languageChanged.connect(lambda _: self._render_all())

    def set_segments(self, segments: list[str]) -> None:
        """New segments, all without a status (no job is following them yet)."""
        self.clear()
        for i, s in enumerate(segments, 1):
            item = QListWidgetItem()
            item.setData(TEXT_ROLE, i)
            item.setData(SEGMENT_ROLE, s)
            item.setData(STATUS_ROLE, "")
            self.addItem(item)
            self._render(item)

    def texts(self) -> list[str]:
        """The segments themselves, without numbers or marks."""
        return [str(self.item(i).data(SEGMENT_ROLE) or "") for i in range(self.count())]

    def status(self, index: int) -> str:
        item = self.item(index)
        return "" if item is None else str(item.data(STATUS_ROLE) or "")

    def statuses(self) -> list[str]:
        return [self.status(i) for i in range(self.count())]

    def set_status(self, index: int, status: str) -> None:
        item = self.item(index)
        if item is None or item.data(STATUS_ROLE) == status:
            return
        item.setData(STATUS_ROLE, status)
        self._render(item)
        if status in (GENERATING, CUT, FAILED):
            self.scrollToItem(item)

    def set_all(self, status: str, *, only: tuple[str, ...] | None = None) -> None:
        """Every segment (or only those now in one of ``only``) gets ``status``."""
        for i in range(self.count()):
            if only is None or self.status(i) in only:
                self.set_status(i, status)

    def _render(self, item: QListWidgetItem) -> None:
        status = str(item.data(STATUS_ROLE) or "")
        number, segment = item.data(TEXT_ROLE), str(item.data(SEGMENT_ROLE) or "")
        # the state right after the number: a long sentence is cut off at the end, not its state
        if status and status != WAITING:
            item.setText(f"{number}. ({tr(_WORDS[status])}) {segment}")
        else:
            item.setText(f"{number}. {segment}")
        item.setToolTip(tr(_WORDS[status]) if status else "")
        pixmap = _ICONS.get(status)
        item.setIcon(self.style().standardIcon(pixmap) if pixmap is not None else QIcon())
        # waiting parts are greyed: the eye goes to what is being spoken and what needs a look
        waiting = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        item.setForeground(QBrush(waiting) if status == WAITING else QBrush())
        font = item.font()
        font.setBold(status == GENERATING)
        item.setFont(font)

    def _render_all(self) -> None:
        for i in range(self.count()):
            self._render(self.item(i))
