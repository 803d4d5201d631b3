"""Typed studio errors: each says, in plain words, why a use case stopped and what to do."""

from __future__ import annotations

from glmtts_desktop.errors import GlmTtsError, InvalidInputError
from glmtts_desktop.library.errors import DuplicateVoiceError

__all__ = [
    "ConsentRequiredError",
    "ConsentRevokedError",
    "DuplicateVoiceError",
    "StudioError",
    "VoiceUnavailableError",
]


class StudioError(GlmTtsError):
    """Base class of every error raised by ``glmtts_desktop.studio``."""


class ConsentRequiredError(StudioError, InvalidInputError):
    """The voice has no consent record and the caller did not acknowledge that."""

    def __init__(self, voice_name: str) -> None:
        super().__init__(
            f"There is no consent record for the voice “{voice_name}”.",
            hint="Add who agreed to the use of this voice, or confirm that you may use it.",
        )
        self.voice_name = voice_name


class ConsentRevokedError(StudioError, InvalidInputError):
    """Consent for the voice was withdrawn: no new generations (its history stays)."""

    def __init__(self, voice_name: str, revoked_at: str) -> None:
        super().__init__(
            f"Consent for the voice “{voice_name}” was withdrawn on {revoked_at[:10]}.",
            hint="New speech cannot be made with this voice; its earlier generations are kept.",
        )
        self.voice_name = voice_name


class VoiceUnavailableError(StudioError, InvalidInputError):
    """A generation's voice (or its kept clip) is gone, so it cannot be made again."""
