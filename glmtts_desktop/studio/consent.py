"""The consent rule for new generations.

A voice with a withdrawn consent makes no new speech (its history stays); a voice without any
consent record (including an unsaved reference) needs the user's explicit acknowledgement,
asked once. Kept apart from the Studio so front ends can check before they start a job.
"""

from __future__ import annotations

from glmtts_desktop.library import Voice
from glmtts_desktop.studio.errors import ConsentRequiredError, ConsentRevokedError


def check_may_generate(voice: Voice | None, voice_name: str, *, acknowledged: bool) -> None:
    """Raise ConsentRevokedError / ConsentRequiredError, or return when generating is allowed.

    ``voice`` is None for an unsaved reference (it can have no record)."""
    consent = voice.consent if voice is not None else None
    if consent is not None and consent.revoked_at is not None:
        raise ConsentRevokedError(voice_name, consent.revoked_at)
    if consent is None and not acknowledged:
        raise ConsentRequiredError(voice_name)


def consent_state(voice: Voice) -> str:
    """ "given", "revoked" or "missing": for lists and badges."""
    if voice.consent is None:
        return "missing"
    return "revoked" if voice.consent.revoked_at is not None else "given"
