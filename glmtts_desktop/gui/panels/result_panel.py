"""The result: waveform with a playhead, play/pause/seek/loop, export, and the history list.

Playback goes through the audio package's Player (sounddevice, or a fake in tests); its callback
only copies samples, and a QTimer here moves the playhead. Clicking the waveform seeks.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioError, Player
from glmtts_desktop.gui.history import HistoryEntry
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.widgets.waveform import WaveformView

log = logging.getLogger(__name__)

POLL_MS = 33


TITLE_ROLE = Qt.UserRole + 1  # the entry's own title, for Rename


class ResultPanel(QGroupBox):
    exportRequested = Signal(str, str)  # path, format ("wav" | "flac")
    entryActivated = Signal(str)  # history id: show and play it
    renameRequested = Signal(str, str)
    deleteRequested = Signal(str)
    regenerateRequested = Signal(str, bool)  # history id, new seed?
    openRequested = Signal(str)  # history id: put its voice, text and settings in the editor
    errorOccurred = Signal(object)

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        t.bind(self.setTitle, "4. Listen")
        self.player = player
        self.audio: np.ndarray | None = None
        self.sr = 0
        self.current_id: str | None = None
        self._stream_plan: tuple[float | None, float | None] = (None, None)  # see stream_pending
        self.waveform = WaveformView()
        self.waveform.setObjectName("resultWaveform")
        self.waveform.seekRequested.connect(self.seek)
        self.play_button = QPushButton()
        self.play_button.setObjectName("playButton")
        self.play_button.clicked.connect(self.toggle)
        self.stop_button = QPushButton()
        t.bind(self.stop_button.setText, "Stop")
        self.stop_button.clicked.connect(self.stop)
        self.loop = QCheckBox()
        t.bind(self.loop.setText, "Loop")
        self.loop.toggled.connect(self._set_loop)
        self.time_label = QLabel("0:00.0 / 0:00.0")
        self.buffering_label = QLabel()  # shown while streamed playback waits for audio
        self.buffering_label.setObjectName("bufferingLabel")
        t.bind(self.buffering_label.setText, "Buffering…")
        self.buffering_label.setVisible(False)
        self.export_wav = QPushButton()
        t.bind(self.export_wav.setText, "Export WAV…")
        self.export_wav.clicked.connect(lambda: self._export_dialog("wav"))
        self.export_flac = QPushButton()
        t.bind(self.export_flac.setText, "Export FLAC…")
        self.export_flac.clicked.connect(lambda: self._export_dialog("flac"))

        self.history = QListWidget()
        self.history.setObjectName("historyList")
        self.history.setContextMenuPolicy(Qt.CustomContextMenu)
        self.history.customContextMenuRequested.connect(self._history_menu)
        self.history.itemActivated.connect(lambda item: self.entryActivated.emit(item.data(Qt.UserRole)))
        self.history.itemDoubleClicked.connect(lambda item: self.entryActivated.emit(item.data(Qt.UserRole)))
        self.history.currentItemChanged.connect(lambda *_: self._update_enabled())
        buttons = {}
        row2 = QGridLayout()  # three rows of two: the column stays narrow enough for 1024 px
        for i, (key, label) in enumerate(
            (
                ("replay", "Replay"),
                ("open", "Open in editor"),
                ("rename", "Rename…"),
                ("delete", "Delete"),
                ("same", "Again, same seed"),
                ("new", "Again, new seed"),
            )
        ):
            b = QPushButton()
            t.bind(b.setText, label)
            b.clicked.connect(lambda _=False, k=key: self._history_action(k))
            buttons[key] = b
            row2.addWidget(b, i // 2, i % 2)
        self.history_buttons = buttons

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

        # play and export on two rows: on one they made the column ~530 px wide, too wide for the
        # right-hand side of a 1024 px screen
        transport = QHBoxLayout()
        for w in (self.play_button, self.stop_button):
            transport.addWidget(w)
        transport.addWidget(self.time_label, 1)
        transport.addWidget(self.buffering_label)
        export_row = QHBoxLayout()
        export_row.addWidget(self.loop)
        export_row.addStretch(1)
        export_row.addWidget(self.export_wav)
        export_row.addWidget(self.export_flac)
        history_label = QLabel()
        self._history_label = history_label  # extra rows go above it (speaker choice)
        t.bind(history_label.setText, "History")
        layout = QVBoxLayout(self)
        layout.addWidget(self.waveform, 2)
        layout.addLayout(transport)
        layout.addLayout(export_row)
        layout.addWidget(history_label)
        layout.addWidget(self.history, 2)
        layout.addLayout(row2)
        t.languageChanged.connect(lambda _: self._update_play_button())
        self._update_play_button()
        self._update_enabled()

    def install_shortcuts(self, window: QWidget) -> None:
        sc = QShortcut(QKeySequence(Qt.CTRL | Qt.Key_Space), window)
        sc.activated.connect(self.toggle)

    def add_output_choice(self, widget: QWidget) -> None:
        """Put the speaker choice under the play and export buttons, above the history."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self._history_label), widget)

    def add_history_filter(self, widget: QWidget) -> None:
        """Put a search row right above the history list."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.history), widget)

    # --- showing a result ----------------------------------------------------------------------
    def show_audio(self, audio: np.ndarray, sr: int, history_id: str | None = None) -> None:
        """Show a result. If it is the generation being streamed, playback goes on undisturbed
        (the stream already holds exactly this audio); otherwise it is loaded, stopped."""
        audio = np.asarray(audio, dtype=np.float32)
        live = self.player.streaming and len(audio) == round(self.player.duration * sr)
        if not live:
            self.stop()
        self.audio = audio
        self.sr = int(sr)
        self.current_id = history_id
        self.waveform.set_audio(self.audio, self.sr)
        if live:
            self.player.end_stream()
        else:
            self.waveform.set_playhead(0.0)
            try:
                self.player.load(self.audio, self.sr)
            except AudioError as exc:
                self.errorOccurred.emit(exc)
        self._update_time()
        self._update_enabled()
        if history_id is not None:
            self.select_entry(history_id)

    def stream_pending(self, expected_s: float | None = None) -> None:
        """A generation was started: its chunks may follow. Notes the time (the player's
        jitter buffer measures production from here) and the rough length of the whole."""
        self._stream_plan = (self.player.buffer.clock(), expected_s)

    def stream_chunk(self, audio: np.ndarray, sr: int, index: int) -> None:
        """Play a generation while it is made: chunk 0 starts a stream (heard once the player's
        jitter buffer allows: at once on a fast machine, "Buffering…" meanwhile on a slow
        one), later chunks are appended to the same buffer."""
        try:
            if index == 0:
                started_at, expected_s = self._stream_plan
                self.player.start_stream(int(sr), expected_s=expected_s, started_at=started_at)
                self.player.append(audio)
                self.player.play()
                self._timer.start()
            elif self.player.streaming:
                self.player.append(audio)
        except AudioError as exc:
            self.errorOccurred.emit(exc)
        self._update_play_button()
        self._update_buffering()

    def _update_buffering(self) -> None:
        self.buffering_label.setVisible(self.player.buffering)

    def stream_abandoned(self) -> None:
        """The streamed generation failed or was cancelled: what arrived plays out, then stops."""
        self.player.end_stream()

    def _update_enabled(self) -> None:
        has = self.audio is not None and len(self.audio) > 0
        for w in (self.play_button, self.stop_button, self.export_wav, self.export_flac):
            w.setEnabled(has)
        sel = self.history.currentItem() is not None
        for b in self.history_buttons.values():
            b.setEnabled(sel)

    # --- transport -----------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.audio is None:
            return
        try:
            self.player.toggle()
        except AudioError as exc:
            self.errorOccurred.emit(exc)
            return
        self._timer.start()
        self._update_play_button()

    def play(self) -> None:
        if self.player.state != "playing":
            self.toggle()

    def stop(self) -> None:
        self.player.stop()
        self._timer.stop()
        self._poll()

    def seek(self, seconds: float) -> None:
        self.player.seek(seconds)
        self.waveform.set_playhead(seconds)
        self._update_time()

    def _set_loop(self, on: bool) -> None:
        self.player.loop = bool(on)

    def _update_play_button(self) -> None:
        self.play_button.setText(tr("Pause") if self.player.state == "playing" else tr("Play"))

    def _poll(self) -> None:
        self.waveform.set_playhead(self.player.position if self.audio is not None else None)
        self._update_time()
        self._update_play_button()
        self._update_buffering()
        if self.player.state != "playing":
            self._timer.stop()

    def _update_time(self) -> None:
        def fmt(s: float) -> str:
            return f"{int(s // 60)}:{s % 60:04.1f}"

        self.time_label.setText(f"{fmt(self.player.position)} / {fmt(self.player.duration)}")

    def _export_dialog(self, fmt: str) -> None:
        if self.audio is None:
            return
        name = f"glmtts-{self.current_id or 'result'}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export audio"), name, f"{fmt.upper()} (*.{fmt})")
        if path:
            if not path.lower().endswith(f".{fmt}"):
                path += f".{fmt}"
            self.exportRequested.emit(path, fmt)

    # --- history -------------------------------------------------------------------------------
    def set_history(self, entries: list[HistoryEntry]) -> None:
        current = self.current_id
        self.history.clear()
        for e in entries:
            item = QListWidgetItem(e.label())
            item.setToolTip(e.tooltip())
            item.setData(Qt.UserRole, e.id)
            item.setData(TITLE_ROLE, e.title or e.display_title().rstrip("…"))
            self.history.addItem(item)
        if current:
            self.select_entry(current)
        self._update_enabled()

    def select_entry(self, history_id: str) -> bool:
        for i in range(self.history.count()):
            if self.history.item(i).data(Qt.UserRole) == history_id:
                self.history.setCurrentRow(i)
                return True
        return False

    def selected_id(self) -> str | None:
        item = self.history.currentItem()
        return None if item is None else str(item.data(Qt.UserRole))

    def ask_title(self, current: str) -> str | None:
        """The rename dialog, pre-filled with the title only (not the date, seed and length
        shown around it in the list); tests replace it on the instance."""
        name, ok = QInputDialog.getText(self, tr("Rename"), tr("New name:"), text=current)
        return name if ok else None

    def _history_action(self, key: str) -> None:
        hid = self.selected_id()
        if hid is None:
            return
        if key == "replay":
            self.entryActivated.emit(hid)
        elif key == "rename":
            item = self.history.currentItem()
            name = self.ask_title(str(item.data(TITLE_ROLE) or ""))
            if name is not None and name.strip():
                self.renameRequested.emit(hid, name.strip())
        elif key == "delete":
            self.deleteRequested.emit(hid)
        elif key == "open":
            self.openRequested.emit(hid)
        elif key in ("same", "new"):
            self.regenerateRequested.emit(hid, key == "new")

    def _history_menu(self, pos) -> None:
        item = self.history.itemAt(pos)
        if item is None:
            return
        self.history.setCurrentItem(item)
        menu = QMenu(self)
        for key, label in (
            ("replay", "Replay"),
            ("open", "Open in editor"),
            ("rename", "Rename…"),
            ("delete", "Delete"),
            ("same", "Again, same seed"),
            ("new", "Again, new seed"),
        ):
            act = menu.addAction(tr(label))
            act.triggered.connect(lambda _=False, k=key: self._history_action(k))
        menu.popup(self.history.mapToGlobal(pos))
        menu.aboutToHide.connect(menu.deleteLater)
