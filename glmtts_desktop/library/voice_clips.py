"""A voice's clips: several reference recordings, each with its transcript, one the default.

Why several: the best reference for a calm sentence is not the best for a cheerful one, and a
family often has a few good recordings of one person. Generation uses the default clip; the
voice row mirrors it (reference_*, transcript, trim, original) in the same transaction, so
everything that reads "the voice's reference" reads the default clip. Clip audio lives next to
the voice (``audio/voices/<voice id>/reference-*.wav``), each original stays content-addressed
in ``audio/originals/`` and is removed only when no clip uses it any more.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.clips import clip_digest
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import DuplicateClipError, InvalidEntryError, NotFoundError
from glmtts_desktop.library.files import atomic_write_bytes, copy_content_addressed, encode_wav, read_audio
from glmtts_desktop.library.hashing import sha256_bytes
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.types import VoiceClip, utc_now
from glmtts_desktop.mono import to_mono

log = logging.getLogger(__name__)

# 32-bit float: the reference keeps exactly the samples the engine analysed, so a saved voice
# reuses the analysis of the clip it was saved from and speaks exactly like it
REFERENCE_SUBTYPE = "FLOAT"
MAX_REFERENCE_S = 120.0  # a longer file must be trimmed by the caller first

# the voice row's columns that describe its default clip, and the clip columns they come from
_MIRROR = (
    ("transcript", "transcript"),
    ("original_sha256", "original_sha256"),
    ("original_name", "original_name"),
    ("trim_start", "trim_start"),
    ("trim_end", "trim_end"),
    ("reference_rel_path", "rel_path"),
    ("reference_sha256", "sha256"),
    ("reference_sample_rate", "sample_rate"),
    ("reference_duration", "duration"),
)


def decode_reference_file(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples of a reference file no longer than MAX_REFERENCE_S."""
    try:
        info = sf.info(str(path))
        if info.duration > MAX_REFERENCE_S:
            raise InvalidEntryError(
                tr(
                    "{name} is {duration:.0f} s long; too long to use whole as a voice reference.",
                    name=path.name,
                    duration=info.duration,
                ),
                hint=tr("Choose the part to use (3-10 s) and add that."),
            )
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise InvalidEntryError(
            tr("{name} could not be decoded here.", name=path.name),
            hint=tr("Decode it with glmtts_desktop.audio.load_audio and pass the samples."),
            detail=f"{path}: {exc}",
        ) from exc
    return to_mono(data), int(sr)


def reference_input(
    reference: str | Path | np.ndarray, sample_rate: int | None, original_path: str | Path | None
) -> tuple[np.ndarray, int, Path | None]:
    """(mono samples, rate, original file) from a file or from samples; checks both."""
    original: Path | None
    if isinstance(reference, (str, Path)):
        ref_file = Path(reference)
        samples, sr = decode_reference_file(ref_file)
        original = Path(original_path) if original_path is not None else ref_file
    else:
        if sample_rate is None or sample_rate <= 0:
            raise InvalidEntryError(tr("The reference samples need their sample rate."))
        samples, sr = to_mono(reference, error=InvalidEntryError), int(sample_rate)
        original = Path(original_path) if original_path is not None else None
    if samples.size == 0:
        raise InvalidEntryError(tr("The reference audio is empty."))
    if original is not None and not original.is_file():
        raise InvalidEntryError(
            tr("The original file {name} does not exist.", name=original.name), detail=str(original)
        )
    return samples, sr, original


@dataclass(frozen=True)
class StagedClip:
    """A clip's files written and not yet catalogued (``unstage`` removes what it created)."""

    rel_path: str
    sha256: str
    sample_rate: int
    duration: float
    original: tuple[str, str, str, int] | None  # (sha256, rel_path, name, size)
    original_is_new: bool


