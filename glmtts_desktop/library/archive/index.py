"""``archive.json``: the archive's own index of voices, clips and generations.

Why an index next to the BagIt manifests: the manifests say which bytes are there, the index
says what they are (which file is whose original, the consent record, the settings of each
generation), so import can rebuild the catalogue exactly, ids and dates included.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from glmtts_desktop.library.errors import NotFoundError
from glmtts_desktop.library.types import Generation, Voice

ARCHIVE_INDEX = "archive.json"
INDEX_FORMAT = 1
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_name(name: str, fallback: str) -> str:
    """A file name that is valid everywhere and cannot climb out of its folder."""
    clean = _UNSAFE.sub("_", name).strip(" ._")[:100]
    return clean or fallback


def voice_entry(v: Voice, files: list[tuple[str, Path]]) -> dict[str, Any]:
    base = f"voices/{v.id}"
    entry: dict[str, Any] = {
        "id": v.id,
        "name": v.name,
        "speaker": v.speaker,
        "transcript": v.transcript,
        "language": v.language,
        "notes": v.notes,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "trim": list(v.trim) if v.trim else None,
        "pronunciations": list(v.pronunciations),
        "reference": {
            "file": f"{base}/reference.wav",
            "sha256": v.reference_sha256,
            "sample_rate": v.reference_sample_rate,
            "duration": v.reference_duration,
            "stored_as": v.reference_path.name,
        },
        "original": None,
        "consent": None,
    }
    files.append((f"{base}/reference.wav", v.reference_path))
    if v.original_path is not None and v.original_sha256:
        rel = (
            f"{base}/original/{safe_name(v.original_name or '', v.original_sha256 + v.original_path.suffix)}"
        )
        entry["original"] = {"file": rel, "sha256": v.original_sha256, "name": v.original_name}
        files.append((rel, v.original_path))
    if v.consent is not None:
        c = dataclasses.asdict(v.consent)
        c.pop("evidence_path")
        c["evidence_file"] = None
        if v.consent.evidence_path is not None:
            name = safe_name(v.consent.evidence_name or "", "evidence" + v.consent.evidence_path.suffix)
            c["evidence_file"] = f"{base}/consent/{name}"
            files.append((c["evidence_file"], v.consent.evidence_path))
        entry["consent"] = c
    return entry


def generation_entry(g: Generation, files: list[tuple[str, Path]]) -> dict[str, Any]:
    rel = f"generations/{g.id}.wav"
    files.append((rel, g.path))
    side = g.path.with_suffix(".json")
    if side.is_file():
        files.append((f"generations/{g.id}.json", side))
    return {
        "id": g.id,
        "created_at": g.created_at,
        "title": g.title,
        "text": g.text,
        "normalized_text": g.normalized_text,
        "voice_id": g.voice_id,
        "voice_name": g.voice_name,
        "seed": g.seed,
        "settings": g.settings,
        "model_info": g.model_info,
        "app_version": g.app_version,
        "sample_rate": g.sample_rate,
        "duration": g.duration,
        "file": rel,
        "sha256": g.sha256,
        "ai_generated": True,
    }


def build_index(library: Any, voice_ids: list[str] | None) -> tuple[dict[str, Any], list[tuple[str, Path]]]:
    """(index, [(payload-relative path, source file)]); the whole library when ``voice_ids`` is
    None (every live voice and generation), else those voices and their generations."""
    if voice_ids is None:
        voices = library.list_voices()
    else:
        voices = [library.get_voice(vid) for vid in dict.fromkeys(voice_ids)]
    files: list[tuple[str, Path]] = []
    v_entries = [voice_entry(v, files) for v in voices]
    gens: list[Generation] = []
    if voice_ids is None:
        gens = library.list_generations(limit=1 << 62)
    else:
        for vid in dict.fromkeys(voice_ids):
            gens += library.list_generations(limit=1 << 62, voice_id=vid)
    g_entries = [generation_entry(g, files) for g in sorted(gens, key=lambda g: g.created_at)]
    clips: list[dict[str, Any]] = []
    for digest in sorted(
        {str(g.settings["reference_clip"]) for g in gens if g.settings.get("reference_clip")}
    ):
        try:
            path = library.clip_path(digest)
        except NotFoundError:
            continue
        rel = f"clips/{digest}.wav"
        files.append((rel, path))
        clips.append({"sha256": digest, "file": rel})
    index = {
        "format": INDEX_FORMAT,
        "app_version": library.app_version,
        "voices": v_entries,
        "generations": g_entries,
        "clips": clips,
        "transcripts": {f"voices/{e['id']}/transcript.txt": e["transcript"] for e in v_entries},
    }
    return index, files
