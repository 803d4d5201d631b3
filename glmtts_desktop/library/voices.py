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
import soundfile as sf

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.consent import check_consent
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import InvalidEntryError, NotFoundError
from glmtts_desktop.library.files import (
    atomic_write_bytes,
    copy_content_addressed,
    encode_wav,
    read_audio,
)
from glmtts_desktop.library.hashing import sha256_bytes
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.sidecars import remove_sidecar, voice_sidecar_path, write_voice_sidecar
from glmtts_desktop.library.types import ConsentRecord, Voice, utc_now
from glmtts_desktop.mono import to_mono

log = logging.getLogger(__name__)

# 32-bit float: the reference keeps exactly the samples the engine analysed, so a saved voice
# reuses the analysis of the clip it was saved from and speaks exactly like it
REFERENCE_SUBTYPE = "FLOAT"


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


MAX_REFERENCE_S = 120.0  # a longer file must be trimmed by the caller first


def _decode_file(path: Path) -> tuple[np.ndarray, int]:
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


class VoiceStore(LibraryState):
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
        original: Path | None
        if isinstance(reference, (str, Path)):
            ref_file = Path(reference)
            samples, sr = _decode_file(ref_file)
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
        voice_id = uuid.uuid4().hex
        ref_bytes = encode_wav(
            samples,
            sr,
            subtype=REFERENCE_SUBTYPE,
            title=name,
            comment="Voice reference (trimmed from the original recording)",
        )
        ref_path = self.root / AUDIO_DIRNAME / "voices" / voice_id / f"reference-{uuid.uuid4().hex[:8]}.wav"
        orig_info = None
        orig_existed = False
        try:
            if original is not None:
                originals_dir = self.root / AUDIO_DIRNAME / "originals"
                with self._lock:  # dedupe is decided by content, after the copy
                    orig_sha, orig_dest, size = copy_content_addressed(original, originals_dir)
                    orig_existed = (
                        self.conn.execute("SELECT 1 FROM originals WHERE sha256 = ?", (orig_sha,)).fetchone()
                        is not None
                    )
                orig_info = (orig_sha, self._rel(orig_dest), original.name, size)
            atomic_write_bytes(ref_path, ref_bytes, what=N_("voice reference"))
            now = utc_now()
            with self._lock, transaction(self.conn, N_("add the voice")):
                if orig_info is not None:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO originals (sha256, rel_path, original_name, size_bytes, added_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (*orig_info, now),
                    )
                self.conn.execute(
                    "INSERT INTO voices (id, name, transcript, language, notes, original_sha256, original_name,"
                    " trim_start, trim_end, reference_rel_path, reference_sha256, reference_sample_rate,"
                    " reference_duration, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        voice_id,
                        name,
                        transcript.strip(),
                        language,
                        notes,
                        orig_info[0] if orig_info else None,
                        orig_info[2] if orig_info else None,
                        trim[0] if trim else None,
                        trim[1] if trim else None,
                        self._rel(ref_path),
                        sha256_bytes(ref_bytes),
                        sr,
                        len(samples) / float(sr),
                        now,
                        now,
                    ),
                )
                if consent is not None:
                    self._write_consent(voice_id, consent)
        except BaseException:
            self._remove_owned(self._rel(ref_path))
            if orig_info is not None and not orig_existed:
                with self._lock:
                    still_used = self.conn.execute(
                        "SELECT 1 FROM originals WHERE sha256 = ?", (orig_info[0],)
                    ).fetchone()
                if not still_used:
                    self._remove_owned(orig_info[1])
            raise
        log.info("voice %s (%s) added", voice_id, name)
        return self._described(self.get_voice(voice_id))

    def _described(self, voice: Voice) -> Voice:
        """Refresh the voice's sidecar after a change; returns the voice."""
        write_voice_sidecar(voice, self.root)
        return voice

    # -- read --------------------------------------------------------------------------------
    def _voice_from_row(self, r: sqlite3.Row) -> Voice:
        consent = self._read_consent(r["id"])
        orig_path = None
        if r["original_sha256"]:
            o = self.conn.execute(
                "SELECT rel_path FROM originals WHERE sha256 = ?", (r["original_sha256"],)
            ).fetchone()
            orig_path = self._abs(o["rel_path"]) if o else None
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
        """Change what the reference says (the analysis cache is keyed by the transcript too)."""
        return self._update(voice_id, N_("save the transcript"), "transcript = ?", (transcript.strip(),))

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
            v = self._update(
                voice_id,
                N_("save the reference"),
                "reference_rel_path = ?, reference_sha256 = ?, reference_sample_rate = ?,"
                " reference_duration = ?, trim_start = ?, trim_end = ?",
                (
                    self._rel(new_path),
                    sha256_bytes(ref_bytes),
                    int(sample_rate),
                    len(samples) / float(sample_rate),
                    trim[0] if trim else None,
                    trim[1] if trim else None,
                ),
            )
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
        """Delete for good: the row, its consent and cache, its reference, and its original
        unless another voice shares it. Generations keep the voice's name."""
        with self._lock:
            v = self.get_voice(voice_id)
            with transaction(self.conn, N_("delete the voice")):
                self.conn.execute("UPDATE generations SET voice_id = NULL WHERE voice_id = ?", (voice_id,))
                self.conn.execute("DELETE FROM voices WHERE id = ?", (voice_id,))
                orphan = None
                if (
                    v.original_sha256
                    and not self.conn.execute(
                        "SELECT 1 FROM voices WHERE original_sha256 = ?", (v.original_sha256,)
                    ).fetchone()
                ):
                    orphan = self.conn.execute(
                        "SELECT rel_path FROM originals WHERE sha256 = ?", (v.original_sha256,)
                    ).fetchone()
                    self.conn.execute("DELETE FROM originals WHERE sha256 = ?", (v.original_sha256,))
            remove_sidecar(voice_sidecar_path(v))
            self._remove_owned(self._rel(v.reference_path))
            if orphan is not None:
                self._remove_owned(orphan["rel_path"])
        log.info("voice %s purged", voice_id)
