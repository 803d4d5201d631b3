"""Playing a numpy buffer with pause, seek, loop and a position a GUI timer can read.

The backend pulls blocks from ``_fill`` on its audio thread; all state the GUI reads
(``state``, ``position``) is guarded by one lock and only ever copied, never waited on.

Streaming (``start_stream`` / ``append`` / ``end_stream``): the buffer grows while it plays, so
a generation is heard from its first chunk. A ``StreamBuffer`` (a jitter buffer) decides when
the first samples may start: at once when production keeps ahead of real time, else once enough
is buffered that the rest will not run dry (``buffering`` is True while it waits). Until
``end_stream`` running out of samples is an underrun, not the end: the last samples fade out
(no click), playback waits silently (``underruns`` counts these) until the buffer again covers
the predicted remainder, and resumes with a fade-in from exactly where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from glmtts_desktop.audio.backend import AudioBackend, DeviceId, StreamHandle
from glmtts_desktop.audio.errors import InvalidAudioError
from glmtts_desktop.audio.io import resample
from glmtts_desktop.audio.stream_buffer import StreamBuffer
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"
FADE_S = 0.005  # fade at an underrun and at the resume after it: long enough to avoid a click


class Player:
    """One buffer at a time. Positions and ranges are in seconds of the loaded audio.

    ``loop`` repeats the current range (the whole buffer unless ``set_range`` narrowed it).
    When playback reaches the end (without loop) the state returns to ``"stopped"``, the
    position goes back to the range start and ``finished_count`` increases by one.
    """

    def __init__(
        self,
        backend: AudioBackend,
        *,
        device: DeviceId = None,
        blocksize: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.device = device
        self.blocksize = int(blocksize)
        self.loop = False
        self.finished_count = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._source: np.ndarray | None = None  # (n, ch) float32 at the loaded rate
        self._source_sr = 0
        self._buf: np.ndarray | None = None  # (n, ch) at the rate the device plays
        self._rate = 0
        self._pos = 0  # frames into _buf
        self._start = 0  # playback range, frames into _buf
        self._end = 0
        self._range_s: tuple[float, float | None] = (0.0, None)
        self._state = STOPPED
        self._stream: StreamHandle | None = None
        self._ended = False
        self._armed = False
        self._finished_stream: StreamHandle | None = None
        self._open = False  # streaming: more audio will be appended
        self.underruns = 0  # times a stream ran dry and playback waited for more
        self.buffer = StreamBuffer(clock)
        self._waiting = False  # streaming: silent until the buffer says playback may go on
        self._fade_in = 0  # samples of fade-in still to apply after a wait

    # -- loading ------------------------------------------------------------------------------
    def load(self, samples: np.ndarray, sample_rate: int) -> None:
        """Replace the buffer (stops playback). ``samples``: (n,) or (n, channels) float."""
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or len(x) == 0 or sample_rate <= 0:
            raise InvalidAudioError(tr("Nothing to play: the audio is empty or malformed."))
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        self.stop()
        with self._lock:
            self._open = False
            self._waiting = False
            self._source = np.ascontiguousarray(x)
            self._source_sr = int(sample_rate)
            self._use_rate(self._source_sr)
            self._range_s = (0.0, None)
            self._apply_range()
            self._pos = self._start

    # -- streaming ----------------------------------------------------------------------------
    def start_stream(
        self,
        sample_rate: int,
        channels: int = 1,
        expected_s: float | None = None,
        started_at: float | None = None,
    ) -> None:
        """Begin an empty buffer that ``append`` extends (stops what was playing). Call ``play``
        once the first samples are in; playback then follows the appended audio, starting when
        the jitter buffer allows. ``expected_s``: the expected length of the whole stream, if
        known (sharpens the buffer's estimate of what is still to come); ``started_at``: when
        production began, on ``buffer.clock`` (default now), so the first chunk's delay counts."""
        if sample_rate <= 0 or channels <= 0:
            raise InvalidAudioError(tr("Cannot stream audio with this format."))
        self.stop()
        with self._lock:
            self._source = np.zeros((0, int(channels)), np.float32)
            self._source_sr = int(sample_rate)
            self._buf, self._rate = None, 0
            self._use_rate(self._source_sr)
            self._range_s = (0.0, None)
            self._apply_range()
            self._pos = 0
            self._open = True
            self.underruns = 0
            self._waiting = True
            self._fade_in = 0
            self.buffer.start(expected_s, started_at)

    def append(self, samples: np.ndarray) -> None:
        """Add samples at the end of a streamed buffer (from any thread; cheap for the audio
        thread, which only sees the longer buffer on its next block)."""
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim == 1:
            x = x[:, None]
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        with self._lock:
            if not self._open or self._source is None:
                raise InvalidAudioError(tr("Nothing is being streamed: call start_stream first."))
            if x.ndim != 2 or x.shape[1] != self._source.shape[1]:
                raise InvalidAudioError(tr("The streamed audio changed its channel count."))
            self._source = np.concatenate((self._source, x))
            assert self._buf is not None
            more = x if self._rate == self._source_sr else resample(x, self._source_sr, self._rate)
            self._buf = np.concatenate((self._buf, more.astype(np.float32, copy=False)))
            self._apply_range()
            self.buffer.delivered(len(x) / self._source_sr)

    def end_stream(self) -> None:
        """No more audio will come: playback ends normally when it reaches the end."""
        with self._lock:
            self._open = False
            self.buffer.finish()

    @property
    def streaming(self) -> bool:
        """True between ``start_stream`` and ``end_stream`` (or the next ``load``)."""
        return self._open

    @property
    def buffering(self) -> bool:
        """True while a playing stream waits for enough audio to start or go on."""
        return self._state == PLAYING and self._waiting

    def _use_rate(self, rate: int) -> None:
        assert self._source is not None
        if rate == self._rate and self._buf is not None:
            return
        old_rate = self._rate or rate
        self._buf = self._source if rate == self._source_sr else resample(self._source, self._source_sr, rate)
        self._pos = int(round(self._pos * rate / old_rate))
        self._rate = rate
        self._apply_range()

    def _apply_range(self) -> None:
        assert self._buf is not None
        n = len(self._buf)
        a, b = self._range_s
        self._start = min(max(int(round(a * self._rate)), 0), n)
        self._end = n if b is None else min(max(int(round(b * self._rate)), self._start), n)
        self._pos = min(max(self._pos, self._start), self._end)

    def set_range(self, start_s: float = 0.0, end_s: float | None = None) -> None:
        """Play (and loop) only [start_s, end_s); ``end_s=None`` means to the end."""
        with self._lock:
            self._range_s = (max(0.0, float(start_s)), None if end_s is None else float(end_s))
            if self._buf is not None:
                self._apply_range()

    # -- transport ----------------------------------------------------------------------------
    def play(self) -> None:
        """Start or resume. Raises AudioDeviceError when there is no output device."""
        self._close_finished()
        with self._lock:
            if self._buf is None:
                raise InvalidAudioError(tr("Nothing to play: load audio first."))
            if self._state == PLAYING:
                return
            if self._pos >= self._end:
                self._pos = self._start
            self._ended = False
            previous = self._state
            # PLAYING before the stream starts (its first callback may come at once), but
            # silent until the buffer matches the device's rate ("armed").
            self._state = PLAYING
            self._armed = False
            channels = self._buf.shape[1]
            requested = self._source_sr
        try:
            stream = self.backend.open_output(
                self._fill,
                sample_rate=requested,
                channels=channels,
                device=self.device,
                blocksize=self.blocksize,
                on_finished=self._on_finished,
            )
        except BaseException:
            with self._lock:
                self._state = previous
                self._changed.notify_all()
            raise
        with self._lock:
            if stream.sample_rate != self._rate:
                self._use_rate(int(stream.sample_rate))
            self._stream = stream
            self._armed = True

    def pause(self) -> None:
        with self._lock:
            if self._state != PLAYING:
                return
            self._state = PAUSED
            self._changed.notify_all()
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()

    def toggle(self) -> None:
        """Play if not playing, else pause (the space bar)."""
        if self.state == PLAYING:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        self._close_finished()
        with self._lock:
            self._state = STOPPED
            self._pos = self._start
            self._changed.notify_all()
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()

    def seek(self, seconds: float) -> None:
        """Move the play head (clamped to the range); keeps playing if it was."""
        with self._lock:
            if self._buf is None:
                return
            self._pos = min(max(int(round(seconds * self._rate)), self._start), self._end)

    def close(self) -> None:
        self.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback is no longer running (ended, paused or stopped); True if so.
        For the CLI and tests; the GUI polls ``state`` instead."""
        with self._changed:
            return self._changed.wait_for(lambda: self._state != PLAYING, timeout)

    # -- what the GUI polls -------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def position(self) -> float:
        """Seconds from the start of the buffer of the next sample handed to the device."""
        with self._lock:
            return self._pos / float(self._rate) if self._rate else 0.0

    @property
    def duration(self) -> float:
        with self._lock:
            return len(self._source) / float(self._source_sr) if self._source is not None else 0.0

    # -- audio thread --------------------------------------------------------------------------
    def _fill(self, out: np.ndarray) -> bool:
        with self._lock:
            buf = self._buf
            n = len(out)
            done = 0
            if buf is None or self._state != PLAYING:
                out.fill(0)
                return False
            if not self._armed:
                out.fill(0)
                return True
            if self._waiting:
                if self._open and not self.buffer.ready(self._pos / float(self._rate)):
                    out.fill(0)
                    return True
                self._waiting = False
                self._fade_in = int(FADE_S * self._rate) if self._pos > 0 else 0
            fade_from = done
            while done < n:
                avail = self._end - self._pos
                if self._open and avail <= n - done:
                    # the next chunk is late: fade out what there is, then wait (silence) for
                    # the buffer to refill; the play head stays at the first missing sample.
                    # "<=": data that ends exactly with this block is faded here too, as the
                    # next block could only start with a jump to silence
                    k = max(avail, 0)
                    out[done : done + k] = buf[self._pos : self._pos + k]
                    self._pos += k
                    f = min(int(FADE_S * self._rate), done + k)
                    if f > 0:
                        out[done + k - f : done + k] *= np.linspace(1.0, 0.0, f, dtype=np.float32)[:, None]
                    out[done + k :] = 0
                    self.underruns += 1
                    self._waiting = True
                    self._fade_in_block(out, fade_from, done + k)
                    return True
                if avail <= 0:
                    if self.loop and self._end > self._start:
                        self._pos = self._start
                        continue
                    break
                k = min(avail, n - done)
                out[done : done + k] = buf[self._pos : self._pos + k]
                self._pos += k
                done += k
            self._fade_in_block(out, fade_from, done)
            if done < n:
                out[done:] = 0
                self._ended = True
                return False
            return True

    def _fade_in_block(self, out: np.ndarray, a: int, b: int) -> None:
        """Apply the rest of a resume's fade-in to ``out[a:b]`` (called under the lock)."""
        if self._fade_in <= 0 or b <= a:
            return
        total = int(FADE_S * self._rate)
        k = min(self._fade_in, b - a)
        first = total - self._fade_in
        out[a : a + k] *= (np.arange(first, first + k, dtype=np.float32) / total)[:, None]
        self._fade_in -= k

    def _on_finished(self) -> None:
        with self._lock:
            if not self._ended or self._state != PLAYING:
                return  # a pause or stop, not the end of the audio
            self._ended = False
            self._state = STOPPED
            self._pos = self._start
            # Closing a PortAudio stream from its own finished callback is unsafe; the GUI
            # thread closes it on the next play/stop/load.
            self._finished_stream, self._stream = self._stream, None
            self.finished_count += 1
            self._changed.notify_all()

    def _close_finished(self) -> None:
        with self._lock:
            stream, self._finished_stream = self._finished_stream, None
        if stream is not None:
            stream.stop()