class VoiceClipStore(LibraryState):
    """Clip methods of ``Library`` (a mixin; see store.py for the shared state)."""

    # -- staging (files first, rows after) ----------------------------------------------------
    def _stage_clip(
        self, voice_id: str, title: str, samples: np.ndarray, sr: int, original: Path | None
    ) -> StagedClip:
        ref_bytes = encode_wav(
            samples,
            sr,
            subtype=REFERENCE_SUBTYPE,
            title=title,
            comment="Voice reference (trimmed from the original recording)",
        )
        ref_path = self.root / AUDIO_DIRNAME / "voices" / voice_id / f"reference-{uuid.uuid4().hex[:8]}.wav"
        orig_info = None
        is_new = False
        try:
            if original is not None:
                with self._lock:  # dedupe is decided by content, after the copy
                    sha, dest, size = copy_content_addressed(
                        original, self.root / AUDIO_DIRNAME / "originals"
                    )
                    is_new = (
                        self.conn.execute("SELECT 1 FROM originals WHERE sha256 = ?", (sha,)).fetchone()
                        is None
                    )
                orig_info = (sha, self._rel(dest), original.name, size)
            atomic_write_bytes(ref_path, ref_bytes, what=N_("voice reference"))
        except BaseException:
            if orig_info is not None and is_new:
                self._remove_owned(orig_info[1])
            raise
        return StagedClip(
            self._rel(ref_path), sha256_bytes(ref_bytes), int(sr), len(samples) / float(sr), orig_info, is_new
        )

    def _unstage(self, staged: StagedClip) -> None:
        self._remove_owned(staged.rel_path)
        if staged.original is not None and staged.original_is_new:
            with self._lock:
                used = self.conn.execute(
                    "SELECT 1 FROM originals WHERE sha256 = ?", (staged.original[0],)
                ).fetchone()
            if not used:
                self._remove_owned(staged.original[1])

    def _insert_original(self, staged: StagedClip, now: str) -> None:
        if staged.original is not None:
            self.conn.execute(
                "INSERT OR IGNORE INTO originals (sha256, rel_path, original_name, size_bytes, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (*staged.original, now),
            )

    def _insert_clip(
        self,
        clip_id: str,
        voice_id: str,
        staged: StagedClip,
        transcript: str,
        note: str,
        trim: tuple[float, float] | None,
        now: str,
    ) -> None:
        """Catalogue a staged clip (inside the caller's transaction)."""
        self._insert_original(staged, now)
        self.conn.execute(
            "INSERT INTO voice_clips (id, voice_id, rel_path, sha256, sample_rate, duration, transcript, note,"
            " trim_start, trim_end, original_sha256, original_name, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                clip_id,
                voice_id,
                staged.rel_path,
                staged.sha256,
                staged.sample_rate,
                staged.duration,
                transcript.strip(),
                note,
                trim[0] if trim else None,
                trim[1] if trim else None,
                staged.original[0] if staged.original else None,
                staged.original[2] if staged.original else None,
                now,
            ),
        )

    def _mirror_default(self, voice_id: str) -> None:
        """Rewrite the voice row's reference columns from its default clip (inside a transaction)."""
        cols = ", ".join(v for v, _ in _MIRROR)
        src = ", ".join(c for _, c in _MIRROR)
        self.conn.execute(
            f"UPDATE voices SET ({cols}) = (SELECT {src} FROM voice_clips c WHERE c.id = voices.default_clip_id),"
            " updated_at = ? WHERE id = ?",
            (utc_now(), voice_id),
        )

    # -- read --------------------------------------------------------------------------------
    def _original_path(self, sha256: str | None) -> Path | None:
        """Where a kept original lives (a clip and a voice both point at one by its hash)."""
        if not sha256:
            return None
        o = self.conn.execute("SELECT rel_path FROM originals WHERE sha256 = ?", (sha256,)).fetchone()
        return self._abs(o["rel_path"]) if o else None

    def _clip_from_row(self, r: sqlite3.Row, default_id: str | None) -> VoiceClip:
        orig_path = self._original_path(r["original_sha256"])
        return VoiceClip(
            id=r["id"],
            voice_id=r["voice_id"],
            path=self._abs(r["rel_path"]),
            sha256=r["sha256"],
            sample_rate=r["sample_rate"],
            duration=r["duration"],
            transcript=r["transcript"],
            created_at=r["created_at"],
            note=r["note"],
            trim=(r["trim_start"], r["trim_end"]) if r["trim_start"] is not None else None,
            original_path=orig_path,
            original_sha256=r["original_sha256"],
            original_name=r["original_name"],
            is_default=r["id"] == default_id,
        )

    def _default_clip_id(self, voice_id: str) -> str:
        r = self.conn.execute("SELECT default_clip_id FROM voices WHERE id = ?", (voice_id,)).fetchone()
        if r is None:
            raise NotFoundError(tr("That voice is not in the library."), detail=str(voice_id))
        return str(r[0])

    def list_voice_clips(self, voice_id: str) -> list[VoiceClip]:
        """The voice's clips, oldest first (the default one has ``is_default``)."""
        with self._lock:
            default = self._default_clip_id(voice_id)
            rows = self.conn.execute(
                "SELECT * FROM voice_clips WHERE voice_id = ? ORDER BY created_at, rowid", (voice_id,)
            ).fetchall()
            return [self._clip_from_row(r, default) for r in rows]

    def get_voice_clip(self, clip_id: str) -> VoiceClip:
        """Raises NotFoundError."""
        with self._lock:
            r = self.conn.execute("SELECT * FROM voice_clips WHERE id = ?", (clip_id,)).fetchone()
            if r is None:
                raise NotFoundError(tr("That clip is not in the library."), detail=str(clip_id))
            return self._clip_from_row(r, self._default_clip_id(r["voice_id"]))

    def load_voice_clip(self, clip: VoiceClip | str) -> tuple[np.ndarray, int]:
        """(float32 samples, rate) of one clip."""
        c = clip if isinstance(clip, VoiceClip) else self.get_voice_clip(clip)
        return read_audio(c.path)

    # -- change ------------------------------------------------------------------------------
    def add_voice_clip(
        self,
        voice_id: str,
        reference: str | Path | np.ndarray,
        transcript: str,
        *,
        sample_rate: int | None = None,
        original_path: str | Path | None = None,
        trim: tuple[float, float] | None = None,
        note: str = "",
        make_default: bool = False,
    ) -> VoiceClip:
        """Add another reference clip to a voice (a file, or samples with ``sample_rate``)."""
        if not transcript.strip():
            raise InvalidEntryError(tr("A clip needs the words it says (its transcript)."))
        samples, sr, original = reference_input(reference, sample_rate, original_path)
        with self._lock:
            self._default_clip_id(voice_id)  # the voice exists
            title = self.conn.execute("SELECT name FROM voices WHERE id = ?", (voice_id,)).fetchone()[0]
        self._refuse_duplicate_clip(voice_id, title, samples, sr)
        staged = self._stage_clip(voice_id, title, samples, sr, original)
        clip_id = uuid.uuid4().hex
        try:
            with self._lock, transaction(self.conn, N_("add the clip")):
                self._insert_clip(clip_id, voice_id, staged, transcript, note, trim, utc_now())
                if make_default:
                    self.conn.execute(
                        "UPDATE voices SET default_clip_id = ? WHERE id = ?", (clip_id, voice_id)
                    )
                    self._mirror_default(voice_id)
        except BaseException:
            self._unstage(staged)
            raise
        log.info("clip %s added to voice %s", clip_id, voice_id)
        self._voice_changed(voice_id)
        return self.get_voice_clip(clip_id)

    def _refuse_duplicate_clip(self, voice_id: str, voice_name: str, samples: np.ndarray, sr: int) -> None:
        """Raise DuplicateClipError when these samples already are a clip of the voice.

        Compared by the sha256 of the stored audio samples rather than of the file: the file
        header carries the voice's name, so the same recording saved before a rename would
        otherwise look new. Clips are stored as float WAV, so reading one back gives exactly
        the samples that were stored; a voice has a handful of short clips, so reading them
        all is cheap next to the analysis a new clip costs anyway.
        """
        digest = clip_digest(samples, sr)
        for c in self.list_voice_clips(voice_id):
            if c.sample_rate != sr or abs(c.duration - len(samples) / float(sr)) > 1e-6:
                continue
            stored, rate = read_audio(c.path)
            if clip_digest(stored, rate) == digest:
                raise DuplicateClipError(voice_name, c.id, c.transcript)

    def set_default_clip(self, voice_id: str, clip_id: str) -> VoiceClip:
        """Make this clip the one generation uses."""
        with self._lock, transaction(self.conn, N_("choose the default clip")):
            r = self.conn.execute("SELECT voice_id FROM voice_clips WHERE id = ?", (clip_id,)).fetchone()
            if r is None or r[0] != voice_id:
                raise NotFoundError(tr("That clip is not in the library."), detail=f"{voice_id}/{clip_id}")
            self.conn.execute("UPDATE voices SET default_clip_id = ? WHERE id = ?", (clip_id, voice_id))
            self._mirror_default(voice_id)
        self._voice_changed(voice_id)
        return self.get_voice_clip(clip_id)

    def update_voice_clip(
        self, clip_id: str, *, transcript: str | None = None, note: str | None = None
    ) -> VoiceClip:
        """Change what a clip says or its note (the analysis cache is keyed by the transcript too)."""
        c = self.get_voice_clip(clip_id)
        if transcript is not None and not transcript.strip():
            raise InvalidEntryError(tr("A clip needs the words it says (its transcript)."))
        with self._lock, transaction(self.conn, N_("save the clip")):
            self.conn.execute(
                "UPDATE voice_clips SET transcript = ?, note = ? WHERE id = ?",
                (
                    c.transcript if transcript is None else transcript.strip(),
                    c.note if note is None else note,
                    clip_id,
                ),
            )
            self._mirror_default(c.voice_id)
        self._voice_changed(c.voice_id)
        return self.get_voice_clip(clip_id)

    def remove_voice_clip(self, clip_id: str) -> VoiceClip | None:
        """Delete a clip for good (never the last one). Returns the new default clip when the
        removed one was the default (the oldest clip left), else None."""
        c = self.get_voice_clip(clip_id)
        with self._lock:
            with transaction(self.conn, N_("remove the clip")):
                n = self.conn.execute(
                    "SELECT COUNT(*) FROM voice_clips WHERE voice_id = ?", (c.voice_id,)
                ).fetchone()[0]
                if n <= 1:
                    raise InvalidEntryError(
                        tr("A voice needs at least one clip; this is its last one."),
                        hint=tr("Add another clip first, or move the whole voice to the trash."),
                    )
                self.conn.execute("DELETE FROM voice_clips WHERE id = ?", (clip_id,))
                new_default = None
                if c.is_default:
                    new_default = self.conn.execute(
                        "SELECT id FROM voice_clips WHERE voice_id = ? ORDER BY created_at, rowid LIMIT 1",
                        (c.voice_id,),
                    ).fetchone()[0]
                    self.conn.execute(
                        "UPDATE voices SET default_clip_id = ? WHERE id = ?", (new_default, c.voice_id)
                    )
                    self._mirror_default(c.voice_id)
                orphan = self._orphaned_original(c.original_sha256)
            self._remove_owned(self._rel(c.path))
            if orphan is not None:
                self._remove_owned(orphan)
        log.info("clip %s of voice %s removed", clip_id, c.voice_id)
        self._voice_changed(c.voice_id)
        return None if new_default is None else self.get_voice_clip(new_default)

    def _orphaned_original(self, sha: str | None) -> str | None:
        """Forget an original no clip uses any more (inside a transaction); its file to remove."""
        if not sha:
            return None
        used = self.conn.execute(
            "SELECT 1 FROM voice_clips WHERE original_sha256 = ? UNION ALL"
            " SELECT 1 FROM voices WHERE original_sha256 = ? LIMIT 1",
            (sha, sha),
        ).fetchone()
        if used:
            return None
        r = self.conn.execute("SELECT rel_path FROM originals WHERE sha256 = ?", (sha,)).fetchone()
        self.conn.execute("DELETE FROM originals WHERE sha256 = ?", (sha,))
        return None if r is None else str(r["rel_path"])

    def _voice_changed(self, voice_id: str) -> None:  # pragma: no cover - provided by VoiceStore
        """Hook: refresh what describes the voice (its sidecar) after a clip change."""
