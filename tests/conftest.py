"""Fixtures shared by every test area: a tiny random checkpoint and reference recordings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the network
# The tiny models are far too small to gain from threads; on a 2-core CI machine the spinning
# threads only fight each other (measured: ~30x slower than one thread). Set before torch loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The command line follows LANGUAGE/LC_ALL/LANG; tests read its English messages, whatever the
# developer's terminal language (tests of the Chinese command line set their own environment).
os.environ["LANGUAGE"] = "en"
# CLI synth/batch keep what they make in the library history; without --data-dir that is the
# default library, which in tests is a throw-away folder, never the user's own.
os.environ.setdefault("GLMTTS_LIBRARY_DIR", tempfile.mkdtemp(prefix="glmtts-library-"))
# The record of trusted TorchScript files lives in the user's config folder; tests keep their own.
os.environ.setdefault(
    "GLMTTS_TRUST_FILE", os.path.join(tempfile.mkdtemp(prefix="glmtts-trust-"), "trust.json")
)
# The fallback place of the bf16 weight cache is the user's cache folder; tests keep their own.
os.environ.setdefault("GLMTTS_CACHE_DIR", tempfile.mkdtemp(prefix="glmtts-cache-"))


@pytest.fixture(autouse=True)
def _no_real_official_hub(monkeypatch):
    """The 32 kHz trust check asks the official Hub; in tests that is a fake Hub or nothing at all."""
    from glmtts_desktop.models import codecheck

    monkeypatch.setattr(codecheck, "OFFICIAL_HUB", "http://127.0.0.1:9")  # discard port: refused at once


def voice_like(seconds: float, sr: int, *, f0: float = 140.0, seed: int = 0) -> np.ndarray:
    """A harmonic, syllable-modulated signal: not speech, but it has pitch, pauses and energy."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    pitch = f0 * (1 + 0.08 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 8))
    syllables = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 0.5
    audio = 0.25 * harmonics * syllables + 0.003 * rng.standard_normal(t.size)
    return audio.astype(np.float32)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """One tiny checkpoint for the whole session, made by the real checkpoint maker."""
    from glmtts_desktop.engine.devckpt import make_checkpoint

    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "glm-tts-tiny", size="tiny", seed=0)


@pytest.fixture(scope="session")
def reference_wav(tmp_path_factory) -> Path:
    """A 4 s stereo 22.05 kHz reference file (odd rate and channels on purpose)."""
    import soundfile as sf

    sr = 22050
    mono = voice_like(4.0, sr)
    stereo = np.stack([mono, 0.8 * mono], axis=1)
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    sf.write(path, stereo, sr)
    return path


@pytest.fixture(scope="session")
def tiny_engine(tiny_checkpoint):
    from glmtts_desktop.engine import Engine, EngineConfig

    return Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """The selected language is process-wide; a test that switches it must not leak it."""
    yield
    from glmtts_desktop import i18n

    i18n.set_language("en")
