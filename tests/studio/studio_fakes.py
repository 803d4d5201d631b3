"""A deterministic engine double for the studio tests: audio depends on the seed, the text,
the settings and the voice analysis, so "same inputs, same audio" is a real check."""

from __future__ import annotations

import hashlib

import numpy as np

from glmtts_desktop.engine.types import SegmentResult, SynthesisResult, VoicePrompt


class DeterministicEngine:
    device_name = "fake-cpu"
    is_random_checkpoint = True
    model_fingerprint = "fake-weights-v1"

    def __init__(self, sample_rate: int = 24000) -> None:
        self.sample_rate = sample_rate
        self.prepared = 0
        self.requests: list = []
        self.idle_releases: list[bool] = []  # the ``deep`` flag of each release_idle_memory call

    def available_sample_rates(self) -> tuple[int, ...]:
        return (24000, 32000)

    def set_sample_rate(self, sample_rate: int) -> None:
        self.sample_rate = int(sample_rate)

    def memory_in_use(self) -> int:
        return 0

    def normalize(self, text: str) -> list[str]:
        return [text.strip()]

    def unspeakable_chars(self, text: str) -> list[str]:
        return []

    def release_idle_memory(self, *, deep: bool = False) -> None:
        self.idle_releases.append(deep)

    def close(self) -> None:
        pass

    def prepare_voice(self, audio, sr, transcript) -> VoicePrompt:
        self.prepared += 1
        level = float(np.mean(np.abs(audio)))
        return VoicePrompt(
            transcript,
            transcript.lower(),
            np.arange(3, dtype=np.int64),
            np.arange(5, dtype=np.int64),
            np.full((10, 80), level, np.float32),
            np.full(192, level, np.float32),
            self.sample_rate,
            len(audio) / sr,
        )

    def synthesize(self, request, *, on_progress=None, cancel=None, on_chunk=None) -> SynthesisResult:
        self.requests.append(request)
        key = f"{request.text}|{request.seed}|{request.method}|{request.use_phoneme}|{request.flow_steps}"
        key += f"|{request.overrides}|{float(request.voice.mel[0, 0]):.6f}|{request.voice.sample_rate}"
        seed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        rng = np.random.default_rng(seed)
        audio = (0.2 * rng.standard_normal(self.sample_rate // 10)).clip(-1, 1).astype(np.float32)
        if on_chunk is not None:
            on_chunk(audio, 0)
        seg = SegmentResult(0, request.text.strip(), request.text, 1, 1, len(audio), False)
        return SynthesisResult(audio, self.sample_rate, request.seed, (seg,))
