"""How long the running job still needs, from the speed this job has shown so far.

Why measured and not predicted: speed differs by a factor of a hundred between a GPU and a CPU,
between 24 and 32 kHz, and with the length of the voice prompt; only this job's own pace says
how long its remaining parts take. Parts are weighted by their length in characters when the
segment texts are known (a long sentence takes longer than a short one). The estimate stays
hidden until one part is finished: before that there is nothing honest to say.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from glmtts_desktop.engine.types import Progress
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

_WORK_STAGES = ("llm", "flow", "vocoder")  # before them: voice analysis, once per voice


def format_remaining(seconds: float) -> str:
    """ "about 1 min 20 s left", rounded so the number does not flicker."""
    s = max(0.0, float(seconds))
    if s < 10:
        return tr("a few seconds left")
    if s < 60:
        return tr("about {s} s left", s=int(round(s / 5.0) * 5) or 5)
    if s < 3600:
        total = int(round(s / 10.0) * 10)
        m, rest = divmod(total, 60)
        if rest == 0:
            return tr("about {m} min left", m=m)
        return tr("about {m} min {s} s left", m=m, s=rest)
    total_min = int(round(s / 60.0))
    h, m = divmod(total_min, 60)
    return tr("about {h} h {m} min left", h=h, m=m)


class EtaEstimator:
    """Feed it every Progress of one job; ``remaining()`` is seconds left, or None (not yet)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._weights: list[float] = []
        self._t0: float | None = None
        self._done0 = 0.0
        self._last: tuple[float, float] | None = None  # (time, work done)
        self._finished_parts = 0

    def start(self, weights: Sequence[float] = ()) -> None:
        """A new job; ``weights``: the relative size of each segment, when known."""
        self._weights = [max(1.0, float(w)) for w in weights]
        self._t0 = None
        self._done0 = 0.0
        self._last = None
        self._finished_parts = 0

    def _work(self, p: Progress) -> float:
        """Work done so far in weight units (uniform when the weights do not fit this job)."""
        n = max(1, p.total_segments)
        weights = self._weights if len(self._weights) == n else [1.0] * n
        position = max(0.0, min(float(n), p.fraction * n))
        whole = min(int(position), n)
        partial = (position - whole) * weights[whole] if whole < n else 0.0
        return sum(weights[:whole]) + partial

    def _total(self, p: Progress) -> float:
        n = max(1, p.total_segments)
        return sum(self._weights) if len(self._weights) == n else float(n)

    def update(self, p: Progress) -> float | None:
        if p.stage not in _WORK_STAGES:
            return self.remaining(p) if self._last is not None else None
        now = self._clock()
        done = self._work(p)
        if self._t0 is None:
            self._t0, self._done0 = now, done
        self._last = (now, done)
        self._finished_parts = max(self._finished_parts, int(p.fraction * max(1, p.total_segments) + 1e-9))
        return self.remaining(p)

    def remaining(self, p: Progress) -> float | None:
        """Seconds left at the pace measured since the job's first part began; None until one
        part of several is finished."""
        if self._t0 is None or self._last is None or p.total_segments < 2 or self._finished_parts < 1:
            return None
        now, done = self._last
        rate = (done - self._done0) / max(now - self._t0, 1e-6)
        if rate <= 0:
            return None
        return max(0.0, self._total(p) - done) / rate
