"""Typed audio errors with user-facing messages.

Every failure a person can cause or meet while loading, saving, recording or playing audio
has its own class, so the GUI can pick the right wording (and the CLI the right exit code)
without parsing exception text.
"""

from __future__ import annotations

from glmtts_desktop.errors import GlmTtsError, InvalidInputError


class AudioError(GlmTtsError):
    """Base class of every error raised by ``glmtts_desktop.audio``."""


class AudioDecodeError(AudioError, InvalidInputError):
    """A file could not be read as audio (missing, damaged, unsupported, empty)."""


class AudioWriteError(AudioError):
    """An audio file could not be written; nothing half-written was left behind."""


class DiskFullError(AudioWriteError):
    """The disk filled up while writing; the partial file was removed."""


class AudioDeviceError(AudioError):
    """No usable microphone or speaker, or the device failed while in use."""


class InvalidAudioError(AudioError, InvalidInputError):
    """Samples passed in code are unusable (empty, NaN/inf, wrong shape, bad rate)."""
