"""Synthetic signals for the audio tests: speech-like bursts, silence, noise."""

from __future__ import annotations

import numpy as np


def speech_like(
    seconds: float,
    sr: int,
    *,
    seed: int = 0,
    level: float = 0.3,
    syllable_s: float = 0.22,
    pause_every: int = 4,
    pause_s: float = 0.35,
) -> np.ndarray:
    """Harmonic 'syllables' with a varying pitch and pauses between phrases: enough
    structure for an energy VAD, deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    out = np.zeros(n, np.float32)
    pos, k = 0, 0
    while pos < n:
        length = int(syllable_s * sr * rng.uniform(0.7, 1.3))
        t = np.arange(length) / sr
        f0 = rng.uniform(110, 220)
        tone = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) / h for h in range(1, 6))
        env = np.sin(np.pi * np.arange(length) / length) ** 0.5
        seg = (tone * env).astype(np.float32)
        end = min(n, pos + length)
        out[pos:end] = seg[: end - pos]
        pos = end
        k += 1
        pos += int((pause_s if k % pause_every == 0 else 0.04) * sr)
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * level).astype(np.float32)


def noise(seconds: float, sr: int, level: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * sr)) * level).astype(np.float32)
