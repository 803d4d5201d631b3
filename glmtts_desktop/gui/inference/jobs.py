"""Job descriptions sent from the GUI thread to the inference worker.

Jobs are plain frozen dataclasses of numpy arrays and Python values so they cross threads by
reference without copying, and so this module imports neither torch nor the engine (the window
must open without torch). The worker turns a LoadJob into an EngineConfig inside its thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from glmtts_desktop.engine.types import PronunciationOverride, SynthesisResult, VoicePrompt
from glmtts_desktop.library import Generation as GenerationRecord
from glmtts_desktop.studio import GenerationSettings, VoiceRef


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
    """Speak ``text`` in ``voice`` (a saved voice's id or an unsaved Clip) with ``settings``,
    through the Studio: voice analysis cached once, then (``store``) kept in the history with
    its provenance, as one cancellable job. ``consent_acknowledged``: the GUI already asked."""

    text: str = ""
    voice: VoiceRef | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    overrides: tuple[PronunciationOverride, ...] = ()
    title: str | None = None
    consent_acknowledged: bool = False
    store: bool = True


@dataclass(frozen=True)
class RegenerateJob(Job):
    """Make a history entry again exactly (sample rate included); ``seed`` replaces its seed."""

    generation_id: str = ""
    seed: int | None = None
    consent_acknowledged: bool = False


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
    """A finished generation: the engine's result and, when stored, the history ``record``."""

    voice: VoicePrompt
    result: SynthesisResult
    job: GenerateJob | RegenerateJob
    record: GenerationRecord | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
