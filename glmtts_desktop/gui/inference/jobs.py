"""Job descriptions sent from the GUI thread to the inference worker.

Jobs are plain frozen dataclasses of numpy arrays and Python values so they cross threads by
reference without copying, and so this module imports neither torch nor the engine (the window
must open without torch). The worker turns a LoadJob into an EngineConfig inside its thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glmtts_desktop.engine.types import PronunciationOverride, SynthesisResult, VoicePrompt


@dataclass(frozen=True)
class Job:
    """Base: every job gets an id from the client when it is submitted."""

    job_id: int = field(default=0, compare=False)


@dataclass(frozen=True)
class LoadJob(Job):
    model_dir: Path = Path(".")
    device: str = "auto"
    dtype: str = "auto"
    sample_rate: int = 24000


@dataclass(frozen=True)
class UnloadJob(Job):
    """Close the engine and free GPU memory; the worker thread stays alive for a reload."""


@dataclass(frozen=True)
class SampleRateJob(Job):
    """Switch the output rate (24 kHz HiFT / 32 kHz Vocos) without reloading the rest."""

    sample_rate: int = 24000


@dataclass(frozen=True)
class NormalizeJob(Job):
    """Split text into the segments the model will read (for the editor's preview)."""

    text: str = ""


@dataclass(frozen=True)
class TextPreview:
    """A NormalizeJob's result: the segments, and the characters the model will not hear."""

    segments: tuple[str, ...]
    unspeakable: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class GenerateJob(Job):
    """Prepare the voice (cached by content) and synthesise, as one cancellable job."""

    text: str = ""
    reference: np.ndarray | None = None  # mono float32
    reference_sr: int = 0
    transcript: str = ""
    seed: int = 0
    method: str = "ras"
    use_phoneme: bool = False
    overrides: tuple[PronunciationOverride, ...] = ()
    use_prompt_cache: bool = True
    voice: VoicePrompt | None = None  # skip preparation when the caller already has one


@dataclass(frozen=True)
class ModelInfo:
    """What the status bar shows once the model is ready."""

    model_dir: str
    device: str
    memory_bytes: int
    sample_rate: int
    sample_rates: tuple[int, ...]
    random_checkpoint: bool


@dataclass(frozen=True, eq=False)
class GenerateOutput:
    voice: VoicePrompt
    result: SynthesisResult
    job: GenerateJob
