"""Microphone recording: device picker, record/stop, live level meter, clipping warning.

The Recorder writes the take to disk as it arrives (a crash loses nothing; at the next start
``offer_unfinished`` offers a take whose recording was cut off). Its audio callback
only copies; a QTimer here polls the level and the duration ~30 times a second. Stopping (which
joins the writer thread and closes the file) runs in the background pool, not the GUI thread.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from glmtts_desktop.audio import AudioBackend, AudioError, Recorder, find_device
from glmtts_desktop.audio.takes import finish_take, unfinished_takes
from glmtts_desktop.gui.audio_devices import AudioDevices
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.gui.widgets.level_meter import LevelMeter
from glmtts_desktop.gui.widgets.output_choice import refresh_button
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

POLL_MS = 33
MAX_TAKE_S = 600.0
TAKE_RATE = 48000


class RecordControl(QWidget):
    recorded = Signal(object)  # Path of the finished take
    errorOccurred = Signal(object)

    def __init__(
        self, backend: AudioBackend, takes_dir: Path, background: Background, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.takes_dir = Path(takes_dir)
        self.background = background
        self.recorder: Recorder | None = None
        self.audio_devices: AudioDevices | None = None  # the window's shared device choices
        self._noted = False  # the status line shows a device problem
        self._first = N_("System default")  # the list's first item: the default or "No microphone"
        t = translator()
        self.devices = QComboBox()
        self.devices.setObjectName("inputDevice")
        self.devices.activated.connect(self._device_chosen)
        self.refresh_button = refresh_button("Refresh the device list", "refreshInputs")
        self.refresh_button.clicked.connect(self.rescan)
        self.button = QPushButton()
        self.button.setObjectName("recordButton")
        self.button.clicked.connect(self.toggle)
        self.meter = LevelMeter()
        self.time_label = QLabel("0.0 s")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        row = QHBoxLayout()
        row.addWidget(self.devices, 1)
        row.addWidget(self.refresh_button)
        row.addWidget(self.button)
        row.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.meter)
        layout.addWidget(self.status)
        t.languageChanged.connect(lambda _: self._retranslate())
        self.refresh_devices()
        self._update_button()

    def attach(self, devices: AudioDevices) -> None:
        """Share the window's device choices: its rescan, its remembered microphone."""
        self.audio_devices = devices
        devices.add_busy_check(self.is_recording)
        devices.rescanned.connect(self.refresh_devices)
        self.refresh_devices()

    def rescan(self) -> None:
        """Look for microphones plugged in since the start (not while recording)."""
        if self.is_recording():
            return
        if self.audio_devices is not None:
            self.audio_devices.rescan()  # its ``rescanned`` re-lists here
            return
        self.backend.refresh()
        self.refresh_devices()

    def _wanted(self) -> str:
        """The microphone's name to keep selected ("" = the system default)."""
        if self.audio_devices is not None:
            return self.audio_devices.input_name()
        return self.devices.currentText() if self.devices.currentData() is not None else ""

    def refresh_devices(self) -> None:
        wanted = self._wanted()
        self.devices.clear()
        status = self.backend.input_status()
        if not status.available:
            self._first = N_("No microphone")
            self.devices.addItem(tr(self._first), None)
            self.devices.setEnabled(False)
            self._device_note(status.reason)
            return
        self.devices.setEnabled(True)
        self._first = N_("System default")
        self.devices.addItem(tr(self._first), None)
        inputs = self.backend.list_input_devices()
        for d in inputs:
            self.devices.addItem(d.name, d.index)
        found = find_device(inputs, wanted)
        if found is not None:
            self.devices.setCurrentIndex(max(self.devices.findData(found.index), 0))
            self._device_note("")
        elif wanted:
            log.info("input device %r is gone; using the default", wanted)
            if self.audio_devices is not None:
                self.audio_devices.choose_input("")
            self._device_note(
                tr(
                    "The microphone “{name}” is no longer connected; recording uses the system default.",
                    name=wanted,
                )
            )
        else:
            self._device_note("")

    def _device_note(self, text: str) -> None:
        """Say what is wrong with the devices; clear only a device note (not "Saved take…")."""
        if text or self._noted:
            live_text(self.status.setText, text)
        self._noted = bool(text)

    def _device_chosen(self, _index: int) -> None:
        if self.audio_devices is not None:
            name = self.devices.currentText() if self.devices.currentData() is not None else ""
            self.audio_devices.choose_input(name)

    def _retranslate(self) -> None:
        """After a language switch: the first list item (not a device name) and the button.

        Only that item's text changes, so the chosen microphone stays selected."""
        if self.devices.count() and self.devices.itemData(0) is None:
            self.devices.setItemText(0, tr(self._first))
        self._update_button()

    def _update_button(self) -> None:
        self.button.setText(tr("Stop") if self.is_recording() else tr("Record"))
        self.refresh_button.setEnabled(not self.is_recording())

    def is_recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    def toggle(self) -> None:
        if self.is_recording():
            self.stop()
        else:
            self.start()

    def start(self) -> bool:
        status = self.backend.input_status()
        if not status.available:  # maybe plugged in since: look again before giving up
            self.rescan()
            status = self.backend.input_status()
        if not status.available:
            self.errorOccurred.emit(AudioError(tr("No microphone is available."), hint=status.reason))
            return False
        path = self.takes_dir / time.strftime("take-%Y%m%d-%H%M%S.wav")
        n = 1
        while path.exists():
            n += 1
            path = self.takes_dir / time.strftime(f"take-%Y%m%d-%H%M%S-{n}.wav")
        rec = Recorder(
            self.backend,
            path,
            sample_rate=TAKE_RATE,
            device=self.devices.currentData(),
            max_seconds=MAX_TAKE_S,
        )
        try:
            rec.start()
        except AudioError as exc:
            self.errorOccurred.emit(exc)
            return False
        self.recorder = rec
        self.meter.reset()
        live_text(self.status.setText, tr("Recording to {name}", name=path.name))
        self._timer.start()
        self._update_button()
        return True

    def stop(self) -> None:
        rec = self.recorder
        if rec is None or not rec.recording:
            return
        self._timer.stop()
        self.button.setEnabled(False)
        live_text(self.status.setText, tr("Saving the take…"))

        def done(path: Path) -> None:
            self.button.setEnabled(True)
            self._update_button()
            if rec.error is not None:
                self.errorOccurred.emit(rec.error)
            live_text(self.status.setText, tr("Saved {name}", name=Path(path).name))
            self.recorded.emit(Path(path))

        def failed(err) -> None:
            self.button.setEnabled(True)
            self._update_button()
            self.errorOccurred.emit(err)

        self.background.run(rec.stop, done, failed)

    def offer_unfinished(self) -> Path | None:
        """At start: the newest take whose recording a crash or kill cut off is offered back (use
        it as the reference, delete it, or keep it in the takes folder); older ones are kept as
        ordinary takes. Returns the take used, if any."""
        # every cut-off take becomes an ordinary take at once (an empty one is deleted): even if
        # the question below is never answered, nothing is lost and nothing is asked twice
        takes = [t for t in unfinished_takes(self.takes_dir) if finish_take(t) is not None]
        if not takes:
            return None
        last = takes[-1]
        answer = ask.ask_choice(
            self,
            tr("An interrupted recording"),
            tr(
                "A recording was cut off before it was saved: {name} ({seconds} s). What was recorded until then is kept.",  # noqa: E501
                name=last.path.name,
                seconds=f"{last.seconds:.1f}",
            ),
            [
                ("use", tr("Use it as the reference")),
                ("delete", tr("Delete it")),
                ("keep", tr("Keep it in the takes folder")),
            ],
        )
        if answer == "delete":
            last.path.unlink(missing_ok=True)
            return None
        if answer == "use":
            live_text(self.status.setText, tr("Recovered {name}", name=last.path.name))
            self.recorded.emit(last.path)
            return last.path
        return None

    def abort(self) -> None:
        """At shutdown: stop capture and close the file (what was captured stays on disk)."""
        self._timer.stop()
        if self.recorder is not None and self.recorder.recording:
            try:
                self.recorder.stop()
            except Exception:  # noqa: BLE001
                log.exception("recorder stop failed at shutdown")

    def _poll(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        level = rec.level()
        self.meter.set_level(level.peak)
        if rec.clipped:
            self.meter.set_clipped(tr("Clipping! Move back or lower the input level."))
        self.time_label.setText(f"{rec.duration:.1f} s")
        if rec.error is not None and not rec.recording:  # the writer failed (disk full...)
            self._timer.stop()
            self._update_button()
            self.errorOccurred.emit(rec.error)
            return
        if rec.error is not None or rec.limit_reached:
            self.stop()
