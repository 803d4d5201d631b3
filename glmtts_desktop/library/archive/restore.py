"""Put a verified archive's voices, clips and generations into the library, exactly.

Files are copied first (byte for byte, temp → fsync → rename), then every catalogue row is
inserted in one transaction; if anything fails, the files this import created are removed,
so the library either has the whole archive or none of it.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import soundfile as sf

from glmtts_desktop import fsutil
from glmtts_desktop.i18n import N_
from glmtts_desktop.library.archive.index import voice_clips_of
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.files import copy_content_addressed, remove_empty_dirs, storage_error
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.progress import TaskProgress
from glmtts_desktop.library.sidecars import write_generation_sidecar
from glmtts_desktop.library.types import ConsentRecord

_REFERENCE_NAME = re.compile(r"reference-[0-9a-f]{8}\.wav")
_CLIP_COLUMNS = (
    "id",
    "voice_id",
    "rel_path",
    "sha256",
    "sample_rate",
    "duration",
    "transcript",
    "note",
    "trim_start",
    "trim_end",
    "original_sha256",
    "original_name",
    "created_at",
)


@dataclass
class ImportReport:
    voices_added: list[str] = field(default_factory=list)  # names
    voices_skipped: list[str] = field(default_factory=list)
    generations_added: int = 0
    generations_skipped: int = 0


class Restorer:
    def __init__(
        self,
        library: Any,
        data: Path,
        index: dict[str, Any],
        plan: dict[str, str | None],
        progress: TaskProgress | None = None,
    ) -> None:
        self.lib, self.data, self.index, self.plan = library, data, index, plan
        self.progress = progress or TaskProgress(0)
        self.created: list[Path] = []
        self.rows: list[tuple[str, tuple[Any, ...]]] = []
        self.consents: list[tuple[str, ConsentRecord]] = []
        self.report = ImportReport()
        self.voice_map: dict[str, str] = {}  # archive voice id -> id of the voice added
        self.skipped_map: dict[str, str] = {}  # archive voice id -> existing voice it duplicates

    def run(self) -> ImportReport:
        try:
            for v in self.index["voices"]:
                self._voice(v)
            for c in self.index.get("clips", []):
                self._clip(c)
            for g in self.index["generations"]:
                self._generation(g)
            self.progress.check()  # the last point a cancel leaves the library as it was
            with self.lib._lock, transaction(self.lib.conn, N_("import the archive")):
                for sql, params in self.rows:
                    self.lib.conn.execute(sql, params)
                for vid, consent in self.consents:
                    self.lib._write_consent(vid, consent)
        except BaseException:
            for p in reversed(self.created):
                fsutil.remove_quietly(p)
                remove_empty_dirs(p.parent, self.lib.root / AUDIO_DIRNAME)
            raise
        for vid in self.voice_map.values():
            self.lib._described(self.lib.get_voice(vid))
        for sql, params in self.rows:
            if sql.startswith("INSERT INTO generations"):
                write_generation_sidecar(self.lib.get_generation(params[0]))
        return self.report

    # -- files -------------------------------------------------------------------------------
    def _copy(self, rel: str, dest: Path) -> None:
        src = self.data / rel
        if dest.exists():
            return
        try:
            fsutil.atomic_write_via(dest, lambda tmp: shutil.copyfile(src, tmp))
        except OSError as exc:
            raise storage_error(exc, N_("imported file"), dest) from exc
        self.created.append(dest)
        self.progress.advance(src.stat().st_size)

    def _content(self, rel: str, folder: str, what: str) -> tuple[str, Path]:
        existed_before = {p for p in (self.lib.root / AUDIO_DIRNAME / folder).rglob("*")}
        digest, dest, _ = copy_content_addressed(
            self.data / rel, self.lib.root / AUDIO_DIRNAME / folder, what=what
        )
        if dest not in existed_before:
            self.created.append(dest)
        self.progress.advance(dest.stat().st_size)
        return digest, dest

    # -- rows --------------------------------------------------------------------------------
    def _voice(self, v: dict[str, Any]) -> None:
        target = self.plan.get(v["id"])
        if target is None:
            self.skipped_map[v["id"]] = str(self.plan.get("skip:" + v["id"]))
            self.report.voices_skipped.append(v["name"])
            return
        vid = uuid.uuid4().hex if target == "new" else target
        self.voice_map[v["id"]] = vid
        clips = voice_clips_of(v)
        default = next((c for c in clips if c.get("default")), clips[0])
        rows = [self._voice_clip(vid, c) for c in clips]  # files first, rows after the voice's
        d_row = dict(zip(_CLIP_COLUMNS, rows[clips.index(default)][1], strict=True))
        d_id, d_rel, d_orig_sha, d_orig_name = (
            d_row["id"],
            d_row["rel_path"],
            d_row["original_sha256"],
            d_row["original_name"],
        )
        trim = default.get("trim") or (None, None)
        photo_sha, photo_rel = None, None
        if v.get("photo"):
            photo_sha, photo_dest = self._content(v["photo"]["file"], "photos", N_("photo"))
            photo_rel = self.lib._rel(photo_dest)
        self.rows.append(
            (
                "INSERT INTO voices (id, name, transcript, language, notes, original_sha256, original_name, trim_start,"
                " trim_end, reference_rel_path, reference_sha256, reference_sample_rate, reference_duration,"
                " pronunciations, created_at, updated_at, speaker, default_clip_id, photo_sha256, photo_rel_path)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    vid,
                    v["name"],
                    default.get("transcript", v["transcript"]),
                    v.get("language"),
                    v.get("notes", ""),
                    d_orig_sha,
                    d_orig_name,
                    trim[0],
                    trim[1],
                    d_rel,
                    default["sha256"],
                    int(default["sample_rate"]),
                    float(default["duration"]),
                    json.dumps(v.get("pronunciations", []), ensure_ascii=False),
                    v["created_at"],
                    v["updated_at"],
                    v.get("speaker", ""),
                    d_id,
                    photo_sha,
                    photo_rel,
                ),
            )
        )
        self.rows.extend(rows)
        c = v.get("consent")
        if c:
            evidence_path = None
            if c.get("evidence_file"):
                _, evidence_path = self._content(c["evidence_file"], "consent", N_("consent evidence"))
            fields = {
                k: c.get(k)
                for k in (
                    "who",
                    "how",
                    "when",
                    "basis",
                    "relationship",
                    "scope",
                    "revoked_at",
                    "recorded_at",
                    "evidence_sha256",
                    "evidence_name",
                )
            }
            self.consents.append((vid, ConsentRecord(**fields, evidence_path=evidence_path)))
        self.report.voices_added.append(v["name"])

    def _voice_clip(self, vid: str, c: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """Copy one clip of a voice (and its original) into the library; its catalogue row."""
        name = str(c.get("stored_as", ""))
        if not _REFERENCE_NAME.fullmatch(name):
            name = f"reference-{uuid.uuid4().hex[:8]}.wav"
        ref = self.lib.root / AUDIO_DIRNAME / "voices" / vid / name
        self._copy(c["file"], ref)
        orig_sha, orig_name = None, None
        if c.get("original"):
            orig_sha, orig_dest = self._content(c["original"]["file"], "originals", N_("original recording"))
            orig_name = c["original"]["name"]
            self.rows.append(
                (
                    "INSERT OR IGNORE INTO originals (sha256, rel_path, original_name, size_bytes, added_at) VALUES (?,?,?,?,?)",
                    (
                        orig_sha,
                        self.lib._rel(orig_dest),
                        orig_name,
                        orig_dest.stat().st_size,
                        c["created_at"],
                    ),
                )
            )
        clip_id = str(c["id"])
        taken = self.lib.conn.execute("SELECT 1 FROM voice_clips WHERE id = ?", (clip_id,)).fetchone()
        if taken or not re.fullmatch(r"[0-9a-f]{32}", clip_id):
            clip_id = uuid.uuid4().hex
        trim = c.get("trim") or (None, None)
        return (
            f"INSERT INTO voice_clips ({', '.join(_CLIP_COLUMNS)}) VALUES ({','.join('?' * len(_CLIP_COLUMNS))})",
            (
                clip_id,
                vid,
                self.lib._rel(ref),
                c["sha256"],
                int(c["sample_rate"]),
                float(c["duration"]),
                str(c.get("transcript", "")),
                str(c.get("note", "")),
                trim[0],
                trim[1],
                orig_sha,
                orig_name,
                c["created_at"],
            ),
        )

    def _clip(self, c: dict[str, Any]) -> None:
        if self.lib.conn.execute("SELECT 1 FROM clips WHERE sha256 = ?", (c["sha256"],)).fetchone():
            return
        rel = f"{AUDIO_DIRNAME}/clips/{c['sha256'][:2]}/{c['sha256']}.wav"
        self._copy(c["file"], self.lib._abs(rel))
        info = sf.info(str(self.data / c["file"]))
        self.rows.append(
            (
                "INSERT OR IGNORE INTO clips (sha256, rel_path, sample_rate, duration, added_at) VALUES (?,?,?,?,?)",
                (
                    c["sha256"],
                    rel,
                    int(info.samplerate),
                    float(info.duration),
                    c.get("added_at") or "archive",
                ),
            )
        )

    def _generation(self, g: dict[str, Any]) -> None:
        if self.lib.conn.execute("SELECT 1 FROM generations WHERE id = ?", (g["id"],)).fetchone():
            self.report.generations_skipped += 1
            return
        old = g.get("voice_id")
        vid = (self.voice_map.get(old) or self.skipped_map.get(old)) if old else None
        created = g["created_at"]
        rel = f"{AUDIO_DIRNAME}/generations/{created[:4]}/{created[5:7]}/{g['id']}.wav"
        self._copy(g["file"], self.lib._abs(rel))
        self.rows.append(
            (
                "INSERT INTO generations (id, created_at, title, text, voice_id, voice_name, seed, settings, model_info,"
                " app_version, sample_rate, duration, rel_path, sha256, normalized_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    g["id"],
                    created,
                    g.get("title"),
                    g["text"],
                    vid,
                    g.get("voice_name", ""),
                    g.get("seed"),
                    json.dumps(g.get("settings", {}), ensure_ascii=False, sort_keys=True),
                    json.dumps(g.get("model_info", {}), ensure_ascii=False, sort_keys=True),
                    g["app_version"],
                    int(g["sample_rate"]),
                    float(g["duration"]),
                    rel,
                    g["sha256"],
                    g.get("normalized_text", ""),
                ),
            )
        )
        self.report.generations_added += 1
