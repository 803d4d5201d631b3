"""Voice use cases of the Studio: add without silent duplicates, rename, trash, consent.

Why here and not in the library: "is this the same voice?" and "ask before keeping two" are
product rules, decided on decoded audio and names; the library only stores what it is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.i18n import tr
from glmtts_desktop.library import ConsentRecord, Library, Voice, VoiceClip
from glmtts_desktop.library.clips import clip_digest
from glmtts_desktop.library.files import read_audio
from glmtts_desktop.library.photos import read_photo
from glmtts_desktop.studio.errors import DuplicateVoiceError
from glmtts_desktop.studio.types import DUPLICATE_POLICIES, DuplicatePolicy

log = logging.getLogger(__name__)


def _reference_digest(samples: np.ndarray, sr: int) -> str:
    """Digest of a reference as the library stores it (float32 samples), so a clip compares
    equal to the stored reference it came from."""
    return clip_digest(np.asarray(samples, dtype=np.float32), sr)


@dataclass(frozen=True)
class ClipRemoved:
    """What removing a clip did: ``new_default`` is set when the removed clip was the default,
    and ``message`` says so in the user's language (empty otherwise)."""

    removed_id: str
    new_default: VoiceClip | None
    message: str = ""


class VoiceOps:
    @property
    def library(self) -> Library:  # pragma: no cover - provided by Studio
        raise NotImplementedError

    def list_voices(self, *, trash: bool = False) -> list[Voice]:
        """Saved voices by name; ``trash=True`` lists the trash instead."""
        return self.library.list_voices(deleted_only=trash)

    def get_voice(self, voice_id: str) -> Voice:
        return self.library.get_voice(voice_id)

    def find_voice(self, name: str) -> Voice | None:
        """The live voice with this name (case-insensitive), if any."""
        key = " ".join(name.split()).casefold()
        for v in self.library.list_voices():
            if v.name.casefold() == key:
                return v
        return None

    def find_duplicate(
        self, name: str, samples: np.ndarray | None, sr: int | None, original: Path | None = None
    ) -> Voice | None:
        """A live voice with the same name, the same original file or the same reference audio."""
        from glmtts_desktop.library.files import sha256_file

        same_name = self.find_voice(name)
        if same_name is not None:
            return same_name
        original_sha = sha256_file(original) if original is not None and original.is_file() else None
        digest = _reference_digest(samples, int(sr)) if samples is not None and sr else None
        for v in self.library.list_voices():
            if original_sha is not None and v.original_sha256 == original_sha and v.trim is None:
                return v
            if digest is not None:
                try:
                    x, rate = read_audio(v.reference_path)
                except GlmTtsError:
                    continue
                if clip_digest(x, rate) == digest:
                    return v
        return None

    def add_voice(
        self,
        name: str,
        samples: np.ndarray,
        sample_rate: int,
        transcript: str = "",
        *,
        original: str | Path | None = None,
        trim: tuple[float, float] | None = None,
        speaker: str = "",
        language: str | None = None,
        notes: str = "",
        consent: ConsentRecord | None = None,
        evidence: str | Path | None = None,
        photo: str | Path | None = None,
        on_duplicate: DuplicatePolicy = "ask",
    ) -> Voice:
        """Save a voice from its reference samples (and the untouched original file, if any).

        ``on_duplicate``: "ask" raises DuplicateVoiceError when the name or the audio is already
        in the library (the front end asks, then calls again), "skip" returns the existing
        voice, "keep_both" adds a second one."""
        if on_duplicate not in DUPLICATE_POLICIES:
            raise ValueError(f"on_duplicate must be one of {DUPLICATE_POLICIES}")
        orig = Path(original) if original is not None else None
        if photo is not None:
            read_photo(Path(photo))  # a file that is no photo fails before anything is added
        if on_duplicate != "keep_both":
            existing = self.find_duplicate(name, samples, sample_rate, orig)
            if existing is not None:
                if on_duplicate == "skip":
                    return existing
                raise DuplicateVoiceError(" ".join(name.split()), existing.id, existing.name)
        v = self.library.add_voice(
            name,
            np.asarray(samples, dtype=np.float32),
            transcript,
            sample_rate=int(sample_rate),
            original_path=orig,
            trim=trim,
            notes=notes,
            language=language,
        )
        try:
            if speaker:
                v = self.library.set_speaker(v.id, speaker)
            if consent is not None:
                v = self.library.set_consent(v.id, consent, evidence=evidence)
            if photo is not None:
                v = self.library.set_voice_photo(v.id, photo)
        except BaseException:
            self.library.purge_voice(v.id)  # all or nothing
            raise
        return v

    def rename_voice(self, voice_id: str, name: str) -> Voice:
        return self.library.rename_voice(voice_id, name)

    def delete_voice(self, voice_id: str) -> Voice:
        """To the trash (restore_voice undoes it; nothing is removed until the trash is emptied)."""
        return self.library.delete_voice(voice_id)

    def restore_voice(self, voice_id: str) -> Voice:
        return self.library.restore_voice(voice_id)

    def empty_trash(self) -> tuple[int, int]:
        """Delete for good every voice and generation in the trash; (voices, generations)."""
        return self.library.empty_trash()

    def set_consent(
        self, voice_id: str, consent: ConsentRecord | None, *, evidence: str | Path | None = None
    ) -> Voice:
        return self.library.set_consent(voice_id, consent, evidence=evidence)

    def revoke_consent(self, voice_id: str) -> Voice:
        """Withdraw consent: no new generations with this voice; its history stays."""
        return self.library.revoke_consent(voice_id)

    # -- clips and photo ---------------------------------------------------------------------------
    def list_clips(self, voice_id: str) -> list[VoiceClip]:
        """The voice's reference clips, oldest first; exactly one has ``is_default``."""
        return self.library.list_voice_clips(voice_id)

    def add_clip(
        self,
        voice_id: str,
        samples: np.ndarray,
        sample_rate: int,
        transcript: str,
        *,
        original: str | Path | None = None,
        trim: tuple[float, float] | None = None,
        note: str = "",
        make_default: bool = False,
    ) -> VoiceClip:
        """Another reference clip of the voice (and its untouched original file, if any)."""
        return self.library.add_voice_clip(
            voice_id,
            np.asarray(samples, dtype=np.float32),
            transcript,
            sample_rate=int(sample_rate),
            original_path=original,
            trim=trim,
            note=note,
            make_default=make_default,
        )

    def set_default_clip(self, voice_id: str, clip_id: str) -> VoiceClip:
        """Generation uses this clip from now on. Its analysis is cached by content, so going
        back to a clip used before needs no new analysis."""
        return self.library.set_default_clip(voice_id, clip_id)

    def update_clip(
        self, clip_id: str, *, transcript: str | None = None, note: str | None = None
    ) -> VoiceClip:
        return self.library.update_voice_clip(clip_id, transcript=transcript, note=note)

    def remove_clip(self, clip_id: str) -> ClipRemoved:
        """Delete a clip for good; the last clip of a voice cannot be removed. Removing the
        default makes the oldest remaining clip the default, and the result says so."""
        new_default = self.library.remove_voice_clip(clip_id)
        if new_default is None:
            return ClipRemoved(clip_id, None)
        message = tr(
            "The removed clip was the default; generation now uses “{text}” ({d:.1f} s).",
            text=_short(new_default.transcript),
            d=new_default.duration,
        )
        return ClipRemoved(clip_id, new_default, message)

    def set_photo(self, voice_id: str, path: str | Path) -> Voice:
        """Show this photo with the voice (PNG, JPEG or WebP, at most 10 MB)."""
        return self.library.set_voice_photo(voice_id, path)

    def remove_photo(self, voice_id: str) -> Voice:
        return self.library.remove_voice_photo(voice_id)


def _short(text: str, limit: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
