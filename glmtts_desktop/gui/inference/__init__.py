"""The inference thread: one long-lived QThread, a worker that owns the engine, a client for the GUI."""

from glmtts_desktop.gui.inference.client import EngineClient
from glmtts_desktop.gui.inference.jobs import (
    GenerateJob,
    GenerateOutput,
    Job,
    LoadJob,
    ModelInfo,
    NormalizeJob,
    RegenerateJob,
    SampleRateJob,
    TextPreview,
    UnloadJob,
)

__all__ = [
    "EngineClient",
    "GenerateJob",
    "GenerateOutput",
    "Job",
    "LoadJob",
    "ModelInfo",
    "NormalizeJob",
    "RegenerateJob",
    "SampleRateJob",
    "TextPreview",
    "UnloadJob",
]
