"""``Library``: the voice and generation catalogue in one folder.

Layout of ``root`` (every path in the catalogue is relative to it, with forward slashes, so
the folder can be copied or moved as a whole and still opens)::

    library.sqlite3                      catalogue (SQLite, WAL)
    audio/originals/ab/<sha256>.<ext>    imported/recorded originals, byte-for-byte, never modified
    audio/voices/<voice id>/reference-*.wav   the trimmed reference used for synthesis
    audio/generations/<yyyy>/<mm>/<id>.wav    generated clips

Thread safety: one sqlite connection guarded by a re-entrant lock; every public method takes
the lock, so a Library may be shared by the GUI thread and workers. File writing happens
before the catalogue row is inserted, and a row is only ever inserted after its file is
complete, so the catalogue never points at a missing or half-written file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from glmtts_desktop.i18n import tr
from glmtts_desktop.library import db
from glmtts_desktop.library.clips import ClipStore
from glmtts_desktop.library.consent import ConsentStore
from glmtts_desktop.library.errors import StorageError
from glmtts_desktop.library.files import read_audio, remove_empty_dirs, remove_file, sha256_file
from glmtts_desktop.library.generations import GenerationStore
from glmtts_desktop.library.orphans import OpenMarker, sweep
from glmtts_desktop.library.paths import AUDIO_DIRNAME, DB_FILENAME, default_library_root
from glmtts_desktop.library.progress import CancelCheck, ProgressCallback, TaskProgress
from glmtts_desktop.library.prompt_cache import PromptCacheStore
from glmtts_desktop.library.voices import VoiceStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntegrityProblem:
    """A file the catalogue knows about that is missing or no longer matches its checksum."""

    kind: str  # "voice_original", "voice_reference" (any clip of a voice), "voice_photo",
    # "generation", "consent_evidence", "clip" (kept reference of an unsaved voice)
    item_id: str
    path: Path
    problem: str  # "missing" or "checksum mismatch"


class Library(VoiceStore, ConsentStore, GenerationStore, PromptCacheStore, ClipStore):
    """Open (or create) the library in ``root`` (default: the platform's user data folder).

    ``app_version`` is written into each generation's provenance; it defaults to the
    installed package's version.
    """

    def __init__(self, root: str | Path | None = None, *, app_version: str | None = None) -> None:
        self.root = Path(root) if root is not None else default_library_root()
        try:
            (self.root / AUDIO_DIRNAME).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                tr("Could not create the library folder {root}.", root=self.root),
                hint=tr("Choose a folder you may write to."),
                detail=str(exc),
            ) from exc
        if app_version is None:
            from glmtts_desktop import __version__ as app_version
        self.app_version = str(app_version)
        self._lock = threading.RLock()
        opened_at = time.time()
        self._conn: sqlite3.Connection | None = db.connect(self.root / DB_FILENAME)
        self._open_marker: OpenMarker | None = None
        self._tidy_leftovers(opened_at)
        log.info("library opened at %s", self.root)

    def _tidy_leftovers(self, opened_at: float) -> None:
        """Files a killed process left behind (see orphans.py); never stops the library opening."""
        try:
            self._open_marker = OpenMarker(self.root)
            sweep(self.root, self.conn, self._open_marker, opened_at)
        except Exception as exc:  # noqa: BLE001 - OSError, sqlite3.Error, filelock.Timeout: next time
            log.warning("could not tidy leftover files in %s: %s", self.root, exc)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error:
                    pass
                self._conn.close()
                self._conn = None
            if self._open_marker is not None:
                self._open_marker.release()
                self._open_marker = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db_path(self) -> Path:
        return self.root / DB_FILENAME

    # -- helpers shared by the stores -----------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(tr("The library is closed."))
        return self._conn

    def _abs(self, rel: str) -> Path:
        return self.root.joinpath(*PurePosixPath(rel).parts)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _remove_owned(self, rel: str | None) -> None:
        if rel:
            path = self._abs(rel)
            remove_file(path)
            remove_empty_dirs(path.parent, self.root / AUDIO_DIRNAME)

    # -- maintenance ---------------------------------------------------------------------------
    def empty_trash(self) -> tuple[int, int]:
        """Permanently delete every voice and generation in the trash; (voices, generations)."""
        with self._lock:
            voices = [
                r["id"] for r in self.conn.execute("SELECT id FROM voices WHERE deleted_at IS NOT NULL")
            ]
            gens = [
                r["id"] for r in self.conn.execute("SELECT id FROM generations WHERE deleted_at IS NOT NULL")
            ]
            for gid in gens:
                self.purge_generation(gid)
            for vid in voices:
                self.purge_voice(vid)
            return len(voices), len(gens)

    @staticmethod
    def _still_matches(kind: str, item_id: str, path: Path, digest: str) -> bool:
        """A clip is named by its decoded samples' digest; every other file by its bytes."""
        if kind != "clip":
            return sha256_file(path) == digest
        from glmtts_desktop.library.clips import clip_digest
        from glmtts_desktop.library.errors import LibraryError

        try:
            samples, sr = read_audio(path)
        except LibraryError:
            return False
        return clip_digest(samples, sr) == item_id

    def check_integrity(
        self,
        *,
        verify_hashes: bool = False,
        on_progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> list[IntegrityProblem]:
        """Every catalogued file exists (and, with ``verify_hashes``, still has its sha256).
        ``on_progress(done, total)`` counts the bytes checked; ``cancelled()`` is polled between
        files (then TaskCancelled is raised; a check changes nothing)."""
        with self._lock:
            items: list[tuple[str, str, str, str]] = []
            for r in self.conn.execute(
                "SELECT DISTINCT c.voice_id, o.rel_path, o.sha256 FROM voice_clips c"
                " JOIN originals o ON o.sha256 = c.original_sha256"
            ):
                items.append(("voice_original", r[0], r[1], r[2]))
            for r in self.conn.execute("SELECT voice_id, rel_path, sha256 FROM voice_clips"):
                items.append(("voice_reference", r[0], r[1], r[2]))
            for r in self.conn.execute(
                "SELECT id, photo_rel_path, photo_sha256 FROM voices WHERE photo_rel_path IS NOT NULL"
            ):
                items.append(("voice_photo", r[0], r[1], r[2]))
            for r in self.conn.execute("SELECT id, rel_path, sha256 FROM generations"):
                items.append(("generation", r[0], r[1], r[2]))
            for r in self.conn.execute(
                "SELECT voice_id, evidence_rel_path, evidence_sha256 FROM consents WHERE evidence_rel_path IS NOT NULL"
            ):
                items.append(("consent_evidence", r[0], r[1], r[2]))
            for r in self.conn.execute("SELECT sha256, rel_path FROM clips"):
                items.append(("clip", r[0], r[1], ""))
        problems = []
        sizes = [_size(self._abs(rel)) for _kind, _id, rel, _digest in items]
        progress = TaskProgress(sum(sizes), on_progress, cancelled)
        progress.phase(progress.total)
        for (kind, item_id, rel, digest), size in zip(items, sizes, strict=True):
            path = self._abs(rel)
            if not path.is_file():
                problems.append(IntegrityProblem(kind, item_id, path, "missing"))
            elif verify_hashes and not self._still_matches(kind, item_id, path, digest):
                problems.append(IntegrityProblem(kind, item_id, path, "checksum mismatch"))
            progress.advance(size)
        progress.complete()
        return problems


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
