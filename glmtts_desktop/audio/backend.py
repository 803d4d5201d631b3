"""Audio device access behind a small interface, so the app runs (and is tested) without hardware.

Three implementations: ``SoundDeviceBackend`` (PortAudio through sounddevice, imported lazily
because ``import sounddevice`` itself raises OSError when PortAudio is missing),
``NullBackend`` (no audio at all: every "open" raises AudioDeviceError with a sentence the GUI
can show) and ``FakeBackend`` in ``audio.fake`` (deterministic, for tests).

Callbacks run on the audio thread: they must only copy data, never block or touch the GUI.
Input callbacks receive a (frames, channels) float32 block that is only valid during the call.
Output callbacks fill a (frames, channels) float32 array in place and return False when there
is nothing more to play (the stream then finishes on its own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from glmtts_desktop.audio.errors import AudioDeviceError
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

InputCallback = Callable[[np.ndarray], None]
OutputCallback = Callable[[np.ndarray], bool]
DeviceId = int | None  # None = the system default device


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False


@dataclass(frozen=True)
class DeviceStatus:
    """Whether recording (or playback) can work, and if not, a sentence saying why."""

    available: bool
    reason: str = ""


@runtime_checkable
class StreamHandle(Protocol):
    """An open stream. ``sample_rate`` is the rate the device actually runs at."""

    sample_rate: int
    channels: int

    @property
    def active(self) -> bool: ...

    def stop(self) -> None:
        """Stop and release the device; safe to call twice and from any thread."""


@runtime_checkable
class AudioBackend(Protocol):
    """What the recorder and player need from an audio system."""

    available: bool
    reason: str

    def list_input_devices(self) -> list[DeviceInfo]: ...

    def list_output_devices(self) -> list[DeviceInfo]: ...

    def refresh(self) -> None:
        """Look for devices plugged in or removed since the start (stops open streams)."""

    def input_status(self) -> DeviceStatus: ...

    def output_status(self) -> DeviceStatus: ...

    def open_input(
        self,
        callback: InputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
    ) -> StreamHandle:
        """Start capturing; ``callback`` gets each block. Raises AudioDeviceError."""

    def open_output(
        self,
        callback: OutputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
        on_finished: Callable[[], None] | None = None,
    ) -> StreamHandle:
        """Start playing what ``callback`` supplies. Raises AudioDeviceError."""

    def stop_all(self) -> None:
        """Stop every stream this backend opened (app shutdown)."""


NO_PORTAUDIO_REASON = N_(
    "Audio is unavailable: the PortAudio library is not installed "
    "(on Linux: sudo apt install libportaudio2). You can still import audio files."
)


class NullBackend:
    """A backend for machines without audio: lists nothing, refuses to open, never crashes."""

    def __init__(self, reason: str = NO_PORTAUDIO_REASON) -> None:
        self.available = False
        self.reason: str = tr(reason)

    def list_input_devices(self) -> list[DeviceInfo]:
        return []

    def list_output_devices(self) -> list[DeviceInfo]:
        return []

    def refresh(self) -> None:
        return None

    def input_status(self) -> DeviceStatus:
        return DeviceStatus(False, self.reason)

    def output_status(self) -> DeviceStatus:
        return DeviceStatus(False, self.reason)

    def _refuse(self) -> AudioDeviceError:
        return AudioDeviceError(self.reason, hint=tr("Import an audio file instead."))

    def open_input(
        self,
        callback: InputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
    ) -> StreamHandle:
        raise self._refuse()

    def open_output(
        self,
        callback: OutputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
        on_finished: Callable[[], None] | None = None,
    ) -> StreamHandle:
        raise self._refuse()

    def stop_all(self) -> None:
        return None


def find_device(devices: list[DeviceInfo], name: str) -> DeviceInfo | None:
    """The device called ``name``. Choices are kept by name: PortAudio renumbers devices
    whenever one is plugged in or removed, so a stored index could name another device."""
    return next((d for d in devices if d.name == name), None) if name else None


def get_backend() -> AudioBackend:
    """The real audio backend, or a NullBackend (with ``reason``) when PortAudio is missing."""
    from glmtts_desktop.audio.sd_backend import SoundDeviceBackend, import_sounddevice

    sd, reason = import_sounddevice()
    if sd is None:
        log.warning("audio backend unavailable: %s", reason)
        return NullBackend(reason)
    return SoundDeviceBackend(sd)
