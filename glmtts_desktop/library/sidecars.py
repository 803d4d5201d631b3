"""JSON sidecars that keep the library folder understandable without the app.

A family may copy ``audio/`` to a USB stick in twenty years; next to each voice's reference
there is a ``voice.json`` (name, transcript, consent, checksums) and next to each generated
clip a ``<id>.json`` (text, seed, settings, model, "AI-generated"). They are convenience
copies of the catalogue, rewritten atomically after each change; the catalogue stays the
source of truth, so a failure to write one is logged, never raised.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glmtts_desktop.i18n import N_
from glmtts_desktop.library.errors import StorageError
from glmtts_desktop.library.files import atomic_write_bytes, remove_file
from glmtts_desktop.library.types import Generation, Voice, VoiceClip

log = logging.getLogger(__name__)

VOICE_SIDECAR = "voice.json"
FORMAT = 1


def _write(path: Path, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")
    try:
        atomic_write_bytes(path, data, what=N_("description file"))
    except StorageError as exc:
        log.warning("could not write sidecar %s: %s", path, exc.detail or exc)


def voice_sidecar_path(voice: Voice) -> Path:
    return voice.reference_path.parent / VOICE_SIDECAR


def write_voice_sidecar(voice: Voice, root: Path, clips: Sequence[VoiceClip] = ()) -> None:
    payload = {
        "format": FORMAT,
        "kind": "voice",
        "id": voice.id,
        "name": voice.name,
        "transcript": voice.transcript,
        "language": voice.language,
        "notes": voice.notes,
        "created_at": voice.created_at,
        "updated_at": voice.updated_at,
        "deleted_at": voice.deleted_at,
        "original": None
        if voice.original_path is None
        else {
            "file": voice.original_path.relative_to(root).as_posix(),
            "name": voice.original_name,
            "sha256": voice.original_sha256,
            "genuine_recording": True,
        },
        "reference": {
            "file": voice.reference_path.name,
            "sha256": voice.reference_sha256,
            "sample_rate": voice.reference_sample_rate,
            "duration_s": voice.reference_duration,
            "trim_s": list(voice.trim) if voice.trim else None,
        },
        "clips": [
            {
                "id": c.id,
                "file": c.path.name,
                "sha256": c.sha256,
                "transcript": c.transcript,
                "note": c.note,
                "duration_s": c.duration,
                "default": c.is_default,
                "original_sha256": c.original_sha256,
            }
            for c in clips
        ],
        "photo": None
        if voice.photo_path is None
        else {"file": voice.photo_path.relative_to(root).as_posix(), "sha256": voice.photo_sha256},
        "consent": None if voice.consent is None else dataclasses.asdict(voice.consent),
        "pronunciations": list(voice.pronunciations),
    }
    _write(voice_sidecar_path(voice), payload)


def generation_sidecar_path(gen: Generation) -> Path:
    return gen.path.with_suffix(".json")


def write_generation_sidecar(gen: Generation, label: str = "") -> None:
    """``label`` is kept for callers of the old signature; the payload has the one label."""
    from glmtts_desktop.library.provenance import provenance_payload

    payload = provenance_payload(gen)
    payload["audio"]["file"] = gen.path.name
    _write(generation_sidecar_path(gen), payload)


def remove_sidecar(path: Path) -> None:
    remove_file(path)
