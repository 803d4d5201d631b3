"""Leftovers of a process killed while it stored something, tidied when the library opens.

Why: a generation's audio is written (temp → fsync → rename) before its catalogue row, so a
process killed in between leaves either a temporary file or a complete file that no row points
to. Neither is ever listed, but both take space and would confuse someone browsing the folder.
On open (cheap: one listing of ``audio/`` compared with the catalogue) temporary files are
deleted and unlisted generation files are moved to ``trash/orphaned/`` (nothing a person might
want is deleted). A catalogued file is never touched.

Another process may have the same library open and be between its rename and its row at this
very moment; so the sweep runs only when no other ``Library`` holds the folder open (each open
library holds a lock file in ``.open/``; a killed process's lock is released by the system) and
only for files older than this opening.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.library.paths import AUDIO_DIRNAME

log = logging.getLogger(__name__)

OPEN_DIRNAME = ".open"
ORPHANED_DIRNAME = "trash/orphaned"
GENERATIONS_DIRNAME = "generations"
_TEMP = re.compile(r"^\..*\.tmp-[0-9a-f]{32}$")  # fsutil.temp_name
_IMPORT_WORK = ".import-"  # importer's temporary folder


def is_temp_name(name: str) -> bool:
    return bool(_TEMP.match(name))


class OpenMarker:
    """This process's claim that it has the library open: a lock file held until ``release``."""

    def __init__(self, root: Path) -> None:
        from filelock import FileLock

        self.folder = root / OPEN_DIRNAME
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"{uuid.uuid4().hex}.lock"
        self._lock = FileLock(str(self.path), thread_local=False)
        self._lock.acquire(timeout=0)

    def others_open(self) -> bool:
        """True if another open library (this process or another) holds its lock; locks left
        by killed processes are removed on the way."""
        from filelock import FileLock, Timeout

        busy = False
        for p in self.folder.glob("*.lock"):
            if p == self.path:
                continue
            probe = FileLock(str(p), thread_local=False)
            try:
                probe.acquire(timeout=0)
            except Timeout:
                busy = True
                continue
            except OSError:
                continue
            try:
                probe.release()
                p.unlink(missing_ok=True)
            except OSError:
                pass
        return busy

    def release(self) -> None:
        try:
            self._lock.release()
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("could not remove %s: %s", self.path, exc)


@dataclass(frozen=True)
class SweepReport:
    temp_removed: int = 0
    orphans_moved: int = 0
    skipped_because_shared: bool = False


def sweep(root: Path, conn: sqlite3.Connection, marker: OpenMarker, opened_at: float) -> SweepReport:
    """Remove temporary files and move unlisted generation files aside (see the module doc)."""
    if marker.others_open():
        log.debug("library %s is open elsewhere: leftover files are left for later", root)
        return SweepReport(skipped_because_shared=True)
    audio = root / AUDIO_DIRNAME
    removed = moved = 0
    for work in root.glob(_IMPORT_WORK + "*"):
        if work.is_dir() and _older(work, opened_at):
            shutil.rmtree(work, ignore_errors=True)
            removed += 1
    listed = {r[0] for r in conn.execute("SELECT rel_path FROM generations")}
    for dirpath, _dirs, names in os.walk(audio):
        folder = Path(dirpath)
        for name in names:
            path = folder / name
            if not _older(path, opened_at):
                continue
            if is_temp_name(name):
                path.unlink(missing_ok=True)
                removed += 1
            elif _is_orphan(path.relative_to(root).as_posix(), listed):
                _move_aside(root, path)
                moved += 1
    if removed or moved:
        log.warning(
            "library %s: %d temporary file(s) removed, %d unlisted generation file(s) moved to %s "
            "(left by an interrupted save)",
            root,
            removed,
            moved,
            root / ORPHANED_DIRNAME,
        )
    return SweepReport(removed, moved)


def _is_orphan(rel: str, listed: set[str]) -> bool:
    """A generation's audio (or its sidecar) that no catalogue row points to."""
    if not rel.startswith(f"{AUDIO_DIRNAME}/{GENERATIONS_DIRNAME}/"):
        return False
    if rel.endswith(".wav"):
        return rel not in listed
    if rel.endswith(".json"):
        return rel[: -len(".json")] + ".wav" not in listed
    return False


def _older(path: Path, opened_at: float) -> bool:
    try:
        return path.stat().st_mtime < opened_at
    except OSError:
        return False


def _move_aside(root: Path, path: Path) -> None:
    dest = root / ORPHANED_DIRNAME / path.relative_to(root / AUDIO_DIRNAME)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest = dest.with_name(f"{dest.stem}-{uuid.uuid4().hex[:8]}{dest.suffix}")
    os.replace(path, dest)
