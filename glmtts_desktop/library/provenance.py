"""Provenance in every file that leaves the app: tags, label, sidecar, default name.

Why: a synthetic clip copied off the PC must still say that it is AI-generated speech, whose
voice it imitates, when and with which app and model it was made (EU AI Act Art. 50 asks for
machine-readable marking), and carry enough (the JSON sidecar) to make the same audio again.
WAV gets RIFF INFO + Broadcast-WAV ``bext`` (our writer in ``riff_tags``); FLAC and Ogg get
Vorbis comments (mutagen). Real recordings never get these tags.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glmtts_desktop import fsutil
from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library.errors import InvalidEntryError
from glmtts_desktop.library.files import (
    atomic_write_bytes,
    encode_wav,
    read_audio,
    sha256_file,
    storage_error,
)
from glmtts_desktop.library.riff_tags import Bext, with_tags
from glmtts_desktop.library.types import Generation

log = logging.getLogger(__name__)

AI_LABEL = "AI-generated speech (synthetic voice), made with GLM-TTS Desktop"
APP_NAME = "GLM-TTS Desktop"
EXPORT_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}
SIDECAR_FORMAT = 1


@dataclass(frozen=True)
class Provenance:
    """What every exported file says about itself."""

    generation_id: str
    created_at: str  # ISO 8601 UTC
    text: str
    title: str | None
    voice_name: str
    app_version: str
    model_revision: str
    model_fingerprint: str

    @classmethod
    def of(cls, g: Generation) -> Provenance:
        return cls(
            generation_id=g.id,
            created_at=g.created_at,
            text=g.text,
            title=g.title,
            voice_name=g.voice_name,
            app_version=g.app_version,
            model_revision=str(g.model_info.get("revision", "") or "unknown"),
            model_fingerprint=str(g.model_info.get("fingerprint", "")),
        )

    @property
    def software(self) -> str:
        return f"{APP_NAME} {self.app_version}; model {self.model_revision}"

    @property
    def display_title(self) -> str:
        flat = " ".join((self.title or self.text).split())
        return flat[:80]

    def info_fields(self) -> dict[str, str]:
        """RIFF INFO: title, artist = the imitated voice, comment = the label, date, software."""
        return {
            "INAM": self.display_title,
            "IART": f"{self.voice_name} (synthetic voice)",
            "ICMT": f"{AI_LABEL}. Voice: {self.voice_name}. Generation {self.generation_id}.",
            "ICRD": self.created_at[:10],
            "ISFT": self.software,
            "IGNR": "AI-generated speech",
            "IKEY": "AI-generated; synthetic speech; voice clone",
            "ISRC": f"{APP_NAME} generation {self.generation_id}",
        }

    def bext(self) -> Bext:
        return Bext(
            description=f"{AI_LABEL}. Voice: {self.voice_name}. Model {self.model_revision}.",
            originator=APP_NAME,
            originator_reference=self.generation_id[:32],
            date=self.created_at[:10],
            time=self.created_at[11:19],
            coding_history=f"A=PCM,T={self.software}; AI-generated speech",
        )

    def vorbis_comments(self) -> dict[str, str]:
        return {
            "TITLE": self.display_title,
            "ARTIST": f"{self.voice_name} (synthetic voice)",
            "DATE": self.created_at[:10],
            "COMMENT": f"{AI_LABEL}. Voice: {self.voice_name}.",
            "DESCRIPTION": AI_LABEL,
            "GENRE": "AI-generated speech",
            "ENCODER": self.software,
            "AI_GENERATED": "yes",
            "SYNTHETIC_VOICE": self.voice_name,
            "APP_VERSION": self.app_version,
            "MODEL_REVISION": self.model_revision,
            "GENERATION_ID": self.generation_id,
        }


def tagged_wav(samples: np.ndarray, sample_rate: int, prov: Provenance, *, subtype: str = "PCM_16") -> bytes:
    """WAV bytes of ``samples`` carrying the INFO and bext provenance chunks."""
    return with_tags(encode_wav(samples, sample_rate, subtype=subtype), prov.info_fields(), prov.bext())


def provenance_payload(g: Generation) -> dict[str, Any]:
    """The JSON sidecar: everything needed to know what this is and to make it again."""
    s = dict(g.settings)
    return {
        "format": SIDECAR_FORMAT,
        "kind": "generation",
        "ai_generated": True,
        "label": AI_LABEL,
        "id": g.id,
        "title": g.title,
        "text": g.text,
        "normalized_text": g.normalized_text,
        "voice": {"id": g.voice_id, "name": g.voice_name, "transcript": s.get("transcript", "")},
        "overrides": s.get("overrides", []),
        "seed": g.seed,
        "settings": s,
        "model": g.model_info,
        "weights_fingerprint": g.model_info.get("fingerprint", ""),
        "app": {"name": APP_NAME, "version": g.app_version},
        "created_at": g.created_at,
        "deleted_at": g.deleted_at,
        "audio": {"sample_rate": g.sample_rate, "duration_s": g.duration, "sha256": g.sha256},
    }


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def default_export_name(g: Generation, suffix: str = ".wav") -> str:
    """ "<title, or voice name> <yyyy-mm-dd>.wav": meaningful, and a valid name everywhere."""
    base = g.title or g.voice_name or "speech"
    base = " ".join(_UNSAFE.sub(" ", base).split()).strip(" .")[:60] or "speech"
    return f"{base} {g.created_at[:10]}{suffix}"


def sidecar_path(out: Path) -> Path:
    return out.with_suffix(".json")


def export_generation(library: Any, g: Generation, out: Path) -> Path:
    """Write the stored generation ``g`` to ``out`` (.wav/.flac/.ogg) with tags and a sidecar."""
    check_export_name(out)
    samples, sr = read_audio(g.path)
    return export_audio(out, samples, sr, g)


def check_export_name(out: Path) -> None:
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise InvalidEntryError(
            tr("Cannot write audio as '{suffix}'.", suffix=out.suffix),
            hint=tr("Choose a .wav, .flac or .ogg file name."),
        )


def export_audio(out: Path, samples: np.ndarray, sr: int, g: Generation) -> Path:
    """The one writer of synthetic audio that leaves the app: ``samples`` described by ``g``
    (stored or not) go to ``out`` with embedded tags, and ``<out>.json`` gets the sidecar."""
    check_export_name(out)
    write_tagged(out, samples, sr, Provenance.of(g))
    payload = provenance_payload(g)
    payload["audio"].update(file=out.name, sha256=sha256_file(out), library_sha256=g.sha256 or None)
    atomic_write_bytes(
        sidecar_path(out),
        json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
        what=N_("description file"),
    )
    log.info("generation %s written to %s", g.id, out)
    return out


def write_tagged(out: Path, samples: np.ndarray, sr: int, prov: Provenance) -> None:
    """Publish an audio file with provenance tags atomically (temp, fsync, rename)."""
    suffix = out.suffix.lower()
    if suffix == ".wav":
        atomic_write_bytes(out, tagged_wav(samples, sr, prov), what=N_("exported audio"))
        return

    def write(tmp: Path) -> None:
        import soundfile as sf
        from mutagen import File as MutagenFile

        sf.write(
            str(tmp),
            samples,
            sr,
            format=EXPORT_FORMATS[suffix],
            subtype="VORBIS" if suffix == ".ogg" else None,
        )
        tagged = MutagenFile(str(tmp))
        if tagged is None:  # pragma: no cover - mutagen reads every format we write
            raise OSError(f"cannot tag {tmp}")
        if tagged.tags is None:
            tagged.add_tags()
        for key, value in prov.vorbis_comments().items():
            tagged[key] = value
        tagged.save()

    try:
        fsutil.atomic_write_via(out, write)
    except OSError as exc:
        raise storage_error(exc, N_("exported audio"), out) from exc
