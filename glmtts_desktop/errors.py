"""The root of every error a person may see.

Each layer (engine, audio, models, library, gui) defines its own subclasses in its own
``errors`` module. They all carry a sentence for the user and a next step, so the CLI and the
GUI can show them without a traceback; the technical detail goes to the log.
"""

from __future__ import annotations

from glmtts_desktop.i18n import retranslate, tr


class GlmTtsError(Exception):
    """An error with a user-facing message.

    ``message`` says what went wrong in plain words, ``hint`` what to do next,
    ``detail`` anything technical (file names, exception text) for the log and the
    "details" button. ``exit_code`` is what the CLI returns for it. Pass ``message`` and
    ``hint`` through ``glmtts_desktop.i18n.tr``: ``user_text`` then speaks the language selected
    when it is called, so an error already on screen follows a live language switch.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail

    def user_text(self) -> str:
        """The message and the next step, as one paragraph for a dialog or a terminal."""
        message, hint = retranslate(self.message), retranslate(self.hint)
        return f"{message} {hint}".strip() if hint else message

    def __str__(self) -> str:
        return self.user_text()


class InvalidInputError(GlmTtsError):
    """Something the user gave us (text, audio, a file, an option) cannot be used."""

    exit_code = 2


class CancelledError(GlmTtsError):
    """The user cancelled; not a failure, but the work stopped and nothing was written."""

    exit_code = 130

    def __init__(self, message: str = "", **kw: str) -> None:
        super().__init__(message or tr("Cancelled."), **kw)


class OutputWriteError(GlmTtsError):
    """A file or folder the user asked us to write cannot be written (read-only, not a folder,
    no space); checked before slow work where possible, and nothing half-written is left."""

    exit_code = 6


class OutOfMemoryError(GlmTtsError):
    """The computer (RAM) or the GPU ran out of memory; nothing was written."""

    exit_code = 5


_CPU_ALLOC_FAILURES = ("can't allocate memory", "not enough memory", "DefaultCPUAllocator")


def as_out_of_memory(exc: BaseException) -> OutOfMemoryError | None:
    """The typed error for a failed RAM allocation, else None.

    numpy raises a MemoryError subclass; torch's CPU allocator a plain RuntimeError ("can't
    allocate memory"). Both used to escape as a traceback with exit code 1."""
    if not isinstance(exc, MemoryError) and not (
        isinstance(exc, RuntimeError) and any(s in str(exc) for s in _CPU_ALLOC_FAILURES)
    ):
        return None
    return OutOfMemoryError(
        tr("The computer ran out of memory."),
        hint=tr("Close other programs, use shorter text, or choose a smaller model."),
        detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
