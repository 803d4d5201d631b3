"""A deterministic audio backend for tests (and for demos on machines without audio).

Nothing runs on its own: each ``pump()`` call feeds the next block of ``input_signal`` to
every open input stream and pulls one block from every open output stream, on the caller's
thread. So a test decides exactly how much was "recorded" or "played", with no sleeps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from glmtts_desktop.audio.backend import (
    DeviceId,
    DeviceInfo,
    DeviceStatus,
    InputCallback,
    OutputCallback,
)
from glmtts_desktop.audio.errors import AudioDeviceError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


class FakeStream:
    def __init__(
        self,
        backend: FakeBackend,
        kind: str,
        callback,
        sample_rate: int,
        channels: int,
        blocksize: int,
        device: DeviceId,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.kind = kind
        self.callback = callback
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.blocksize = int(blocksize)
        self.device = device
        self.on_finished = on_finished
        self.played: list[np.ndarray] = []  # output streams: every block the callback produced
        self._active = True

    @property
    def active(self) -> bool:
        return self._active

    def stop(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self._active:
            return
        self._active = False
        if self.on_finished is not None:
            self.on_finished()


class FakeBackend:
    """Fake devices. ``input_signal`` is (n,) or (n, channels) float32, fed block by block.

    ``device_rate`` forces the rate streams "run" at (to test resampling fallbacks);
    ``has_input``/``has_output`` simulate missing devices. ``streams`` lists every stream
    ever opened, ``played_audio()`` concatenates what output streams produced.

    ``plug(device)`` and ``unplug(name)`` change the devices, seen (as with PortAudio) only
    after ``refresh()``; ``refresh_count`` says how often the device list was rescanned.
    """

    def __init__(
        self,
        input_signal: np.ndarray | None = None,
        *,
        has_input: bool = True,
        has_output: bool = True,
        device_rate: int | None = None,
    ) -> None:
        self.available = True
        self.reason = ""
        self.input_signal = None if input_signal is None else np.asarray(input_signal, dtype=np.float32)
        self.input_pos = 0
        self.has_input = has_input
        self.has_output = has_output
        self.device_rate = device_rate
        self.streams: list[FakeStream] = []
        self._lock = threading.Lock()
        self._plugged: list[DeviceInfo] = []
        if has_input:
            self._plugged.append(
                DeviceInfo(0, "Fake microphone", "Fake", 2, 0, 48000.0, is_default_input=True)
            )
        if has_output:
            self._plugged.append(DeviceInfo(1, "Fake speaker", "Fake", 0, 2, 48000.0, is_default_output=True))
        self._seen = list(self._plugged)
        self.refresh_count = 0

    def plug(self, device: DeviceInfo) -> None:
        """A device appears (listed after the next ``refresh()``)."""
        self._plugged.append(device)

    def unplug(self, name: str) -> None:
        """A device disappears (still listed until the next ``refresh()``)."""
        self._plugged = [d for d in self._plugged if d.name != name]

    def refresh(self) -> None:
        self.stop_all()
        self.refresh_count += 1
        self._seen = list(self._plugged)
        self.has_input = any(d.max_input_channels > 0 for d in self._seen)
        self.has_output = any(d.max_output_channels > 0 for d in self._seen)

    def list_input_devices(self) -> list[DeviceInfo]:
        return [d for d in self._seen if d.max_input_channels > 0]

    def list_output_devices(self) -> list[DeviceInfo]:
        return [d for d in self._seen if d.max_output_channels > 0]

    def input_status(self) -> DeviceStatus:
        if self.has_input:
            return DeviceStatus(True)
        return DeviceStatus(False, tr("No microphone was found."))

    def output_status(self) -> DeviceStatus:
        return DeviceStatus(True) if self.has_output else DeviceStatus(False, tr("No speaker was found."))

    def open_input(
        self,
        callback: InputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
    ) -> FakeStream:
        if not self.has_input:
            raise AudioDeviceError(
                tr("The microphone could not be opened."), hint=tr("No microphone was found.")
            )
        s = FakeStream(self, "input", callback, self.device_rate or sample_rate, channels, blocksize, device)
        with self._lock:
            self.streams.append(s)
        return s

    def open_output(
        self,
        callback: OutputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
        on_finished: Callable[[], None] | None = None,
    ) -> FakeStream:
        if not self.has_output:
            raise AudioDeviceError(
                tr("The audio output could not be opened."), hint=tr("No speaker was found.")
            )
        s = FakeStream(
            self,
            "output",
            callback,
            self.device_rate or sample_rate,
            channels,
            blocksize,
            device,
            on_finished,
        )
        with self._lock:
            self.streams.append(s)
        return s

    def active_streams(self, kind: str | None = None) -> list[FakeStream]:
        with self._lock:
            return [s for s in self.streams if s.active and (kind is None or s.kind == kind)]

    def _next_input_block(self, frames: int, channels: int) -> np.ndarray | None:
        sig = self.input_signal
        if sig is None or self.input_pos >= len(sig):
            return None
        block = sig[self.input_pos : self.input_pos + frames]
        self.input_pos += len(block)
        if block.ndim == 1:
            block = np.repeat(block[:, None], channels, axis=1)
        elif block.shape[1] != channels:
            block = np.repeat(block.mean(axis=1, keepdims=True), channels, axis=1)
        return np.ascontiguousarray(block, dtype=np.float32)

    def pump(self, blocks: int = 1) -> int:
        """Run ``blocks`` audio periods; returns the number of input frames delivered."""
        delivered = 0
        for _ in range(blocks):
            for s in self.active_streams():
                if s.kind == "input":
                    block = self._next_input_block(s.blocksize, s.channels)
                    if block is not None:
                        s.callback(block)
                        delivered += len(block)
                else:
                    out = np.zeros((s.blocksize, s.channels), np.float32)
                    more = s.callback(out)
                    s.played.append(out.copy())
                    if not more:
                        s._finish()
        return delivered

    def pump_all(self, max_blocks: int = 1_000_000) -> int:
        """Pump until the input signal is used up and no output stream is active."""
        delivered = 0
        for _ in range(max_blocks):
            inputs_left = (
                self.input_signal is not None
                and self.input_pos < len(self.input_signal)
                and bool(self.active_streams("input"))
            )
            if not inputs_left and not self.active_streams("output"):
                break
            delivered += self.pump(1)
        return delivered

    def played_audio(self) -> np.ndarray:
        """Everything output streams produced, concatenated (frames, channels)."""
        blocks = [b for s in self.streams if s.kind == "output" for b in s.played]
        return np.concatenate(blocks, axis=0) if blocks else np.zeros((0, 1), np.float32)

    def stop_all(self) -> None:
        for s in self.active_streams():
            s.stop()
