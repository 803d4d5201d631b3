"""When streamed playback may start (or resume) without running dry: a jitter buffer's policy.

Why: on a slow PC each streamed chunk costs a fixed render overhead, so production can be
slower than real time and the first short chunk plays out before the next arrives. Starting
playback a little later fixes that; on a fast machine (a GPU) it must cost nothing.

The model, fed with (wall time, seconds of audio delivered so far):

- ``rate`` r: audio seconds produced per wall second. From one chunk: since ``start`` (the
  production start, prefill included: cautious). From two on: the chunks after the first over
  the time since the first arrived, the steady rate without the one-off prefill.
- ``R``: audio still to come = expected total − delivered. The expected total is an estimate
  (``expected_speech_seconds`` from the text, or the caller's own); when unknown, as much
  again as was delivered is assumed.
- Chunks arrive whole, each at the end of its production. Future chunks are projected to grow
  ``growth`` times per chunk up to ``max_chunk_s`` (the engine's schedule: 12→25→50→100→200
  tokens, then 200 = 8 s each).

Chunk k (c seconds, X seconds of not yet delivered audio before it) arrives after T_k, the time
to make it and those before it, and is reached by the play head after B + X, B being the audio
buffered ahead of it. So B must be at least ``T_k − X`` for every projected future chunk (the
maximum is taken). T_k comes from a fit of each chunk's making time as a fixed part plus a part
per audio second (``production_model``: a window's fixed render overhead makes short chunks
dear), or, until the fit is possible, from the rate alone: ``T_k = (X + c)/r``, i.e. a need of
``X·(1/r − 1) + c/r``. When r < 1
the last chunk is the worst, about ``R·(1/r − 1) + c``; a fast producer (a GPU, r ≫ 1) already
meets the bound with its first chunk, so playback starts at once. Growing chunks matter even
at r a little above 1: each takes longer to make than the one before takes to play. A
``margin`` factor covers a rate that sags. An estimate that was too short
shows up as an underrun: the player then pauses (faded) and asks this policy again to resume.
The clock is injectable so tests drive time by hand.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable

log = logging.getLogger(__name__)

# Rough speaking rates for an expected length from text: a CJK character is about one syllable
# (~4 per second); for alphabetic scripts ~14 characters (letters, digits, spaces) per second.
CJK_SECONDS_PER_CHAR = 0.25
OTHER_SECONDS_PER_CHAR = 1 / 14


def expected_speech_seconds(text: str) -> float:
    """A rough length of ``text`` spoken, for the buffer's remainder estimate only."""
    total = 0.0
    for ch in text:
        if ch.isspace() or unicodedata.category(ch).startswith("P"):
            total += OTHER_SECONDS_PER_CHAR if ch == " " else 0.0
        elif "CJK" in unicodedata.name(ch, "") or "HIRAGANA" in unicodedata.name(ch, ""):
            total += CJK_SECONDS_PER_CHAR
        else:
            total += OTHER_SECONDS_PER_CHAR
    return total


