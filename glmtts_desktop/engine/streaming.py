"""Streaming one segment: each chunk renders a bounded window, joined to the last by crossfades.

Why this design (the official ``token2wav_stream`` has defects, spec §10, and re-running the
flow on every token so far made a chunk cost more the longer the segment got): the flow is a
non-causal DiT, so a frame is only final once its right context is known. A chunk therefore
renders a *window*: the prompt's frames (the voice, as the offline flow has them), about a
second of already-delivered speech as left context, the new tokens, and the newest
``lookahead_tokens`` whose frames lack right context and are held back for the next window.
Every frame of a window keeps what it has in the whole rendering (token, position, prompt
conditioning, noise: ``positional_noise``), so consecutive windows agree closely where they
overlap; the remaining difference (the attention and the token encoder's GRN see a window,
not the whole segment) is hidden by a mel crossfade of ``fade_s`` at every join.

The committed mel is vocoded the same way (``Vocoder.open_stream``): each call gets a few
frames of left mel context, whose samples are dropped, and keeps its last frames provisional;
those joins are crossfaded over ``vocoder_fade_s``. The last chunk renders to the segment's
exact offline frame count, so the stream has exactly the offline length. Cost per chunk is
bounded by the window (prompt + context + chunk + look-ahead), not by the segment's length.

The work of a chunk runs on a ``RenderLane`` (engine/render_lane.py): at once on the calling
thread (CPU), or on a worker thread with its own CUDA stream so the LLM keeps decoding (GPU).
Audio is always handed to ``deliver`` on the caller's thread, in order.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamSchedule:
    """When to render a chunk, in generated speech tokens (25 per second of audio)."""

    sizes: tuple[int, ...] = (12, 25, 50, 100, 200)  # new tokens per chunk; the last repeats
    lookahead_tokens: int = 6  # tokens whose audio waits for the next window (right context)
    context_s: float = 1.0  # delivered speech rendered again as a window's left context
    fade_s: float = 0.1  # mel crossfade at each join of flow windows
    vocoder_fade_s: float = 0.01  # waveform crossfade at each join of vocoder windows

    def boundaries(self, delay_tokens: int = 0) -> Iterator[int]:
        """Token counts at which a chunk is made: with ``delay_tokens`` (what the fades and the
        vocoder's provisional frames hold back) 7, 12 + 6 + 7 = 25, 50, 100, 200, 400, 600, ..."""
        total = self.lookahead_tokens + delay_tokens
        i = 0
        while True:
            total += self.sizes[min(i, len(self.sizes) - 1)]
            i += 1
            yield total


class Stitcher:
    """Joins overlapping renderings of one growing signal (rows: samples or mel frames).

    ``push(start, data, safe_end)`` gets a rendering of rows [start, start + len(data)) whose
    rows before ``safe_end`` are trustworthy, and returns the rows that are now final. The
    last ``fade`` trusted rows are held back and crossfaded with the next rendering over the
    same rows, so the next one must start at or before them.
    """

    def __init__(self, fade: int) -> None:
        self.fade = max(1, int(fade))
        self.emitted = 0  # rows [0, emitted) were returned
        self.tail: np.ndarray | None = None  # the previous rendering's rows [emitted, emitted + len)

    @property
    def held(self) -> int:
        return 0 if self.tail is None else len(self.tail)

    def ready(self, safe_end: int) -> bool:
        """Would a rendering trusted up to ``safe_end`` add anything?"""
        return safe_end - self.fade >= self.emitted + self.held

    def _mix(self, start: int, data: np.ndarray) -> np.ndarray:
        if self.tail is None or len(self.tail) == 0:
            return data[:0]
        n = len(self.tail)
        ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
        ramp = ramp.reshape((n,) + (1,) * (data.ndim - 1))
        at = self.emitted - start
        return self.tail * (1.0 - ramp) + data[at : at + n] * ramp

    def _check(self, start: int, data: np.ndarray) -> None:
        if start > self.emitted or start + len(data) < self.emitted + self.held:
            raise ValueError(
                f"a rendering of rows [{start}, {start + len(data)}) cannot continue a stream at "
                f"{self.emitted} (+{self.held} held)"
            )

    def push(self, start: int, data: np.ndarray, safe_end: int) -> np.ndarray:
        data = np.asarray(data, dtype=np.float32)
        safe_end = min(int(safe_end), start + len(data))
        if not self.ready(safe_end):
            return data[:0]  # not enough new material yet: keep the state
        self._check(start, data)
        new_end = safe_end - self.fade
        out = np.concatenate(
            (self._mix(start, data), data[self.emitted + self.held - start : new_end - start])
        )
        self.tail = data[new_end - start : safe_end - start].copy()
        self.emitted = new_end
        return out

    def finish(self, start: int, data: np.ndarray) -> np.ndarray:
        """The rest of the signal from the final rendering (which ends where the signal ends)."""
        data = np.asarray(data, dtype=np.float32)
        self._check(start, data)
        out = np.concatenate((self._mix(start, data), data[self.emitted + self.held - start :]))
        self.emitted, self.tail = start + len(data), None
        return out


class RenderLane(Protocol):
    """Where a chunk's rendering runs (engine/render_lane.py has the two kinds)."""

    def submit(self, job: Callable[[], None], *, skippable: bool) -> None: ...

    def wait(self) -> None: ...

    def close(self) -> None: ...


class InlineLane:
    """Runs each job at once on the caller's thread (the CPU path)."""

    def submit(self, job: Callable[[], None], *, skippable: bool) -> None:
        job()

    def wait(self) -> None:
        return None

    def close(self) -> None:
        return None


class VocoderWindows(Protocol):
    """What ``Vocoder.open_stream`` returns, seen through numpy (the engine adapts it)."""

    context_frames: int
    holdback_frames: int

    def __call__(self, mel: np.ndarray, start_frame: int) -> np.ndarray: ...


@dataclass(frozen=True)
class SegmentGeometry:
    """Frame arithmetic of one segment, in *output* mel frames (the prompt's frames excluded).

    ``out_frames(n, final)``: output frames a window over n tokens reaches (the final one is
    the offline count, with the release's rounding); ``frames_per_token`` = 2 (25 Hz -> 50 Hz).
    """

    out_frames: Callable[[int, bool], int]
    frames_per_token: int
    mel_rate: float
    hop: int
    sample_rate: int


class SegmentStream:
    """Drives the chunks of one segment: called by the LLM loop with the tokens so far.

    ``render_mel(tokens, start, end)`` renders the flow window whose output frames are
    [start, end) and returns their mel (end - start, 80); ``vocoder`` turns committed mel into
    samples window by window; ``deliver(audio)`` gets each new piece, in order, on the thread
    that calls ``on_tokens``/``finish``.
    """

    def __init__(
        self,
        render_mel: Callable[[list[int], int, int], np.ndarray],
        vocoder: VocoderWindows,
        deliver: Callable[[np.ndarray], None],
        geometry: SegmentGeometry,
        *,
        schedule: StreamSchedule | None = None,
        lane: RenderLane | None = None,
    ) -> None:
        self.schedule = schedule or StreamSchedule()
        self.render_mel = render_mel
        self.vocoder = vocoder
        self.deliver = deliver
        self.geo = geometry
        self.lane: RenderLane = lane or InlineLane()
        self.context = round(self.schedule.context_s * geometry.mel_rate)
        self.lookahead = self.schedule.lookahead_tokens * geometry.frames_per_token
        self.mel_stitch = Stitcher(round(self.schedule.fade_s * geometry.mel_rate))
        self.wav_stitch = Stitcher(round(self.schedule.vocoder_fade_s * geometry.sample_rate))
        self.mel = np.zeros((0, 0), np.float32)  # committed output mel (frames, 80)
        self.audio_trusted = 0  # output frames whose samples were final or held for a fade
        held = self.mel_stitch.fade + vocoder.holdback_frames  # frames a chunk keeps for later
        self._boundaries = self.schedule.boundaries(-(-held // geometry.frames_per_token))
        self._next = next(self._boundaries)
        self._ready: deque[np.ndarray] = deque()  # rendered pieces not yet delivered
        self._lock = threading.Lock()
        self.pieces: list[np.ndarray] = []  # everything delivered, in order
        self.windows: list[tuple[str, int, int]] = []  # (stage, start, end) of every render, for tests
        self.fades: list[tuple[int, int]] = []  # sample ranges that are crossfades (for measurements)

    # ------------------------------------------------------------------ the caller's side
    def on_tokens(self, tokens: list[int]) -> None:
        """Called after every generated token; hands a chunk to the lane at chunk boundaries."""
        if len(tokens) >= self._next:
            while self._next <= len(tokens):
                self._next = next(self._boundaries)
            snapshot = list(tokens)
            self.lane.submit(lambda: self._chunk(snapshot, final=False), skippable=True)
        self._deliver_ready()

    def finish(self, tokens: list[int]) -> np.ndarray:
        """Render the rest of the segment and deliver it; returns the segment as streamed, which
        has exactly the offline rendering's length."""
        snapshot = list(tokens)
        self.lane.submit(lambda: self._chunk(snapshot, final=True), skippable=False)
        self.lane.wait()
        self._deliver_ready()
        if not self.pieces:
            return np.zeros(0, np.float32)
        return np.concatenate(self.pieces).astype(np.float32, copy=False)

    def close(self) -> None:
        """Stop the lane (also after an error or a cancel): no thread outlives the segment."""
        self.lane.close()

    def _deliver_ready(self) -> None:
        while True:
            with self._lock:
                if not self._ready:
                    return
                piece = self._ready.popleft()
            self.pieces.append(piece)
            self.deliver(piece)

    # ------------------------------------------------------------------ the lane's side
    def _chunk(self, tokens: list[int], *, final: bool) -> None:
        """Render what ``tokens`` make final: a flow window, then a vocoder window."""
        mel_end = self.geo.out_frames(len(tokens), final)
        safe = mel_end if final else mel_end - self.lookahead
        if final or self.mel_stitch.ready(safe):
            start = max(0, self.mel_stitch.emitted - self.context)
            self.windows.append(("flow", start, mel_end))
            if mel_end > start:
                mel = self.render_mel(tokens, start, mel_end)
            else:  # a final window with nothing to render (the prompt is longer than the speech)
                mel = np.zeros((0, 80), np.float32)
            at, held = self.mel_stitch.emitted, self.mel_stitch.held
            if held:
                self.fades.append((at * self.geo.hop, (at + held) * self.geo.hop))
            if final:
                new = self.mel_stitch.finish(start, mel)
            else:
                new = self.mel_stitch.push(start, mel, safe)
            if len(new):
                self.mel = new if self.mel.size == 0 else np.concatenate((self.mel, new))
        piece = self._vocode(final)
        if len(piece):
            with self._lock:
                self._ready.append(piece)

    def _vocode(self, final: bool) -> np.ndarray:
        committed = len(self.mel)
        hop = self.geo.hop
        safe = committed if final else committed - self.vocoder.holdback_frames
        if not final and not self.wav_stitch.ready(safe * hop):
            return np.zeros(0, np.float32)
        start = max(0, self.audio_trusted - self.vocoder.context_frames)
        # the held fade samples must be re-rendered: start no later than the frame holding them
        start = min(start, self.wav_stitch.emitted // hop)
        self.windows.append(("vocoder", start, committed))
        wav = self.vocoder(self.mel[start:committed], start) if committed > start else np.zeros(0, np.float32)
        self.audio_trusted = safe
        if self.wav_stitch.held:
            self.fades.append((self.wav_stitch.emitted, self.wav_stitch.emitted + self.wav_stitch.held))
        if final:
            return self.wav_stitch.finish(start * hop, wav)
        return self.wav_stitch.push(start * hop, wav, safe * hop)

    # ------------------------------------------------------------------ the quality reference
    def render_reference(self, tokens: list[int]) -> np.ndarray:
        """The whole segment in one window (flow and vocoder), i.e. the offline rendering with
        the stream's noise: what the streamed audio is measured against."""
        mel = self.render_mel(list(tokens), 0, self.geo.out_frames(len(tokens), True))
        return np.asarray(self.vocoder(mel, 0), dtype=np.float32)
