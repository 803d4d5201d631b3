"""A row under the player: which speaker to play through, and a button that looks for new ones.

Why next to playback and not in a settings dialog: the moment someone hears nothing (headphones
plugged in after the app started) is the moment they look at the player.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from glmtts_desktop.gui.audio_devices import AudioDevices
from glmtts_desktop.gui.i18n import tr, translator

log = logging.getLogger(__name__)


def refresh_button(tip: str, name: str) -> QToolButton:
    """The small "look for devices again" button (shared by the microphone and speaker rows)."""
    button = QToolButton()
    button.setObjectName(name)
    button.setIcon(button.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
    translator().bind(button.setToolTip, tip)
    translator().bind(button.setAccessibleName, tip)
    return button


class OutputChoice(QWidget):
    def __init__(self, devices: AudioDevices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.devices = devices
        self.label = QLabel()
        translator().bind(self.label.setText, "Play through:")
        self.combo = QComboBox()
        self.combo.setObjectName("outputDevice")
        self.combo.setMinimumContentsLength(12)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.activated.connect(self._chosen)
        self.refresh = refresh_button("Look for speakers and headphones again", "refreshOutputs")
        self.refresh.clicked.connect(devices.rescan)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.combo, 1)
        row.addWidget(self.refresh)
        devices.rescanned.connect(self.fill)
        devices.outputChanged.connect(self.fill)
        translator().languageChanged.connect(lambda _: self.fill())
        self.fill()

    def fill(self) -> None:
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            outputs = self.devices.outputs()
            if not outputs:
                self.combo.addItem(tr("No speaker found"), "")
                self.combo.setEnabled(False)
                return
            self.combo.setEnabled(True)
            self.combo.addItem(tr("System default"), "")
            for d in outputs:
                self.combo.addItem(d.name, d.name)
            idx = self.combo.findData(self.devices.output_name())
            self.combo.setCurrentIndex(max(idx, 0))
        finally:
            self.combo.blockSignals(False)

    def _chosen(self, _index: int) -> None:
        self.devices.choose_output(str(self.combo.currentData() or ""))
