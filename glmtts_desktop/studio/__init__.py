"""The Qt-free application layer between the cores and the front ends (CLI, batch, GUI).

    from glmtts_desktop.studio import Studio, GenerationSettings, Clip
    studio = Studio(Library(root), engine)
    gen = studio.generate(voice_id_or_clip, text, GenerationSettings(seed=1), overrides)

Anki's split is the model: pylib's ``Collection`` (here: ``Studio``) holds the use cases, the
GUI only wraps them in background operations.
"""

from glmtts_desktop.studio.consent import check_may_generate, consent_state
from glmtts_desktop.studio.engine_api import SpeechEngine
from glmtts_desktop.studio.errors import (
    ConsentRequiredError,
    ConsentRevokedError,
    DuplicateVoiceError,
    StudioError,
    VoiceUnavailableError,
)
from glmtts_desktop.studio.settings import GenerationSettings, overrides_from_json, overrides_to_json
from glmtts_desktop.studio.studio import EngineNotLoadedError, Studio
from glmtts_desktop.studio.types import DUPLICATE_POLICIES, Clip, DuplicatePolicy, Generation, VoiceRef
from glmtts_desktop.studio.voice_ops import ClipRemoved

__all__ = [
    "Clip",
    "ClipRemoved",
    "ConsentRequiredError",
    "ConsentRevokedError",
    "DUPLICATE_POLICIES",
    "DuplicatePolicy",
    "DuplicateVoiceError",
    "EngineNotLoadedError",
    "Generation",
    "GenerationSettings",
    "SpeechEngine",
    "Studio",
    "StudioError",
    "VoiceRef",
    "VoiceUnavailableError",
    "check_may_generate",
    "consent_state",
    "overrides_from_json",
    "overrides_to_json",
]
