"""What the studio (and the GUI worker) need from an engine, as a ``Protocol``.

Why a protocol: the studio must be testable without torch and the GUI tests drive the worker
with a fake; both the real ``Engine`` and every fake satisfy this one shape, checked by mypy
and by ``isinstance`` at run time (``runtime_checkable``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from glmtts_desktop.engine.types import (
    CancelToken,
    ChunkCallback,
    ProgressCallback,
    SynthesisRequest,
    SynthesisResult,
    VoicePrompt,
)


@runtime_checkable
class SpeechEngine(Protocol):
    """A loaded GLM-TTS engine. ``model_fingerprint`` identifies the weights a voice analysis
    depends on; ``sample_rate`` is the current output rate."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def model_fingerprint(self) -> str: ...

    @property
    def device_name(self) -> str: ...

    @property
    def is_random_checkpoint(self) -> bool: ...

    def available_sample_rates(self) -> tuple[int, ...]: ...

    def set_sample_rate(self, sample_rate: int) -> None: ...

    def memory_in_use(self) -> int: ...

    def normalize(self, text: str) -> list[str]: ...

    def unspeakable_chars(self, text: str) -> list[str]: ...

    def prepare_voice(self, audio: np.ndarray, sr: int, transcript: str) -> VoicePrompt: ...

    def synthesize(
        self,
        request: SynthesisRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> SynthesisResult: ...

    def release_idle_memory(self, *, deep: bool = False) -> None: ...

    def close(self) -> None: ...
