"""An optional photo per voice: checked, stored once by content, never modified.

Why only magic bytes and size here: the library core cannot decode images (no Qt, no image
library); the GUI decodes the file before offering it, and the library refuses anything that
is not a PNG, JPEG or WebP by its first bytes, or is larger than a photo needs to be.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import InvalidEntryError, NotFoundError
from glmtts_desktop.library.files import atomic_write_bytes
from glmtts_desktop.library.hashing import sha256_bytes
from glmtts_desktop.library.paths import AUDIO_DIRNAME

if TYPE_CHECKING:
    from glmtts_desktop.library.types import Voice

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTOS_DIRNAME = "photos"


def photo_kind(data: bytes) -> str | None:
    """The file suffix for a PNG, JPEG or WebP image by its first bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def read_photo(path: Path) -> tuple[bytes, str]:
    """(bytes, suffix) of a photo file the library accepts; InvalidEntryError otherwise."""
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
        if size > MAX_PHOTO_BYTES:
            raise InvalidEntryError(
                tr("{name} is too large for a voice photo ({mb:.0f} MB).", name=name, mb=size / 2**20),
                hint=tr("Choose a photo of at most 10 MB."),
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidEntryError(tr("Could not read {name}.", name=name), detail=f"{path}: {exc}") from exc
    kind = photo_kind(data)
    if kind is None:
        raise InvalidEntryError(
            tr("{name} is not a PNG, JPEG or WebP image.", name=name),
            hint=tr("Choose a photo saved as PNG, JPEG or WebP."),
        )
    return data, kind


class PhotoStore(LibraryState):
    """Photo methods of ``Library`` (a mixin; see store.py for the shared state)."""

    if TYPE_CHECKING:  # provided by VoiceStore

        def get_voice(self, voice_id: str) -> Voice: ...
        def _described(self, voice: Voice) -> Voice: ...

    def set_voice_photo(self, voice_id: str, path: str | Path) -> Voice:
        """Give the voice this photo (replacing any); the file is copied, the old one removed
        when no other voice shows it. Raises InvalidEntryError for a file that is no photo."""
        data, suffix = read_photo(Path(path))
        sha = sha256_bytes(data)
        rel = f"{AUDIO_DIRNAME}/{PHOTOS_DIRNAME}/{sha[:2]}/{sha}{suffix}"
        old = self.get_voice(voice_id).photo_sha256
        existed = self._abs(rel).is_file()
        if not existed:
            atomic_write_bytes(self._abs(rel), data, what=N_("photo"))
        try:
            with self._lock, transaction(self.conn, N_("save the photo")):
                cur = self.conn.execute(
                    "UPDATE voices SET photo_sha256 = ?, photo_rel_path = ? WHERE id = ?",
                    (sha, rel, voice_id),
                )
                if cur.rowcount == 0:
                    raise NotFoundError(tr("That voice is not in the library."), detail=str(voice_id))
                orphan = self._orphaned_photo(old) if old != sha else None
        except BaseException:
            if not existed:
                self._remove_owned(rel)
            raise
        self._remove_owned(orphan)
        log.info("photo %s set for voice %s", sha[:12], voice_id)
        return self._described(self.get_voice(voice_id))

    def remove_voice_photo(self, voice_id: str) -> Voice:
        """Show the placeholder again; the file goes when no other voice uses it."""
        old = self.get_voice(voice_id).photo_sha256
        with self._lock, transaction(self.conn, N_("remove the photo")):
            self.conn.execute(
                "UPDATE voices SET photo_sha256 = NULL, photo_rel_path = NULL WHERE id = ?", (voice_id,)
            )
            orphan = self._orphaned_photo(old)
        self._remove_owned(orphan)
        return self._described(self.get_voice(voice_id))

    def _orphaned_photo(self, sha: str | None) -> str | None:
        """The photo file to remove when no voice shows it any more (inside a transaction)."""
        if not sha:
            return None
        rows = self.conn.execute(
            "SELECT photo_rel_path FROM voices WHERE photo_sha256 = ?", (sha,)
        ).fetchall()
        if rows:
            return None
        for suffix in (".png", ".jpg", ".webp"):
            rel = f"{AUDIO_DIRNAME}/{PHOTOS_DIRNAME}/{sha[:2]}/{sha}{suffix}"
            if self._abs(rel).is_file():
                return rel
        return None
