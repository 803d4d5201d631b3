"""Takes that a crash or kill interrupted, found again at the next start.

Why: the recorder writes a take to disk as it arrives (recorder.py), so a killed app keeps what
was said; but nothing would tell the person it is there. While a take is recorded, a marker file
``<take>.recording`` next to it is held locked; a normal stop removes it. At the next start a
marker whose lock nobody holds means the recording was cut off: ``unfinished_takes`` lists such
takes (a marker still locked belongs to a recording running right now, perhaps in a second
window, and is left alone) and ``finish_take`` makes one an ordinary take again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

log = logging.getLogger(__name__)

MARKER_SUFFIX = ".recording"


def marker_path(take: Path) -> Path:
    return take.with_name(take.name + MARKER_SUFFIX)


class TakeMarker:
    """Held by a recording in progress; ``release`` at stop removes it."""

    def __init__(self, take: Path) -> None:
        from filelock import FileLock

        self.path = marker_path(take)
        self._lock = FileLock(str(self.path), thread_local=False)
        self._lock.acquire(timeout=0)

    def release(self) -> None:
        try:
            self._lock.release()
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the recording marker %s: %s", self.path, exc)


@dataclass(frozen=True)
class UnfinishedTake:
    path: Path
    seconds: float  # what the file holds (0.0 when nothing readable was written)
    sample_rate: int


def unfinished_takes(folder: Path) -> list[UnfinishedTake]:
    """Takes in ``folder`` whose recording was cut off (oldest first); markers of recordings
    still running are skipped, markers without a take are removed."""
    from filelock import FileLock, Timeout

    found = []
    folder = Path(folder)
    if not folder.is_dir():
        return []
    for marker in sorted(folder.glob("*" + MARKER_SUFFIX)):
        probe = FileLock(str(marker), thread_local=False)
        try:
            probe.acquire(timeout=0)
        except (Timeout, OSError):
            continue  # being recorded right now
        probe.release()
        take = marker.with_name(marker.name[: -len(MARKER_SUFFIX)])
        if not take.is_file():
            marker.unlink(missing_ok=True)
            continue
        try:
            info = sf.info(str(take))
            found.append(UnfinishedTake(take, float(info.duration), int(info.samplerate)))
        except (sf.LibsndfileError, RuntimeError, OSError):
            found.append(UnfinishedTake(take, 0.0, 0))
    return found


def finish_take(take: UnfinishedTake, *, keep: bool = True) -> Path | None:
    """Make an interrupted take an ordinary take (``keep``) or delete it; an empty or
    unreadable take is always deleted. Returns the take's path when it was kept."""
    marker_path(take.path).unlink(missing_ok=True)
    if keep and take.seconds > 0:
        log.info("interrupted take %s kept (%.1f s)", take.path, take.seconds)
        return take.path
    take.path.unlink(missing_ok=True)
    log.info("interrupted take %s deleted", take.path)
    return None
