"""Values the studio hands out or takes in, besides the library's records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from glmtts_desktop.engine.types import PronunciationOverride, SynthesisResult, VoicePrompt
from glmtts_desktop.library import Generation as GenerationRecord
from glmtts_desktop.library import Voice
from glmtts_desktop.studio.settings import GenerationSettings, overrides_to_json

DuplicatePolicy = Literal["ask", "keep_both", "skip"]
DUPLICATE_POLICIES: tuple[str, ...] = ("ask", "keep_both", "skip")


@dataclass(frozen=True, eq=False)
class Clip:
    """An unsaved voice: reference samples (mono float32) with what they say. ``name`` is only a
    label for history ("unsaved voice" when empty); ``source_name`` the file it came from."""

    samples: np.ndarray
    sample_rate: int
    transcript: str = ""
    name: str = ""
    source_name: str = ""


VoiceRef = str | Clip  # a saved voice's id, or an unsaved clip


@dataclass(frozen=True, eq=False)
class Generation:
    """One finished generation: the stored history ``record`` (file, provenance) and the
    engine's ``result`` (audio, segments, timings), with the inputs that made it."""

    record: GenerationRecord
    result: SynthesisResult
    settings: GenerationSettings
    overrides: tuple[PronunciationOverride, ...]
    voice_prompt: VoicePrompt

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def audio(self) -> np.ndarray:
        return self.result.audio

    @property
    def sample_rate(self) -> int:
        return self.result.sample_rate


@dataclass(frozen=True, eq=False)
class Speech:
    """What ``Studio.speak`` made, before (or without) storing it: the audio and every input."""

    voice: VoiceRef
    saved: Voice | None  # the library voice, None for an unsaved clip
    voice_name: str
    transcript: str
    text: str
    settings: GenerationSettings
    overrides: tuple[PronunciationOverride, ...]
    voice_prompt: VoicePrompt
    result: SynthesisResult
    model_info: dict[str, Any]

    @property
    def normalized_text(self) -> str:
        return "\n".join(s.normalized for s in self.result.segments)

    def record_settings(self) -> dict[str, Any]:
        """The settings column of a history entry / the sidecar: settings plus inputs."""
        out: dict[str, Any] = {
            **self.settings.to_dict(),
            "overrides": overrides_to_json(self.overrides),
            "transcript": self.transcript,
            "segments": [s.normalized for s in self.result.segments],
            "consent_acknowledged": self.saved is None or self.saved.consent is None,
        }
        if self.saved is not None:
            out["reference_sha256"] = self.saved.reference_sha256
            out["reference_clip_id"] = self.saved.default_clip_id
        elif isinstance(self.voice, Clip) and self.voice.source_name:
            out["reference_name"] = self.voice.source_name
        return out
