"""The sound devices the person chose, and the one place that looks for new ones.

Why one object: rescanning (PortAudio only sees devices plugged in after it started when it is
re-initialised) stops every open stream, so it must not happen behind a running recording, and
both players (the result and the reference) must play through the same chosen speaker. Choices
are stored by name; a device that is gone falls back to the system default with a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from glmtts_desktop.audio import AudioBackend, DeviceInfo, Player, find_device
from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.settings import AppSettings

log = logging.getLogger(__name__)


class AudioDevices(QObject):
    rescanned = Signal()  # the device lists may have changed
    outputChanged = Signal()  # the speaker to play through changed
    messageOccurred = Signal(object)  # a tr() sentence (object: a str signal drops its msgid)

    def __init__(self, backend: AudioBackend, settings: AppSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.settings = settings
        self._players: list[Player] = []
        self._busy: list[Callable[[], bool]] = []

    def add_player(self, player: Player) -> None:
        self._players.append(player)
        player.device = self.output_index()

    def add_busy_check(self, busy: Callable[[], bool]) -> None:
        """``busy()`` True forbids a rescan (it would cut a recording short)."""
        self._busy.append(busy)

    # --- lists ---------------------------------------------------------------------------------
    def inputs(self) -> list[DeviceInfo]:
        return self.backend.list_input_devices()

    def outputs(self) -> list[DeviceInfo]:
        return self.backend.list_output_devices()

    def rescan(self) -> bool:
        """Look for devices plugged in or removed; False (with a message) while recording."""
        if any(busy() for busy in self._busy):
            self.messageOccurred.emit(tr("Stop the recording first, then refresh the device list."))
            return False
        for player in self._players:
            player.stop()  # the rescan closes their streams anyway; say so in their state
        try:
            self.backend.refresh()
        except Exception:  # noqa: BLE001 - the old lists stay usable
            log.exception("rescanning the audio devices failed")
        log.info("audio devices: %d input(s), %d output(s)", len(self.inputs()), len(self.outputs()))
        self.check_output()
        self.rescanned.emit()
        return True

    # --- the speaker ---------------------------------------------------------------------------
    def output_name(self) -> str:
        return self.settings.output_device

    def output_index(self) -> int | None:
        found = find_device(self.outputs(), self.output_name())
        return None if found is None else found.index

    def choose_output(self, name: str) -> None:
        """Play through ``name`` ("" = the system default) from the next play on; remembered."""
        self.settings.output_device = name
        self._apply()
        self.outputChanged.emit()

    def check_output(self) -> None:
        """A chosen speaker that is no longer there: back to the default, and say so."""
        name = self.output_name()
        if name and find_device(self.outputs(), name) is None:
            log.info("output device %r is gone; using the default", name)
            self.settings.output_device = ""
            self.messageOccurred.emit(
                tr(
                    "The speaker “{name}” is no longer connected; sound now plays through the system default.",
                    name=name,
                )
            )
            self.outputChanged.emit()
        self._apply()

    def _apply(self) -> None:
        index = self.output_index()
        for player in self._players:
            player.device = index

    # --- the microphone ------------------------------------------------------------------------
    def input_name(self) -> str:
        return self.settings.input_device

    def choose_input(self, name: str) -> None:
        self.settings.input_device = name
