"""Generations (history): every clip the user made, with what is needed to make it again.

The WAV is written and fsynced before its row is inserted; if inserting fails, the file is
removed again. So after any failure (full disk, crash) the catalogue lists only complete
files. Each WAV also carries the provenance tags (RIFF INFO + bext, see provenance.py), so a
copied file still says what it is.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from typing import Any

import numpy as np

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import InvalidEntryError, NotFoundError
from glmtts_desktop.library.files import atomic_write_bytes, read_audio
from glmtts_desktop.library.hashing import sha256_bytes
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.provenance import AI_LABEL, Provenance, tagged_wav
from glmtts_desktop.library.sidecars import generation_sidecar_path, remove_sidecar, write_generation_sidecar
from glmtts_desktop.library.types import Generation, utc_now

log = logging.getLogger(__name__)

GENERATION_SUBTYPE = "PCM_16"


def _json(value: dict[str, Any] | None, what: str) -> str:
    try:
        return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise InvalidEntryError(tr("The {what} cannot be stored.", what=tr(what)), detail=str(exc)) from exc


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(
    search: str | None, *, include_deleted: bool, deleted_only: bool = False
) -> tuple[list[str], list[str]]:
    """SQL conditions and their parameters shared by listing and counting generations, so the
    count always matches what the list shows."""
    where: list[str] = []
    params: list[str] = []
    if deleted_only:
        where.append("deleted_at IS NOT NULL")
    elif not include_deleted:
        where.append("deleted_at IS NULL")
    if search and search.strip():
        pat = _like_pattern(search.strip())
        where.append("(text LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR voice_name LIKE ? ESCAPE '\\')")
        params += [pat, pat, pat]
    return where, params


class GenerationStore(LibraryState):
    """Generation methods of ``Library`` (a mixin; see store.py for the shared state)."""

    def add_generation(
        self,
        text: str,
        voice_id: str | None,
        voice_name: str,
        seed: int | None,
        settings: dict[str, Any],
        samples: np.ndarray,
        sample_rate: int,
        *,
        title: str | None = None,
        model_info: dict[str, Any] | None = None,
        normalized_text: str = "",
    ) -> Generation:
        """Save a generated clip (WAV, 16-bit) and its catalogue row.

        ``settings``: engine settings (method, flow steps, use_phoneme, overrides,
        normalised text...), ``model_info``: model revision/hash, sample rate, device. Raises
        DiskFullError (nothing saved) when the disk is full.
        """
        if not text.strip():
            raise InvalidEntryError(tr("A generation needs its text."))
        samples = np.asarray(samples)
        if samples.size == 0 or sample_rate <= 0:
            raise InvalidEntryError(tr("The generated audio is empty."))
        settings_json, model_json = _json(settings, "settings"), _json(model_info, "model information")
        gen_id = uuid.uuid4().hex
        created = utc_now()
        rel = f"{AUDIO_DIRNAME}/generations/{created[:4]}/{created[5:7]}/{gen_id}.wav"
        model_info = dict(model_info or {})
        prov = Provenance(
            generation_id=gen_id,
            created_at=created,
            text=text,
            title=title,
            voice_name=voice_name or "",
            app_version=self.app_version,
            model_revision=str(model_info.get("revision", "") or "unknown"),
            model_fingerprint=str(model_info.get("fingerprint", "")),
        )
        data = tagged_wav(samples, sample_rate, prov, subtype=GENERATION_SUBTYPE)
        path = self._abs(rel)
        atomic_write_bytes(path, data, what=N_("generated audio"))
        try:
            with self._lock, transaction(self.conn, N_("save the generation")):
                self._insert_generation_row(
                    (
                        gen_id,
                        created,
                        title,
                        text,
                        voice_id,
                        voice_name or "",
                        seed,
                        settings_json,
                        model_json,
                        self.app_version,
                        int(sample_rate),
                        len(samples) / float(sample_rate),
                        rel,
                        sha256_bytes(data),
                        normalized_text,
                    )
                )
        except BaseException:
            self._remove_owned(rel)
            raise
        log.info("generation %s saved (%.1f s)", gen_id, len(samples) / float(sample_rate))
        g = self.get_generation(gen_id)
        write_generation_sidecar(g, AI_LABEL)
        return g

    def _insert_generation_row(self, values: tuple) -> None:
        self.conn.execute(
            "INSERT INTO generations (id, created_at, title, text, voice_id, voice_name, seed, settings,"
            " model_info, app_version, sample_rate, duration, rel_path, sha256, normalized_text)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            values,
        )

    def _generation_from_row(self, r: sqlite3.Row) -> Generation:
        return Generation(
            id=r["id"],
            created_at=r["created_at"],
            text=r["text"],
            voice_id=r["voice_id"],
            voice_name=r["voice_name"],
            seed=r["seed"],
            settings=json.loads(r["settings"]),
            model_info=json.loads(r["model_info"]),
            app_version=r["app_version"],
            sample_rate=r["sample_rate"],
            duration=r["duration"],
            path=self._abs(r["rel_path"]),
            rel_path=r["rel_path"],
            sha256=r["sha256"],
            title=r["title"],
            deleted_at=r["deleted_at"],
            normalized_text=r["normalized_text"],
        )

    def get_generation(self, generation_id: str) -> Generation:
        """The generation with this id (also when in the trash). Raises NotFoundError."""
        with self._lock:
            r = self.conn.execute("SELECT * FROM generations WHERE id = ?", (generation_id,)).fetchone()
            if r is None:
                raise NotFoundError(tr("That generation is not in the library."), detail=str(generation_id))
            return self._generation_from_row(r)

    def list_generations(
        self,
        limit: int = 100,
        offset: int = 0,
        search: str | None = None,
        *,
        voice_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        include_deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[Generation]:
        """Newest first. ``search`` matches text, title or voice name (case-insensitive for ASCII);
        ``since``/``until`` are ISO dates or timestamps (UTC), ``until`` a date includes that day."""
        where, params = _filters(search, include_deleted=include_deleted, deleted_only=deleted_only)
        if voice_id is not None:
            where.append("voice_id = ?")
            params.append(voice_id)
        if since:
            where.append("created_at >= ?")
            params.append(since)
        if until:
            where.append("created_at <= ?")
            params.append(until + "\uffff" if len(until) == 10 else until)
        sql = "SELECT * FROM generations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self.conn.execute(sql, (*params, int(limit), int(offset))).fetchall()
            return [self._generation_from_row(r) for r in rows]

    def count_generations(self, search: str | None = None, *, include_deleted: bool = False) -> int:
        where, params = _filters(search, include_deleted=include_deleted)
        where.insert(0, "1")  # a valid WHERE when nothing filters
        with self._lock:
            return int(
                self.conn.execute(
                    f"SELECT COUNT(*) FROM generations WHERE {' AND '.join(where)}", params
                ).fetchone()[0]
            )

    def _set(self, generation_id: str, action: str, sql: str, params: tuple) -> Generation:
        with self._lock:
            with transaction(self.conn, action):
                cur = self.conn.execute(
                    f"UPDATE generations SET {sql} WHERE id = ?", (*params, generation_id)
                )
                if cur.rowcount == 0:
                    raise NotFoundError(
                        tr("That generation is not in the library."), detail=str(generation_id)
                    )
            g = self.get_generation(generation_id)
        write_generation_sidecar(g, AI_LABEL)
        return g

    def rename_generation(self, generation_id: str, title: str | None) -> Generation:
        """Set the title (None or blank clears it; the list then shows the text)."""
        clean = " ".join((title or "").split()) or None
        return self._set(generation_id, N_("rename the generation"), "title = ?", (clean,))

    def delete_generation(self, generation_id: str) -> Generation:
        """Move to the trash (the file stays; restore_generation undoes it)."""
        return self._set(generation_id, N_("delete the generation"), "deleted_at = ?", (utc_now(),))

    def restore_generation(self, generation_id: str) -> Generation:
        return self._set(generation_id, N_("restore the generation"), "deleted_at = NULL", ())

    def purge_generation(self, generation_id: str) -> None:
        """Delete for good: the row first, then the file (a crash in between leaves only an
        unlisted file, never a row without its file)."""
        with self._lock:
            g = self.get_generation(generation_id)
            with transaction(self.conn, N_("delete the generation")):
                self.conn.execute("DELETE FROM generations WHERE id = ?", (generation_id,))
            remove_sidecar(generation_sidecar_path(g))
            self._remove_owned(g.rel_path)

    def load_generation_audio(self, generation: Generation | str) -> tuple[np.ndarray, int]:
        """(float32 samples, sample rate) of a generation's WAV."""
        g = generation if isinstance(generation, Generation) else self.get_generation(generation)
        return read_audio(g.path)
