"""Streaming one segment: flow + vocoder on the speech tokens so far, joined by crossfades.

Why this design (the official ``token2wav_stream`` has defects, spec §10): the flow is a
non-causal DiT whose GRN normalises over the whole utterance, so no frame is final until every
token is known. Instead of a causal mask we re-run the flow on *all* tokens so far at chunk
boundaries (25 Hz tokens -> 50 Hz mel -> vocoder), hold back the last ``lookahead_tokens``
(their frames lack right context) and deliver the rest. Consecutive runs agree closely on what
they share because they start from the same noise (one draw for the longest possible segment,
from a generator seeded by the request's seed) and the same vocoder noise; the small
differences are hidden by a linear crossfade of ``fade_s`` at every join, where both runs
are mixed over the same samples. The last run is the offline flow over the whole segment, so
the stream's total length is exactly the offline length.

Chunk sizes grow (``sizes``: short first for a fast start, then longer): the flow cost of the
re-runs stays within about twice the offline cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StreamSchedule:
    """When to run a chunk, in generated speech tokens (25 per second of audio)."""

    sizes: tuple[int, ...] = (12, 25, 50, 100, 200, 400)  # tokens delivered per chunk; the last repeats
    lookahead_tokens: int = 6  # tokens whose audio waits for the next run (right context)
    fade_s: float = 0.04  # crossfade at each join

    def boundaries(self) -> Iterator[int]:
        """Token counts at which a chunk is made: 18, 43, 93, 193, 393, 793, 1193, ..."""
        total = self.lookahead_tokens
        i = 0
        while True:
            total += self.sizes[min(i, len(self.sizes) - 1)]
            i += 1
            yield total


class Stitcher:
    """Joins successive renderings of one growing waveform into a gap-free stream.

    Each ``push(wav, safe_end)`` gets the whole waveform of the latest run (from sample 0) and
    how much of it is trustworthy; it returns the new samples to play. The last ``fade``
    trusted samples are held back and crossfaded with the next run over the same positions.
    """

    def __init__(self, fade: int) -> None:
        self.fade = max(1, int(fade))
        self.emitted = 0  # samples [0, emitted) were returned
        self.tail: np.ndarray | None = None  # the previous run's samples [emitted, emitted + len)

    def _mix(self, wav: np.ndarray) -> np.ndarray:
        if self.tail is None or len(self.tail) == 0:
            return np.zeros(0, np.float32)
        n = len(self.tail)
        ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
        return self.tail * (1.0 - ramp) + wav[self.emitted : self.emitted + n] * ramp

    def push(self, wav: np.ndarray, safe_end: int) -> np.ndarray:
        """New samples to play from a run whose samples [0, safe_end) are trusted (may be empty)."""
        wav = np.asarray(wav, dtype=np.float32)
        safe_end = min(int(safe_end), len(wav))
        held = 0 if self.tail is None else len(self.tail)
        new_end = safe_end - self.fade
        if new_end < self.emitted + held:
            return np.zeros(0, np.float32)  # not enough new material yet: keep the state
        mixed = self._mix(wav)
        out = np.concatenate((mixed, wav[self.emitted + held : new_end]))
        self.tail = wav[new_end:safe_end].copy()
        self.emitted = new_end
        return out.astype(np.float32, copy=False)

    def finish(self, wav: np.ndarray) -> np.ndarray:
        """The rest of the stream from the final run (which must reach past what was held)."""
        wav = np.asarray(wav, dtype=np.float32)
        held = 0 if self.tail is None else len(self.tail)
        if len(wav) < self.emitted + held:
            raise ValueError("the final run is shorter than what was already streamed")
        out = np.concatenate((self._mix(wav), wav[self.emitted + held :]))
        self.emitted, self.tail = len(wav), None
        return out.astype(np.float32, copy=False)


class SegmentStream:
    """Drives the chunks of one segment: called by the LLM loop with the tokens so far.

    ``render(tokens) -> wav`` runs flow + vocoder on all tokens so far (the engine supplies it,
    with the segment's fixed noise); ``deliver(audio)`` passes each piece on.
    """

    def __init__(
        self,
        render: Callable[[list[int]], np.ndarray],
        deliver: Callable[[np.ndarray], None],
        *,
        samples_per_token: int,
        sample_rate: int,
        schedule: StreamSchedule | None = None,
    ) -> None:
        self.schedule = schedule or StreamSchedule()
        self.render = render
        self.deliver = deliver
        self.samples_per_token = int(samples_per_token)
        self.stitcher = Stitcher(round(self.schedule.fade_s * sample_rate))
        self._boundaries = self.schedule.boundaries()
        self._next = next(self._boundaries)
        self.pieces: list[np.ndarray] = []  # everything delivered, in order
        self.final_wav: np.ndarray | None = None  # the offline rendering of the whole segment

    def on_tokens(self, tokens: list[int]) -> None:
        """Called after every generated token; renders and delivers at chunk boundaries."""
        if len(tokens) < self._next:
            return
        while self._next <= len(tokens):
            self._next = next(self._boundaries)
        wav = self.render(list(tokens))
        held_back = self.schedule.lookahead_tokens * self.samples_per_token
        self._send(self.stitcher.push(wav, len(wav) - held_back))

    def finish(self, tokens: list[int]) -> np.ndarray:
        """Render the whole segment, deliver what is left; returns the segment as streamed
        (same length as the offline rendering, which is kept in ``final_wav``)."""
        self.final_wav = self.render(list(tokens))
        self._send(self.stitcher.finish(self.final_wav))
        if not self.pieces:
            return np.zeros(0, np.float32)
        return np.concatenate(self.pieces).astype(np.float32, copy=False)

    def _send(self, piece: np.ndarray) -> None:
        if len(piece):
            self.pieces.append(piece)
            self.deliver(piece)
