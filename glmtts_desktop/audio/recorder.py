"""Recording a take straight to disk, so a crash or power cut never loses what was said.

The audio callback only measures the block (level, clipping) and copies it into a queue; a
writer thread drains the queue into a WAV file and flushes it every ``flush_interval_s``.
soundfile's flush() rewrites the WAV header sizes and syncs, and libsndfile also derives a
WAV's length from the file size, so a take whose recorder never reached stop() (crash, kill)
still opens as a normal WAV holding everything up to the last flush. While recording, a locked
marker next to the take (takes.py) says it is unfinished, so the next start can offer it back.
"""

from __future__ import annotations

import logging
import math
import queue
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from glmtts_desktop.audio.backend import AudioBackend, DeviceId, StreamHandle
from glmtts_desktop.audio.errors import AudioError, AudioWriteError, DiskFullError
from glmtts_desktop.audio.takes import TakeMarker
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

CLIP_LEVEL = 0.999
_SILENCE_DB = -120.0


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 1e-6 else _SILENCE_DB


@dataclass(frozen=True)
class Level:
    """Level of the latest block, for a meter. Linear values in [0, 1+]."""

    peak: float = 0.0
    rms: float = 0.0
    clipped: bool = False

    @property
    def peak_dbfs(self) -> float:
        return _db(self.peak)

    @property
    def rms_dbfs(self) -> float:
        return _db(self.rms)