class StreamBuffer:
    """Decides when buffered streamed audio may start (or resume) playing. Not thread-safe by
    itself: the Player calls it under its own lock."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        margin: float = 1.1,
        growth: float = 2.0,
        max_chunk_s: float = 8.0,
    ) -> None:
        self.clock = clock
        self.margin = float(margin)
        self.growth = float(growth)
        self.max_chunk_s = float(max_chunk_s)
        self.start()

    def start(self, expected_total_s: float | None = None, started_at: float | None = None) -> None:
        """A new stream: production started at ``started_at`` (a ``clock`` time; default now);
        ``expected_total_s``: its length if known."""
        self._t0 = self.clock() if started_at is None else float(started_at)
        self._t_first = self._t0
        self.first_chunk_s = 0.0
        self.expected_total_s = expected_total_s
        self._t_last = self._t0
        self.delivered_s = 0.0
        self.chunks = 0
        self.last_chunk_s = 0.0
        self.finished = False
        self._intervals: list[tuple[float, float]] = []  # (chunk seconds, wall seconds to make it)

    def delivered(self, chunk_s: float) -> None:
        """A chunk of ``chunk_s`` seconds of audio arrived now."""
        now = self.clock()
        if self.chunks == 0:
            self._t_first, self.first_chunk_s = now, float(chunk_s)
        else:
            self._intervals.append((float(chunk_s), now - self._t_last))
        self.chunks += 1
        self.delivered_s += float(chunk_s)
        self.last_chunk_s = float(chunk_s)
        self._t_last = now

    def finish(self) -> None:
        """No more audio will come: whatever is buffered may play out."""
        self.finished = True

    def rate(self) -> float | None:
        """Audio seconds produced per wall second so far (None before any audio)."""
        if self.delivered_s <= 0:
            return None
        if self.chunks >= 2 and self._t_last > self._t_first:
            return (self.delivered_s - self.first_chunk_s) / (self._t_last - self._t_first)
        elapsed = self._t_last - self._t0
        return float("inf") if elapsed <= 0 else self.delivered_s / elapsed

    def production_model(self) -> tuple[float, float] | None:
        """(wall seconds per chunk, wall seconds per audio second) fitted by least squares to
        the chunks after the first (whose time holds the prefill); None until two of them
        differ in length, or when the fit makes no sense (then ``rate`` alone is used)."""
        if len(self._intervals) < 2:
            return None
        n = len(self._intervals)
        mc = sum(c for c, _ in self._intervals) / n
        mt = sum(t for _, t in self._intervals) / n
        var = sum((c - mc) ** 2 for c, _ in self._intervals)
        if var <= 1e-12 * max(mc * mc, 1e-12):
            return None
        per_s = sum((c - mc) * (t - mt) for c, t in self._intervals) / var
        per_chunk = mt - per_s * mc
        if per_s <= 0 or per_chunk < 0:
            return None
        return per_chunk, per_s

    def remaining_s(self) -> float:
        """Audio still expected (seconds)."""
        if self.expected_total_s is None:
            return self.delivered_s
        return max(0.0, self.expected_total_s - self.delivered_s)

    def needed_ahead_s(self) -> float:
        """Seconds of audio that must be buffered ahead of the play head, now, to play on
        unbroken. The time since the last chunk counts: the next one is that much nearer
        (credited at most until it is due; a late chunk earns no more)."""
        if self.finished:
            return 0.0
        r = self.rate()
        if r is None or r <= 0:
            return float("inf")
        model = self.production_model()

        def making(c: float) -> float:  # wall seconds to make a chunk of c audio seconds
            return c / r if model is None else model[0] + model[1] * c

        rest = self.remaining_s()
        chunk = min(rest, self.next_chunk_s())
        first = making(chunk)
        need, before, made_by = 0.0, 0.0, 0.0  # audio before the chunk looked at; its arrival
        for _ in range(10_000):  # the projected future chunks, one by one
            if chunk <= 0:
                break
            made_by += making(chunk)
            need = max(need, made_by - before)
            before += chunk
            chunk = min(rest - before, min(chunk * self.growth, max(self.max_chunk_s, chunk)))
        return self.margin * need - min(max(self.clock() - self._t_last, 0.0), first)

    def next_chunk_s(self) -> float:
        """The next chunk's length: ``growth`` times the last, up to ``max_chunk_s`` (never
        shorter than the last)."""
        return max(self.last_chunk_s, min(self.last_chunk_s * self.growth, self.max_chunk_s))

    def ready(self, played_s: float) -> bool:
        """True when playback (at ``played_s`` seconds into the stream) may go on now."""
        ahead = self.delivered_s - played_s
        if ahead <= 0:
            return False
        return ahead >= self.needed_ahead_s()


def chosen_start_delay(
    arrivals: list[tuple[float, float]], expected_total_s: float | None = None, **policy: float
) -> float:
    """For a recorded schedule of (arrival time after production started, chunk seconds): how
    long after the first chunk this policy starts playback (what the speed report shows)."""
    now = [0.0]
    buf = StreamBuffer(lambda: now[0], **policy)
    buf.start(expected_total_s)
    for i, (at, secs) in enumerate(arrivals):
        now[0] = at
        buf.delivered(secs)
        # the need falls by one second per second of waiting until the next chunk is due
        wait = max(0.0, buf.needed_ahead_s() - buf.delivered_s)
        until = arrivals[i + 1][0] if i + 1 < len(arrivals) else float("inf")
        now[0] = at + wait + 1e-9
        if now[0] < until and buf.ready(0.0):
            return at + wait - arrivals[0][0]
    return arrivals[-1][0] - arrivals[0][0] if arrivals else 0.0
