"""The root of every error a person may see.

Each layer (engine, audio, models, library, gui) defines its own subclasses in its own
``errors`` module. They all carry a sentence for the user and a next step, so the CLI and the
GUI can show them without a traceback; the technical detail goes to the log.
"""

from __future__ import annotations


class GlmTtsError(Exception):
    """An error with a user-facing message.

    ``message`` says what went wrong in plain words, ``hint`` what to do next,
    ``detail`` anything technical (file names, exception text) for the log and the
    "details" button. ``exit_code`` is what the CLI returns for it.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail

    def user_text(self) -> str:
        """The message and the next step, as one paragraph for a dialog or a terminal."""
        return f"{self.message} {self.hint}".strip() if self.hint else self.message

    def __str__(self) -> str:
        return self.user_text()


class InvalidInputError(GlmTtsError):
    """Something the user gave us (text, audio, a file, an option) cannot be used."""

    exit_code = 2


class CancelledError(GlmTtsError):
    """The user cancelled; not a failure, but the work stopped and nothing was written."""

    exit_code = 130

    def __init__(self, message: str = "Cancelled.", **kw: str) -> None:
        super().__init__(message, **kw)
