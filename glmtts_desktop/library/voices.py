"""Voices: the untouched original, the trimmed reference, transcript, consent, prompt cache.

The original recording is the irreplaceable part (a grandmother's voicemail), so it is
copied byte-for-byte into a content-addressed file and never written again; everything the
app derives from it (trimmed reference, cached voice prompt) can be rebuilt.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library.consent import check_consent
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import InvalidEntryError, NotFoundError
from glmtts_desktop.library.files import atomic_write_bytes, encode_wav, read_audio
from glmtts_desktop.library.hashing import sha256_bytes
from glmtts_desktop.library.photos import PhotoStore
from glmtts_desktop.library.sidecars import remove_sidecar, voice_sidecar_path, write_voice_sidecar
from glmtts_desktop.library.types import ConsentRecord, Voice, utc_now
from glmtts_desktop.library.voice_clips import (
    MAX_REFERENCE_S,
    REFERENCE_SUBTYPE,
    VoiceClipStore,
    reference_input,
)
from glmtts_desktop.mono import to_mono

__all__ = ["MAX_REFERENCE_S", "REFERENCE_SUBTYPE", "VoiceStore"]

log = logging.getLogger(__name__)


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise InvalidEntryError(tr("A voice needs a name."))
    return name


def _check_pronunciations(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        text, repl = e.get("text"), e.get("replacement")
        occ = e.get("occurrences")
        if not isinstance(text, str) or not text or not isinstance(repl, str):
            raise InvalidEntryError(tr("A pronunciation needs the text and its replacement."), detail=repr(e))
        if occ is not None and not all(isinstance(i, int) and i >= 0 for i in occ):
            raise InvalidEntryError(
                tr("Pronunciation occurrences must be character offsets."), detail=repr(e)
            )
        out.append({"text": text, "replacement": repl, "occurrences": None if occ is None else list(occ)})
    return out


class VoiceStore(VoiceClipStore, PhotoStore):
    """Voice methods of ``Library`` (a mixin; see store.py for the shared state)."""

    if TYPE_CHECKING:  # provided by ConsentStore (real stubs here would shadow it in the MRO)

        def _write_consent(self, voice_id: str, c: ConsentRecord) -> None: ...
        def _read_consent(self, voice_id: str) -> ConsentRecord | None: ...

    # -- create ------------------------------------------------------------------------------
    def add_voice(
        self,
        name: str,
        reference: str | Path | np.ndarray,
        transcript: str = "",
        *,
        sample_rate: int | None = None,
        original_path: str | Path | None = None,
        trim: tuple[float, float] | None = None,
        consent: ConsentRecord | None = None,
        notes: str = "",
        language: str | None = None,
    ) -> Voice:
        """Add a voice.

        ``reference`` is either a file (then it is also the original, unless
        ``original_path`` says otherwise) or the trimmed reference samples (float, mono or
        (n, ch)) with ``sample_rate``. ``original_path`` is copied byte-for-byte and its
        sha256 recorded. ``trim`` = (start_s, end_s) of the reference within the original.
        Raises InvalidEntryError, DiskFullError/StorageError; on failure nothing is added.
        """
        name = _clean_name(name)
        if consent is not None:
            check_consent(consent)
        samples, sr, original = reference_input(reference, sample_rate, original_path)
        voice_id = uuid.uuid4().hex
        clip_id = uuid.uuid4().hex
        staged = self._stage_clip(voice_id, name, samples, sr, original)
        orig = staged.original
        try:
            now = utc_now()
            with self._lock, transaction(self.conn, N_("add the voice")):
                self._insert_original(staged, now)
                self.conn.execute(
                    "INSERT INTO voices (id, name, transcript, language, notes, original_sha256, original_name,"
                    " trim_start, trim_end, reference_rel_path, reference_sha256, reference_sample_rate,"
                    " reference_duration, created_at, updated_at, default_clip_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        voice_id,
                        name,
                        transcript.strip(),
                        language,
                        notes,
                        orig[0] if orig else None,
                        orig[2] if orig else None,
                        trim[0] if trim else None,
                        trim[1] if trim else None,
                        staged.rel_path,
                        staged.sha256,
                        staged.sample_rate,
                        staged.duration,
                        now,
                        now,
                        clip_id,
                    ),
                )
                self._insert_clip(clip_id, voice_id, staged, transcript, "", trim, now)
                if consent is not None:
                    self._write_consent(voice_id, consent)
        except BaseException:
            self._unstage(staged)
            raise
        log.info("voice %s (%s) added", voice_id, name)
        return self._described(self.get_voice(voice_id))

    def _described(self, voice: Voice) -> Voice:
        """Refresh the voice's sidecar after a change; returns the voice."""
        write_voice_sidecar(voice, self.root, self.list_voice_clips(voice.id))
        return voice

    def _voice_changed(self, voice_id: str) -> None:
        self._described(self.get_voice(voice_id))

    # -- read --------------------------------------------------------------------------------
    def _voice_from_row(self, r: sqlite3.Row) -> Voice:
        consent = self._read_consent(r["id"])
        orig_path = self._original_path(r["original_sha256"])
        trim = (r["trim_start"], r["trim_end"]) if r["trim_start"] is not None else None
        prons = tuple(json.loads(r["pronunciations"] or "[]"))
        return Voice(
            id=r["id"],
            name=r["name"],
            transcript=r["transcript"],
            reference_path=self._abs(r["reference_rel_path"]),
            reference_sha256=r["reference_sha256"],
            reference_sample_rate=r["reference_sample_rate"],
            reference_duration=r["reference_duration"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            original_path=orig_path,
            original_sha256=r["original_sha256"],
            original_name=r["original_name"],
            trim=trim,
            language=r["language"],
            notes=r["notes"],
            consent=consent,
            pronunciations=prons,
            deleted_at=r["deleted_at"],
            speaker=r["speaker"],
            default_clip_id=r["default_clip_id"],
            photo_path=self._abs(r["photo_rel_path"]) if r["photo_rel_path"] else None,
            photo_sha256=r["photo_sha256"],
        )

    def get_voice(self, voice_id: str) -> Voice:
        """The voice with this id (also when it is in the trash). Raises NotFoundError."""
        with self._lock:
            r = self.conn.execute("SELECT * FROM voices WHERE id = ?", (voice_id,)).fetchone()
            if r is None:
                raise NotFoundError(tr("That voice is not in the library."), detail=str(voice_id))
            return self._voice_from_row(r)

    def list_voices(self, *, include_deleted: bool = False, deleted_only: bool = False) -> list[Voice]:
        """Voices sorted by name; the trash is hidden unless asked for."""
        where = (
            "deleted_at IS NOT NULL" if deleted_only else ("1" if include_deleted else "deleted_at IS NULL")
        )
        with self._lock:
            rows = self.conn.execute(
                f"SELECT * FROM voices WHERE {where} ORDER BY name COLLATE NOCASE, created_at"
            )
            return [self._voice_from_row(r) for r in rows.fetchall()]

    def load_voice_reference(self, voice: Voice | str) -> tuple[np.ndarray, int]:
        """(float32 samples, sample rate) of the trimmed reference."""
        v = voice if isinstance(voice, Voice) else self.get_voice(voice)
        return read_audio(v.reference_path)

    # -- update ------------------------------------------------------------------------------
    def _update(self, voice_id: str, action: str, sql: str, params: tuple) -> Voice:
        with self._lock:
            with transaction(self.conn, action):
                cur = self.conn.execute(
                    f"UPDATE voices SET {sql}, updated_at = ? WHERE id = ?", (*params, utc_now(), voice_id)
                )
                if cur.rowcount == 0:
                    raise NotFoundError(tr("That voice is not in the library."), detail=str(voice_id))
            return self._described(self.get_voice(voice_id))

    def rename_voice(self, voice_id: str, name: str) -> Voice:
        return self._update(voice_id, N_("rename the voice"), "name = ?", (_clean_name(name),))

    def update_transcript(self, voice_id: str, transcript: str) -> Voice:
        """Change what the default clip says (the analysis cache is keyed by the transcript too)."""
        with self._lock, transaction(self.conn, N_("save the transcript")):
            self.conn.execute(
                "UPDATE voice_clips SET transcript = ? WHERE id = ?",
                (transcript.strip(), self._default_clip_id(voice_id)),
            )
            self._mirror_default(voice_id)
        return self._described(self.get_voice(voice_id))

    def set_speaker(self, voice_id: str, speaker: str) -> Voice:
        """Who the speaker is and how they relate to the user ("my grandmother Li Hua")."""
        return self._update(voice_id, N_("save the speaker"), "speaker = ?", (" ".join(speaker.split()),))

    def update_notes(self, voice_id: str, notes: str) -> Voice:
        return self._update(voice_id, N_("save the notes"), "notes = ?", (notes,))

    def set_voice_language(self, voice_id: str, language: str | None) -> Voice:
        return self._update(voice_id, N_("save the language"), "language = ?", (language,))

    def set_voice_pronunciations(self, voice_id: str, entries: Iterable[dict[str, Any]]) -> Voice:
        """Replace the voice's pronunciation overrides (list of {text, replacement, occurrences})."""
        data = json.dumps(_check_pronunciations(entries), ensure_ascii=False)
        return self._update(voice_id, N_("save the pronunciations"), "pronunciations = ?", (data,))

    def replace_reference(
        self, voice_id: str, samples: np.ndarray, sample_rate: int, *, trim: tuple[float, float] | None = None
    ) -> Voice:
        """Store a new trimmed reference (the original is untouched); drops cached prompts."""
        old = self.get_voice(voice_id)
        samples = to_mono(samples, error=InvalidEntryError)
        ref_bytes = encode_wav(samples, sample_rate, subtype=REFERENCE_SUBTYPE, title=old.name)
        new_path = old.reference_path.parent / f"reference-{uuid.uuid4().hex[:8]}.wav"
        atomic_write_bytes(new_path, ref_bytes, what=N_("voice reference"))
        try:
            with self._lock, transaction(self.conn, N_("save the reference")):
                self.conn.execute(
                    "UPDATE voice_clips SET rel_path = ?, sha256 = ?, sample_rate = ?, duration = ?,"
                    " trim_start = ?, trim_end = ? WHERE id = ?",
                    (
                        self._rel(new_path),
                        sha256_bytes(ref_bytes),
                        int(sample_rate),
                        len(samples) / float(sample_rate),
                        trim[0] if trim else None,
                        trim[1] if trim else None,
                        self._default_clip_id(voice_id),
                    ),
                )
                self._mirror_default(voice_id)
            v = self._described(self.get_voice(voice_id))
        except BaseException:
            self._remove_owned(self._rel(new_path))
            raise
        self._remove_owned(self._rel(old.reference_path))
        return v

    # -- trash -------------------------------------------------------------------------------
    def delete_voice(self, voice_id: str) -> Voice:
        """Move to the trash (nothing is removed; restore_voice undoes it)."""
        return self._update(voice_id, N_("delete the voice"), "deleted_at = ?", (utc_now(),))

    def restore_voice(self, voice_id: str) -> Voice:
        return self._update(voice_id, N_("restore the voice"), "deleted_at = NULL", ())

    def purge_voice(self, voice_id: str) -> None:
        """Delete for good: the row, its clips, consent and photo, and each original and photo
        unless something else still uses it. Generations keep the voice's name."""
        with self._lock:
            v = self.get_voice(voice_id)
            clips = self.list_voice_clips(voice_id)
            with transaction(self.conn, N_("delete the voice")):
                self.conn.execute("UPDATE generations SET voice_id = NULL WHERE voice_id = ?", (voice_id,))
                self.conn.execute("DELETE FROM voices WHERE id = ?", (voice_id,))  # clips cascade
                orphans = [
                    self._orphaned_original(sha)
                    for sha in dict.fromkeys(c.original_sha256 for c in clips if c.original_sha256)
                ]
                orphans.append(self._orphaned_photo(v.photo_sha256))
            remove_sidecar(voice_sidecar_path(v))
            for c in clips:
                self._remove_owned(self._rel(c.path))
            self._remove_owned(self._rel(v.reference_path))
            for rel in orphans:
                self._remove_owned(rel)
        log.info("voice %s purged", voice_id)
