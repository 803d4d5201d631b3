"""Typed engine errors with user-facing messages."""

from __future__ import annotations

from glmtts_desktop.errors import CancelledError, GlmTtsError, InvalidInputError, OutOfMemoryError


class CheckpointError(GlmTtsError):
    """The model folder is missing, incomplete or damaged. The message names the file."""

    exit_code = 3


class MissingWeightsError(CheckpointError):
    """A file or folder the engine needs is not in the model folder."""


class CorruptWeightsError(CheckpointError):
    """A weight file exists but cannot be read, or a tensor is missing or has the wrong shape."""


class ReferenceAudioError(InvalidInputError):
    """The reference (prompt) audio cannot be used: unreadable, silent, too short."""


class TextInputError(InvalidInputError):
    """The text to speak cannot be used: empty, nothing left after normalisation, unmappable."""


class DeviceError(GlmTtsError):
    """The requested compute device is not available (e.g. cuda on a machine without a GPU)."""

    exit_code = 4


class GpuOutOfMemoryError(OutOfMemoryError):
    """The GPU ran out of memory; nothing was written and the engine is still usable."""


class EngineClosedError(GlmTtsError):
    """The engine's models were unloaded (``Engine.close``) and something still asked for them."""


class SynthesisCancelled(CancelledError):
    """The user cancelled a synthesis; partial audio is discarded."""


__all__ = [
    "CheckpointError",
    "MissingWeightsError",
    "CorruptWeightsError",
    "ReferenceAudioError",
    "TextInputError",
    "DeviceError",
    "GpuOutOfMemoryError",
    "EngineClosedError",
    "SynthesisCancelled",
]
