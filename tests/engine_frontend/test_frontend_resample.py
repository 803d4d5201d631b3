"""Resampling equals the official torchaudio Resample transform and keeps a tone where it was."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torchaudio

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.frontend import resample


@pytest.mark.parametrize(
    "sr_in,sr_out", [(24000, 16000), (44100, 16000), (48000, 24000), (16000, 32000), (22050, 24000)]
)
def test_equals_torchaudio_transform(sr_in, sr_out):
    audio = np.random.default_rng(sr_in + sr_out).standard_normal(sr_in + 123).astype(np.float32) * 0.2
    expect = torchaudio.transforms.Resample(sr_in, sr_out)(torch.from_numpy(audio)[None])[0].numpy()
    got = resample(audio, sr_in, sr_out)
    assert got.dtype == np.float32
    assert got.shape == expect.shape == (math.ceil((sr_in + 123) * sr_out / sr_in),)
    np.testing.assert_allclose(got, expect, atol=1e-6, rtol=0)


def test_same_rate_is_a_no_op():
    audio = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    np.testing.assert_array_equal(resample(audio, 16000, 16000), audio)


def test_tone_keeps_its_frequency():
    sr_in, sr_out, f = 44100, 16000, 1234.0
    t = np.arange(sr_in) / sr_in
    out = resample(np.sin(2 * np.pi * f * t).astype(np.float32), sr_in, sr_out)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(out.shape[0])))
    peak_hz = spectrum.argmax() * sr_out / out.shape[0]
    assert abs(peak_hz - f) < 2.0


def test_bad_input():
    with pytest.raises(ReferenceAudioError):
        resample(np.zeros(0, dtype=np.float32), 24000, 16000)
    with pytest.raises(ReferenceAudioError):
        resample(np.zeros(10, dtype=np.float32), 0, 16000)
    with pytest.raises(ReferenceAudioError):
        resample(np.zeros(10, dtype=np.int16), 24000, 16000)
