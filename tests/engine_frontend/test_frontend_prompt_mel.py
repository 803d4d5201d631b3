"""Prompt mel (spec §6) checked against an independent numpy computation, framing and levels."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.frontend import prompt_mel

FRAMING = {24000: (1920, 480), 32000: (2560, 640)}


def _numpy_reference(audio: np.ndarray, sr: int) -> np.ndarray:
    n_fft, hop = FRAMING[sr]
    pad = (n_fft - hop) // 2
    x = np.pad(audio.astype(np.float64), (pad, pad), mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    frames = 1 + (x.shape[0] - n_fft) // hop
    spec = np.stack([np.fft.rfft(x[i * hop : i * hop + n_fft] * window) for i in range(frames)], axis=1)
    mag = np.sqrt(spec.real**2 + spec.imag**2 + 1e-9)
    bank = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=80, fmin=0, fmax=8000)
    return np.log(np.maximum(bank.astype(np.float64) @ mag, 1e-5)).T


@pytest.mark.parametrize("sr", [24000, 32000])
def test_matches_independent_numpy(sr, make_voice):
    audio = make_voice(1.3, sr, 150.0, 0)
    got = prompt_mel(audio, sr)
    ref = _numpy_reference(audio, sr)
    assert got.shape == ref.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=2e-4, rtol=0)


@pytest.mark.parametrize("sr", [24000, 32000])
@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.3456, 5.0])
def test_frames_floor_n_over_hop(sr, seconds):
    n = int(seconds * sr) + 7
    audio = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
    assert prompt_mel(audio, sr).shape == (n // FRAMING[sr][1], 80)


def test_rate_level_offset_on_a_tone():
    """Same tone at both rates: 32 kHz log-mel is ln(2560/1920) higher (longer unnormalised window)."""
    levels = {}
    for sr in (24000, 32000):
        t = np.arange(3 * sr) / sr
        tone = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
        mel = prompt_mel(tone, sr)[5:-5]
        levels[sr] = mel.max(axis=1).mean()
    assert levels[32000] - levels[24000] == pytest.approx(np.log(2560 / 1920), abs=0.01)


def test_rates_interleaved_give_the_same_as_alone(make_voice):
    a24 = make_voice(1.0, 24000, 140.0, 1)
    a32 = make_voice(1.0, 32000, 140.0, 1)
    first32 = prompt_mel(a32, 32000)
    prompt_mel(a24, 24000)
    np.testing.assert_array_equal(prompt_mel(a32, 32000), first32)
    np.testing.assert_allclose(prompt_mel(a24, 24000), _numpy_reference(a24, 24000), atol=2e-4)


def test_bad_inputs():
    with pytest.raises(ReferenceAudioError):
        prompt_mel(np.zeros(48000, dtype=np.float32), 22050)
    with pytest.raises(ReferenceAudioError):
        prompt_mel(np.zeros(100, dtype=np.float32), 24000)
    with pytest.raises(ReferenceAudioError):
        prompt_mel(np.zeros((2, 48000), dtype=np.float32), 24000)
