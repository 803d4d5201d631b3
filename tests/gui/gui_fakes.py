"""A test double for the engine, used ONLY in worker/client unit tests.

The end-to-end window test uses the real Engine on the tiny checkpoint instead.
"""

from __future__ import annotations

import threading

import numpy as np

from glmtts_desktop.engine.errors import CheckpointError
from glmtts_desktop.engine.types import Progress, SegmentResult, SynthesisResult, VoicePrompt


class FakeEngine:
    sample_rate = 24000
    device_name = "fake-cpu"
    is_random_checkpoint = True

    def __init__(self, *, steps: int = 200, gate: threading.Event | None = None, oom: bool = False) -> None:
        self.steps = steps
        self.gate = gate  # when given, synthesize waits on it each step (so a test can cancel mid-job)
        self.oom = oom
        self.closed = False
        self.prepared = 0
        self.thread_names: list[str] = []
        self.idle_releases: list[bool] = []  # the ``deep`` flag of each release_idle_memory call

    def memory_in_use(self) -> int:
        return 0

    def available_sample_rates(self):
        return (24000,)

    def set_sample_rate(self, sample_rate: int) -> None:
        if sample_rate not in self.available_sample_rates():
            raise ValueError(sample_rate)

    def normalize(self, text: str) -> list[str]:
        self.thread_names.append(threading.current_thread().name)
        return [s for s in text.split("。") if s]

    model_fingerprint = "fake-weights-v1"

    def unspeakable_chars(self, text: str) -> list[str]:
        return sorted({ch for ch in text if ch in "☃★"})

    def prepare_voice(self, audio, sr, transcript) -> VoicePrompt:
        self.prepared += 1
        return VoicePrompt(
            transcript,
            transcript,
            np.zeros(3, np.int64),
            np.zeros(5, np.int64),
            np.zeros((10, 80), np.float32),
            np.zeros(192, np.float32),
            self.sample_rate,
            len(audio) / sr,
        )

    def synthesize(self, request, *, on_progress=None, cancel=None, on_chunk=None) -> SynthesisResult:
        self.thread_names.append(threading.current_thread().name)
        if self.oom:
            # torch's own exception, as one escaping a path the engine does not translate
            import torch

            self.oom = False  # once: the next job must run
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB.")
        for i in range(self.steps):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if self.gate is not None:
                self.gate.wait(0.005)
            if on_progress:
                on_progress(Progress("llm", 0, 1, (i + 1) / self.steps))
        audio = np.full(2400, 0.1, np.float32)
        if on_chunk:
            on_chunk(audio, 0)
        return SynthesisResult(
            audio,
            self.sample_rate,
            request.seed,
            (SegmentResult(0, request.text, request.text, 1, 1, len(audio), False),),
        )

    def release_idle_memory(self, *, deep: bool = False) -> None:
        self.idle_releases.append(deep)

    def close(self) -> None:
        self.closed = True


def fake_factory(engine: FakeEngine):
    def make(job, on_progress=None):
        if not job.model_dir.exists():
            raise CheckpointError(
                f"The model folder {job.model_dir} does not exist.", hint="Choose the folder again."
            )
        return engine

    return make


def speechy(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Voice-like test audio: a harmonic tone with syllable-rate pauses and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    phase = 2 * np.pi * np.cumsum(150 * (1 + 0.05 * np.sin(2 * np.pi * 0.5 * t))) / sr
    tone = sum(np.sin(k * phase) / k for k in range(1, 6))
    env = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 0.5
    return (0.3 * tone * env + 0.002 * rng.standard_normal(t.size)).astype(np.float32)
