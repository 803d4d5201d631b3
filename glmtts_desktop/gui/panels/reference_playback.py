"""Listen to the reference while choosing the part to clone: play all, play the selection, zoom.

The reference has its own Player (its own output stream), so hearing the reference never
replaces the result loaded in the Listen panel. A GUI timer moves the waveform's playhead;
the audio callback only copies samples.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from glmtts_desktop.audio import AudioError, Player
from glmtts_desktop.gui.i18n import translator
from glmtts_desktop.gui.widgets.waveform import WaveformView

log = logging.getLogger(__name__)

POLL_MS = 33


class ReferencePlayback(QWidget):
    """A row of buttons under the reference waveform: play all / selection, stop, zoom."""

    errorOccurred = Signal(object)
    started = Signal()  # so the window can pause the other player

    def __init__(self, player: Player, waveform: WaveformView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        self.player = player
        self.waveform = waveform
        self._audio: np.ndarray | None = None
        self._sr = 0
        self.play_all_button = QToolButton()
        self.play_all_button.setObjectName("playReferenceButton")
        t.bind(self.play_all_button.setText, "▶ All")
        t.bind(self.play_all_button.setToolTip, "Play the whole recording")
        self.play_all_button.clicked.connect(self.play_all)
        self.play_sel_button = QToolButton()
        self.play_sel_button.setObjectName("playSelectionButton")
        t.bind(self.play_sel_button.setText, "▶ Selection")
        t.bind(self.play_sel_button.setToolTip, "Play only the selected part (what the model will hear)")
        self.play_sel_button.clicked.connect(self.play_selection)
        self.stop_button = QToolButton()
        t.bind(self.stop_button.setText, "■")
        t.bind(self.stop_button.setToolTip, "Stop")
        self.stop_button.clicked.connect(self.stop)
        self.zoom_buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.play_all_button, self.play_sel_button, self.stop_button):
            row.addWidget(b)
        row.addStretch(1)
        for key, label, tip, slot in (
            ("out", "−", "Zoom out (or use the mouse wheel)", waveform.zoom_out),
            ("in", "+", "Zoom in (or use the mouse wheel; drag the background to scroll)", waveform.zoom_in),
            ("selection", "[ ]", "Zoom to the selection", waveform.zoom_to_selection),
            ("fit", "↔", "Show the whole recording", waveform.zoom_fit),
        ):
            zb = QToolButton()
            zb.setText(label)
            t.bind(zb.setToolTip, tip)
            zb.clicked.connect(lambda _=False, s=slot: s())
            self.zoom_buttons[key] = zb
            row.addWidget(zb)
        waveform.seekRequested.connect(self.seek)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.set_audio(None, 0)

    def set_audio(self, audio: np.ndarray | None, sr: int) -> None:
        """A new reference: stop, and load it (the player keeps the whole recording)."""
        self.stop()
        self._audio, self._sr = audio, int(sr)
        has = audio is not None and len(audio) > 0
        if audio is not None and has:
            try:
                self.player.load(audio, sr)
            except AudioError as exc:
                self.errorOccurred.emit(exc)
                has = False
        for b in (self.play_all_button, self.play_sel_button, self.stop_button, *self.zoom_buttons.values()):
            b.setEnabled(has)
        self.waveform.set_playhead(None)

    def play_all(self) -> None:
        self._play(0.0, None)

    def play_selection(self) -> None:
        a, b = self.waveform.selection()
        self._play(a, b)

    def _play(self, start: float, end: float | None) -> None:
        if self._audio is None:
            return
        self.player.stop()
        self.player.set_range(start, end)
        self.player.seek(start)
        try:
            self.player.play()
        except AudioError as exc:
            self.errorOccurred.emit(exc)
            return
        self.started.emit()
        self._timer.start()

    def stop(self) -> None:
        self.player.stop()
        self._timer.stop()
        self.waveform.set_playhead(None)

    def seek(self, seconds: float) -> None:
        """A click on the waveform: jump there (and keep playing if it was)."""
        if self._audio is None:
            return
        if self.player.state == "playing":
            self.player.seek(seconds)

    def _poll(self) -> None:
        if self.player.state == "playing":
            self.waveform.set_playhead(self.player.position)
        else:
            self._timer.stop()
            self.waveform.set_playhead(None)

    def is_playing(self) -> bool:
        return self.player.state == "playing"

    def close_player(self) -> None:
        self._timer.stop()
        self.player.close()
