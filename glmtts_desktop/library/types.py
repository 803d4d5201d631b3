"""Value types the library hands out: plain frozen dataclasses, safe to keep in the GUI."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONSENT_BASES = ("self", "permission", "family", "other")


def utc_now() -> str:
    """UTC timestamp in ISO 8601 with milliseconds; sorts correctly as text."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ConsentRecord:
    """Who agreed to their voice being cloned, when, and how.

    ``basis``: "self" (my own voice), "permission" (the speaker agreed), "family" (family or
    estate authorised it, e.g. after death) or "other". ``how`` is a short free text ("spoken
    consent recorded on 2026-05-01", "signed letter"). ``scope`` limits use ("private family
    use, no publishing"). ``revoked_at`` set means consent was withdrawn: the GUI should stop
    offering the voice for new generations.
    """

    who: str
    how: str
    when: str = field(default_factory=lambda: _dt.date.today().isoformat())
    basis: str = "self"
    relationship: str = ""
    scope: str = ""
    revoked_at: str | None = None
    recorded_at: str | None = None  # set by the library when stored
    evidence_path: Path | None = None  # kept copy of a consent clip or scanned letter
    evidence_sha256: str | None = None
    evidence_name: str | None = None  # the file's name when it was attached

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class Voice:
    """A voice in the library.

    ``original_path`` is the untouched file the user imported or recorded (None when the
    voice was made from samples alone); ``reference_path`` the trimmed clip used for
    synthesis. ``trim`` is (start_s, end_s) of the reference within the original when known.
    ``pronunciations`` are dicts {"text", "replacement", "occurrences"} (the fields of
    engine.types.PronunciationOverride).
    """

    id: str
    name: str
    transcript: str
    reference_path: Path
    reference_sha256: str
    reference_sample_rate: int
    reference_duration: float
    created_at: str
    updated_at: str
    original_path: Path | None = None
    original_sha256: str | None = None
    original_name: str | None = None
    trim: tuple[float, float] | None = None
    language: str | None = None
    notes: str = ""
    consent: ConsentRecord | None = None
    pronunciations: tuple[dict[str, Any], ...] = ()
    deleted_at: str | None = None
    speaker: str = ""  # who the speaker is, relation to the user ("my grandmother Li Hua")
    default_clip_id: str | None = None  # the clip whose audio and transcript are the reference
    photo_path: Path | None = None  # optional photo of the speaker (PNG, JPEG or WebP)
    photo_sha256: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class VoiceClip:
    """One reference clip of a voice: its audio, what it says, where it was cut from.

    A voice owns one or more clips; the default one is what generation uses (and what the
    voice's ``reference_*`` / ``transcript`` / ``trim`` / ``original_*`` fields describe).
    """

    id: str
    voice_id: str
    path: Path
    sha256: str
    sample_rate: int
    duration: float
    transcript: str
    created_at: str
    note: str = ""
    trim: tuple[float, float] | None = None
    original_path: Path | None = None
    original_sha256: str | None = None
    original_name: str | None = None
    is_default: bool = False


@dataclass(frozen=True)
class Generation:
    """One synthesised clip and everything needed to reproduce it later."""

    id: str
    created_at: str
    text: str
    voice_id: str | None
    voice_name: str
    seed: int | None
    settings: dict[str, Any]
    model_info: dict[str, Any]
    app_version: str
    sample_rate: int
    duration: float
    path: Path
    rel_path: str
    sha256: str
    title: str | None = None
    deleted_at: str | None = None
    normalized_text: str = ""  # the text as the model read it (segments joined by newlines)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def display_title(self) -> str:
        """The title, or the start of the text when there is none."""
        if self.title:
            return self.title
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 40 else flat[:39] + "…"
