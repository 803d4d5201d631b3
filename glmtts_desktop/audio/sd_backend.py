"""The real backend: PortAudio through sounddevice.

sounddevice is imported only when this backend is built. Every PortAudio failure (no
device, device unplugged, rate refused) becomes a DeviceStatus or an AudioDeviceError with a
plain sentence, because "no microphone" is a normal state on many PCs, not a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from glmtts_desktop.audio.backend import (
    NO_PORTAUDIO_REASON,
    DeviceId,
    DeviceInfo,
    DeviceStatus,
    InputCallback,
    OutputCallback,
)
from glmtts_desktop.audio.errors import AudioDeviceError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


def no_device_reason(kind: str) -> str:
    """Why a microphone ("input") or a speaker ("output") cannot be used, and what to do."""
    if kind == "input":
        return tr(
            "No microphone was found. Connect one (or allow microphone access in the "
            "system settings), then refresh the device list."
        )
    return tr("No speaker or headphones were found. Connect one, then refresh the device list.")


def import_sounddevice() -> tuple[Any | None, str]:
    """(module, "") or (None, reason). PortAudio missing raises OSError at import time."""
    try:
        import sounddevice as sd
    except OSError as exc:
        log.info("sounddevice unavailable: %s", exc)
        return None, NO_PORTAUDIO_REASON
    except ImportError as exc:
        log.info("sounddevice not installed: %s", exc)
        return None, "Audio is unavailable: the sounddevice package is not installed."
    return sd, ""


class _SdStream:
    """Wraps a sounddevice stream so stop() is idempotent and never raises."""

    def __init__(self, stream: Any, sample_rate: int, channels: int, errors: tuple) -> None:
        self._stream = stream
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self._errors = errors
        self._lock = threading.Lock()
        self._closed = False

    @property
    def active(self) -> bool:
        if self._closed:
            return False
        try:
            return bool(self._stream.active)
        except self._errors:
            return False

    def stop(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._stream.abort()  # abort, not stop: stop() drains buffers, a pause must be instant
        except self._errors as exc:
            log.debug("abort failed: %s", exc)
        try:
            self._stream.close()
        except self._errors as exc:
            log.debug("close failed: %s", exc)


class SoundDeviceBackend:
    """PortAudio devices. Build with ``get_backend()`` unless you already imported sounddevice."""

    def __init__(self, sd: Any = None) -> None:
        if sd is None:
            sd, reason = import_sounddevice()
            if sd is None:
                raise AudioDeviceError(reason)
        self._sd = sd
        self._errors = (sd.PortAudioError, OSError, ValueError)
        self.available = True
        self.reason = ""
        self._streams: list[_SdStream] = []
        self._lock = threading.Lock()

    # -- devices -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rescan devices (PortAudio only scans at initialisation). Stops open streams."""
        self.stop_all()
        try:
            self._sd._terminate()
            self._sd._initialize()
        except self._errors as exc:
            log.warning("could not rescan audio devices: %s", exc)

    def _default_index(self, kind: str) -> int:
        try:
            return int(self._sd.query_devices(kind=kind)["index"])
        except self._errors + (KeyError, TypeError):
            return -1

    def _devices(self) -> list[DeviceInfo]:
        try:
            raw = list(self._sd.query_devices())
            hostapis = [h["name"] for h in self._sd.query_hostapis()]
        except self._errors as exc:
            log.warning("could not list audio devices: %s", exc)
            return []
        din, dout = self._default_index("input"), self._default_index("output")
        out = []
        for i, d in enumerate(raw):
            idx = int(d.get("index", i))
            api = d.get("hostapi", 0)
            out.append(
                DeviceInfo(
                    index=idx,
                    name=str(d.get("name", f"device {idx}")),
                    hostapi=hostapis[api] if 0 <= api < len(hostapis) else "",
                    max_input_channels=int(d.get("max_input_channels", 0)),
                    max_output_channels=int(d.get("max_output_channels", 0)),
                    default_samplerate=float(d.get("default_samplerate", 0.0)),
                    is_default_input=idx == din,
                    is_default_output=idx == dout,
                )
            )
        return out

    def list_input_devices(self) -> list[DeviceInfo]:
        return [d for d in self._devices() if d.max_input_channels > 0]

    def list_output_devices(self) -> list[DeviceInfo]:
        return [d for d in self._devices() if d.max_output_channels > 0]

    def input_status(self) -> DeviceStatus:
        return (
            DeviceStatus(True)
            if self.list_input_devices()
            else DeviceStatus(False, no_device_reason("input"))
        )

    def output_status(self) -> DeviceStatus:
        return (
            DeviceStatus(True)
            if self.list_output_devices()
            else DeviceStatus(False, no_device_reason("output"))
        )

    # -- streams -----------------------------------------------------------------------------
    def _pick_rate(self, kind: str, device: DeviceId, channels: int, sample_rate: int) -> int:
        """The requested rate if the device takes it, else the device's own default rate."""
        check = self._sd.check_input_settings if kind == "input" else self._sd.check_output_settings
        try:
            check(device=device, channels=channels, dtype="float32", samplerate=sample_rate)
            return int(sample_rate)
        except self._errors as exc:
            try:
                rate = int(self._sd.query_devices(device, kind)["default_samplerate"])
            except self._errors + (KeyError, TypeError):
                raise self._device_error(kind, exc) from exc
            log.info("%s device refuses %d Hz (%s); using %d Hz", kind, sample_rate, exc, rate)
            return rate

    def _device_error(self, kind: str, exc: BaseException) -> AudioDeviceError:
        return AudioDeviceError(
            tr("The microphone could not be opened.")
            if kind == "input"
            else tr("The audio output could not be opened."),
            hint=no_device_reason(kind),
            detail=str(exc),
        )

    def _track(self, handle: _SdStream) -> _SdStream:
        with self._lock:
            self._streams = [s for s in self._streams if s.active] + [handle]
        return handle

    def open_input(
        self,
        callback: InputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
    ) -> _SdStream:
        sd = self._sd
        rate = self._pick_rate("input", device, channels, sample_rate)

        def _cb(indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
            if status:
                log.debug("input status: %s", status)
            try:
                callback(indata)
            except Exception:
                log.exception("input callback failed; stopping the stream")
                raise sd.CallbackAbort from None

        try:
            stream = sd.InputStream(
                samplerate=rate,
                channels=channels,
                device=device,
                dtype="float32",
                blocksize=blocksize,
                callback=_cb,
            )
            stream.start()
        except self._errors as exc:
            raise self._device_error("input", exc) from exc
        return self._track(_SdStream(stream, rate, channels, self._errors))

    def open_output(
        self,
        callback: OutputCallback,
        *,
        sample_rate: int,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
        on_finished: Callable[[], None] | None = None,
    ) -> _SdStream:
        sd = self._sd
        rate = self._pick_rate("output", device, channels, sample_rate)

        def _cb(outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
            try:
                more = callback(outdata)
            except Exception:
                log.exception("output callback failed; stopping the stream")
                outdata.fill(0)
                raise sd.CallbackAbort from None
            if not more:
                raise sd.CallbackStop

        try:
            stream = sd.OutputStream(
                samplerate=rate,
                channels=channels,
                device=device,
                dtype="float32",
                blocksize=blocksize,
                callback=_cb,
                finished_callback=on_finished,
            )
            stream.start()
        except self._errors as exc:
            raise self._device_error("output", exc) from exc
        return self._track(_SdStream(stream, rate, channels, self._errors))

    def stop_all(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
        for s in streams:
            s.stop()
