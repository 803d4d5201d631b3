"""GUI-side errors: things the window refuses before any model work starts."""

from __future__ import annotations

from glmtts_desktop.errors import GlmTtsError, InvalidInputError


class GuiInputError(InvalidInputError):
    """The person's input is missing or unusable (empty text, no reference, no transcript)."""


class ModelNotReadyError(GlmTtsError):
    """A job needs the model but it is not loaded (still loading, unloaded, or failed)."""


class UnexpectedError(GlmTtsError):
    """Wraps an exception that is not one of ours, so the window can still show a sentence."""

    @classmethod
    def wrap(cls, exc: BaseException) -> UnexpectedError:
        return cls(
            "Something went wrong inside the app.",
            hint="Your text and voice are kept; try again, or restart the app.",
            detail=f"{type(exc).__name__}: {exc}",
        )