class Recorder:
    """Records from ``backend`` into the WAV file ``path`` as the audio arrives.

    Use: ``rec = Recorder(backend, path); rec.start(); ...poll rec.level()...; rec.stop()``.
    ``sample_rate`` is a request; the device may run at another rate and then
    ``rec.sample_rate`` (and the file) use the device's rate. ``max_seconds`` stops capture
    (``limit_reached`` becomes True; the GUI should then call stop()).
    """

    def __init__(
        self,
        backend: AudioBackend,
        path: str | Path,
        *,
        sample_rate: int = 48000,
        channels: int = 1,
        device: DeviceId = None,
        blocksize: int = 1024,
        subtype: str = "PCM_24",
        max_seconds: float | None = None,
        flush_interval_s: float = 0.25,
    ) -> None:
        self.backend = backend
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.device = device
        self.blocksize = int(blocksize)
        self.subtype = subtype
        self.max_seconds = max_seconds
        self.flush_interval_s = flush_interval_s
        self.state = "idle"  # idle -> recording -> stopped | failed
        self.error: AudioError | None = None
        self.clipped = False  # sticky: any block clipped during the take
        self.invalid_input = False  # the device delivered NaN/inf (replaced by silence)
        self.limit_reached = False
        self.frames_captured = 0
        self.frames_written = 0
        self._level = Level()
        self._queue: queue.Queue[np.ndarray | threading.Event | None] = queue.Queue()
        self._stream: StreamHandle | None = None
        self._file: sf.SoundFile | None = None
        self._writer: threading.Thread | None = None
        self._accepting = False
        self._max_frames: int | None = None
        self._marker: TakeMarker | None = None

    # -- control -----------------------------------------------------------------------------
    def start(self) -> None:
        """Open the device and the file. Raises AudioDeviceError or AudioWriteError."""
        if self.state != "idle":
            raise RuntimeError("a Recorder records one take; make a new one")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._accepting = True
        self._stream = self.backend.open_input(
            self._on_block,
            sample_rate=self.sample_rate,
            channels=self.channels,
            device=self.device,
            blocksize=self.blocksize,
        )
        self.sample_rate = int(self._stream.sample_rate)
        if self.max_seconds is not None:
            self._max_frames = int(self.max_seconds * self.sample_rate)
        try:
            self._file = sf.SoundFile(
                str(self.path),
                "w",
                samplerate=self.sample_rate,
                channels=self.channels,
                format="WAV",
                subtype=self.subtype,
            )
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            self._accepting = False
            self._stream.stop()
            self.state = "failed"
            raise AudioWriteError(
                tr("Could not create the recording file {name}.", name=self.path.name),
                hint=tr("Check that the folder exists and that you may write to it."),
                detail=f"{self.path}: {exc}",
            ) from exc
        try:
            self._marker = TakeMarker(self.path)
        except Exception as exc:  # noqa: BLE001 - only crash recovery is lost, not the take
            log.warning("no unfinished-recording marker for %s: %s", self.path, exc)
        self.state = "recording"
        self._writer = threading.Thread(target=self._write_loop, name="recorder-writer", daemon=True)
        self._writer.start()
        log.info("recording to %s at %d Hz", self.path, self.sample_rate)

    def stop(self) -> Path:
        """Stop capture, write what is queued, close the file; returns its path."""
        if self.state == "idle":
            raise RuntimeError("the recorder was never started")
        self._accepting = False
        if self._stream is not None:
            self._stream.stop()
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        if self._file is not None and not self._file.closed:
            try:
                self._file.close()
            except (sf.LibsndfileError, RuntimeError, OSError) as exc:
                self._fail(exc)
        if self.state == "recording":
            self.state = "stopped"
        if self._marker is not None:  # stopped on purpose: an ordinary take from now on
            self._marker.release()
            self._marker = None
        log.info("recording stopped: %d frames in %s", self.frames_written, self.path)
        return self.path

    def discard(self) -> None:
        """Stop and delete the take file."""
        if self.state != "idle":
            self.stop()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def sync(self, timeout: float | None = None) -> bool:
        """Block until every block captured so far is written and flushed. True when done."""
        if self._writer is None or not self._writer.is_alive():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    # -- what the GUI polls --------------------------------------------------------------------
    def level(self) -> Level:
        """Peak/RMS of the latest block (safe to call from any thread)."""
        return self._level

    @property
    def duration(self) -> float:
        """Seconds captured so far."""
        return self.frames_captured / float(self.sample_rate)

    @property
    def recording(self) -> bool:
        return self.state == "recording"

    # -- audio thread --------------------------------------------------------------------------
    def _on_block(self, block: np.ndarray) -> None:
        if not self._accepting:
            return
        if self._max_frames is not None:
            room = self._max_frames - self.frames_captured
            if room <= 0:
                self.limit_reached = True
                self._accepting = False
                return
            block = block[:room]
        data = np.array(block, dtype=np.float32, copy=True)
        if not np.all(np.isfinite(data)):
            self.invalid_input = True
            data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(np.max(np.abs(data))) if data.size else 0.0
        rms = float(np.sqrt(np.mean(np.square(data, dtype=np.float64)))) if data.size else 0.0
        clipped = peak >= CLIP_LEVEL
        if clipped:
            self.clipped = True
        self._level = Level(peak, rms, clipped)
        self.frames_captured += len(data)
        self._queue.put(data)

    # -- writer thread -------------------------------------------------------------------------
    def _write_loop(self) -> None:
        try:
            self._drain()
        except Exception as exc:  # never let the writer die silently: the GUI polls .error
            log.exception("take writer crashed")
            self._fail(exc)

    def _drain(self) -> None:
        assert self._file is not None
        last_flush = time.monotonic()
        while True:
            item = self._queue.get()
            if item is None:
                self._flush()
                return
            if isinstance(item, threading.Event):
                self._flush()
                item.set()
                continue
            if self.error is not None:
                continue  # keep draining so sync()/stop() never hang
            try:
                self._file.write(item)
                self.frames_written += len(item)
            except (sf.LibsndfileError, RuntimeError, OSError) as exc:
                self._fail(exc)
                continue
            if time.monotonic() - last_flush >= self.flush_interval_s:
                self._flush()
                last_flush = time.monotonic()

    def _flush(self) -> None:
        if self._file is None or self._file.closed or self.error is not None:
            return
        try:
            self._file.flush()
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self._accepting = False
        try:
            full = shutil.disk_usage(self.path.parent).free < 1 << 20
        except OSError:
            full = False
        cls = DiskFullError if full else AudioWriteError
        self.error = cls(
            "Recording stopped: the take could not be written to disk."
            if not full
            else "Recording stopped: the disk is full.",
            hint="What was recorded until now is kept. Free some space and record again."
            if full
            else "What was recorded until now is kept.",
            detail=f"{self.path}: {exc}",
        )
        self.state = "failed"
        log.error("recording failed: %s", exc)
        if self._stream is not None:
            self._stream.stop()  # release the microphone; stop() may still be called later
