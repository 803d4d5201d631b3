"""Fixtures for the prompt-analysis tests: tiny random checkpoints written once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glmtts_desktop.engine.frontend import write_random_campplus, write_random_speech_tokenizer


@pytest.fixture(scope="session")
def tiny_tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("speech_tokenizer")
    write_random_speech_tokenizer(folder, size="tiny", codebook_size=256, seed=3)
    return folder


@pytest.fixture(scope="session")
def tiny_campplus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("campplus") / "campplus.onnx"
    write_random_campplus(path, size="tiny", seed=5)
    return path


@pytest.fixture
def make_voice():
    """The signal maker below, as a fixture (test modules cannot import a conftest by name)."""
    return voice_like


def voice_like(seconds: float, sr: int, f0: float, seed: int) -> np.ndarray:
    """A crude voiced signal: harmonics of f0 with a slow amplitude envelope and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    sig = sum(
        np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.28)) / k for k in range(1, 12) if f0 * k < sr / 2
    )
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t) ** 2
    out = 0.2 * sig * env + 0.005 * rng.standard_normal(t.shape[0])
    return out.astype(np.float32)
