"""``archive.json``: the archive's own index of voices, clips and generations.

Why an index next to the BagIt manifests: the manifests say which bytes are there, the index
says what they are (which file is whose original, the consent record, the settings of each
generation), so import can rebuild the catalogue exactly, ids and dates included.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path
from typing import Any

from glmtts_desktop.library.errors import NotFoundError
from glmtts_desktop.library.types import Generation, Voice, VoiceClip

ARCHIVE_INDEX = "archive.json"
INDEX_FORMAT = 2  # 2: voices list their clips and photo
READABLE_FORMATS = (1, 2)
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_name(name: str, fallback: str) -> str:
    """A file name that is valid everywhere and cannot climb out of its folder."""
    clean = _UNSAFE.sub("_", name).strip(" ._")[:100]
    return clean or fallback


def _clip_entry(
    base: str, c: VoiceClip, files: list[tuple[str, Path]], originals: dict[str, str]
) -> dict[str, Any]:
    """One clip: the default one is ``reference.wav`` (as in format 1), the others
    ``clips/<id>.wav`` with a ``clips/<id>.txt`` transcript; each original once per voice."""
    rel = f"{base}/reference.wav" if c.is_default else f"{base}/clips/{c.id}.wav"
    files.append((rel, c.path))
    entry: dict[str, Any] = {
        "id": c.id,
        "file": rel,
        "sha256": c.sha256,
        "sample_rate": c.sample_rate,
        "duration": c.duration,
        "stored_as": c.path.name,
        "transcript": c.transcript,
        "note": c.note,
        "trim": list(c.trim) if c.trim else None,
        "created_at": c.created_at,
        "default": c.is_default,
        "original": None,
    }
    if c.original_path is not None and c.original_sha256:
        orel = originals.get(c.original_sha256)
        if orel is None:
            name = safe_name(c.original_name or "", c.original_sha256 + c.original_path.suffix)
            orel = f"{base}/original/{name}"
            if orel in originals.values():  # two different originals with one name
                orel = f"{base}/original/{c.original_sha256[:8]}-{name}"
            originals[c.original_sha256] = orel
            files.append((orel, c.original_path))
        entry["original"] = {"file": orel, "sha256": c.original_sha256, "name": c.original_name}
    return entry


def voice_entry(v: Voice, clips: list[VoiceClip], files: list[tuple[str, Path]]) -> dict[str, Any]:
    base = f"voices/{v.id}"
    originals: dict[str, str] = {}
    clip_entries = [_clip_entry(base, c, files, originals) for c in clips]
    default = next(e for e in clip_entries if e["default"])
    entry: dict[str, Any] = {
        "id": v.id,
        "name": v.name,
        "speaker": v.speaker,
        "transcript": v.transcript,
        "language": v.language,
        "notes": v.notes,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "trim": default["trim"],
        "pronunciations": list(v.pronunciations),
        # the default clip, as format 1 described the one reference
        "reference": {k: default[k] for k in ("file", "sha256", "sample_rate", "duration", "stored_as")},
        "original": default["original"],
        "clips": clip_entries,
        "photo": None,
        "consent": None,
    }
    if v.photo_path is not None and v.photo_sha256:
        rel = f"{base}/photo{v.photo_path.suffix}"
        entry["photo"] = {"file": rel, "sha256": v.photo_sha256}
        files.append((rel, v.photo_path))
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


def voice_clips_of(v: dict[str, Any]) -> list[dict[str, Any]]:
    """The clips of an archive voice: format 2 lists them; format 1 had one reference, which
    becomes the one default clip (with a fresh id)."""
    if v.get("clips"):
        return list(v["clips"])
    ref = v["reference"]
    return [
        {
            "id": uuid.uuid4().hex,
            "file": ref["file"],
            "sha256": ref["sha256"],
            "sample_rate": ref["sample_rate"],
            "duration": ref["duration"],
            "stored_as": ref.get("stored_as", ""),
            "transcript": v.get("transcript", ""),
            "note": "",
            "trim": v.get("trim"),
            "created_at": v["created_at"],
            "default": True,
            "original": v.get("original"),
        }
    ]


def clip_transcripts(v: dict[str, Any]) -> dict[str, str]:
    """The plain-text transcripts written next to a voice's clips (payload path → text)."""
    out = {f"voices/{v['id']}/transcript.txt": v["transcript"]}
    for c in v.get("clips") or ():
        if not c["default"]:
            out[c["file"][: -len(".wav")] + ".txt"] = c["transcript"]
    return out


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
    v_entries = [voice_entry(v, library.list_voice_clips(v.id), files) for v in voices]
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
        "transcripts": {rel: text for e in v_entries for rel, text in clip_transcripts(e).items()},
    }
    return index, files
