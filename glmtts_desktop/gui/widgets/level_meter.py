"""A recording level meter: a bar in dBFS and a sticky clipping flag."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

FLOOR_DB = -60.0


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(12)
        self.clip_label = QLabel("")
        self.clip_label.setStyleSheet("color: #d03030; font-weight: bold;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.clip_label)

    def set_level(self, peak: float) -> None:
        db = 20 * math.log10(peak) if peak > 1e-9 else FLOOR_DB
        self.bar.setValue(int(round(100 * (max(FLOOR_DB, db) - FLOOR_DB) / -FLOOR_DB)))

    def set_clipped(self, text: str) -> None:
        self.clip_label.setText(text)

    def reset(self) -> None:
        self.bar.setValue(0)
        self.clip_label.setText("")
