"""Progress and cancel for long library tasks (archive export/import, integrity check).

Why one helper: the three tasks run in a GUI background thread and from the CLI; each reports
how much of its work is done (bytes, so one big recording counts for what it costs) through a
plain callback and stops at the next safe point when asked. The caller owns the threads: the
callback may be called from any thread, ``cancelled`` is polled between files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from glmtts_desktop.errors import CancelledError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

#: ``on_progress(done, total)``: units done of the total (both >= 0, done <= total)
ProgressCallback = Callable[[int, int], None]
#: ``cancelled()``: True once the user asked to stop
CancelCheck = Callable[[], bool]


class TaskCancelled(CancelledError):
    """A library task stopped because the user asked; what it had started was undone."""


class TaskProgress:
    """Counts work done against a total that is known up front, in phases.

    ``phase(size)`` opens the next phase of ``size`` units; ``advance(n)`` counts work inside
    it (never past its end); ``finish_phase()`` jumps to its end (work that could not be
    counted piece by piece, such as a library call that hashes every file at once)."""

    def __init__(
        self,
        total: int,
        on_progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> None:
        self.total = max(int(total), 1)
        self.done = 0
        self._phase_end = 0
        self._on_progress = on_progress
        self._cancelled = cancelled
        self._report()

    def check(self) -> None:
        """Raise TaskCancelled if the user asked to stop (call only at safe points)."""
        if self._cancelled is not None and self._cancelled():
            log.info("library task cancelled at %d of %d", self.done, self.total)
            raise TaskCancelled(tr("Cancelled; nothing was changed."))

    def phase(self, size: int) -> None:
        self.finish_phase()
        self._phase_end = min(self.total, self.done + max(int(size), 0))
        self.check()

    def advance(self, n: int) -> None:
        self.done = min(self._phase_end, self.done + max(int(n), 0))
        self._report()
        self.check()

    def finish_phase(self) -> None:
        if self.done < self._phase_end:
            self.done = self._phase_end
            self._report()

    def complete(self) -> None:
        self.done = self.total
        self._report()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.done, self.total)
