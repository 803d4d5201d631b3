"""Signals shared by the library tests."""

from __future__ import annotations

import numpy as np


def tone(seconds: float, sr: int, freq: float = 220.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)
