"""Kept clips: the reference of an unsaved voice, stored once by content.

Why: "Again" must reproduce a generation made with a reference that was never saved as a
voice. The clip is real recorded audio, so it lives with the real recordings
(``audio/clips/``), never next to synthetic speech, and its sha256 is in the catalogue.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import NotFoundError
from glmtts_desktop.library.files import atomic_write_bytes, encode_wav, read_audio
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.types import utc_now

CLIPS_DIRNAME = "clips"


def clip_digest(samples: np.ndarray, sample_rate: int) -> str:
    """Identity of a clip's content (float32 samples and rate), independent of file encoding."""
    h = hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
    h.update(f"|{int(sample_rate)}".encode())
    return h.hexdigest()


class ClipStore(LibraryState):
    """Clip methods of ``Library`` (a mixin; see store.py for the shared state)."""

    def keep_clip(self, samples: np.ndarray, sample_rate: int) -> str:
        """Store the clip (float WAV, lossless for the engine's float input) unless already kept;
        returns its content digest, the key for ``load_clip``."""
        x = np.ascontiguousarray(samples, dtype=np.float32)
        digest = clip_digest(x, sample_rate)
        with self._lock:
            if self.conn.execute("SELECT 1 FROM clips WHERE sha256 = ?", (digest,)).fetchone():
                return digest
        rel = f"{AUDIO_DIRNAME}/{CLIPS_DIRNAME}/{digest[:2]}/{digest}.wav"
        data = encode_wav(
            x, sample_rate, subtype="FLOAT", comment="Real recording: an unsaved voice reference"
        )
        atomic_write_bytes(self._abs(rel), data, what=N_("reference clip"))
        with self._lock, transaction(self.conn, N_("keep the reference clip")):
            self.conn.execute(
                "INSERT OR IGNORE INTO clips (sha256, rel_path, sample_rate, duration, added_at)"
                " VALUES (?,?,?,?,?)",
                (digest, rel, int(sample_rate), len(x) / float(sample_rate), utc_now()),
            )
        return digest

    def load_clip(self, digest: str) -> tuple[np.ndarray, int]:
        return read_audio(self.clip_path(digest))

    def clip_path(self, digest: str) -> Path:
        """Where the kept clip lives (for archives); raises NotFoundError."""
        with self._lock:
            r = self.conn.execute("SELECT rel_path FROM clips WHERE sha256 = ?", (digest,)).fetchone()
        if r is None:
            raise NotFoundError(tr("That reference clip is not in the library."), detail=digest)
        return self._abs(r["rel_path"])
