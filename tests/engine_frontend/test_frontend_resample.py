"""Resampling is the documented windowed-sinc interpolation (checked by direct evaluation) and keeps a tone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.frontend import resample


def windowed_sinc_oracle(
    audio: np.ndarray, sr_in: int, sr_out: int, width: int = 6, rolloff: float = 0.99
) -> np.ndarray:
    """Band-limited interpolation evaluated directly, one output sample at a time, in float64.

    The interpolator torchaudio documents for ``sinc_interp_hann``: cut-off
    ``rolloff * min(sr_in, sr_out) / 2``, a sinc truncated to ``width`` zero crossings of the
    lower rate and tapered by a Hann window over that span, gain ``cutoff / sr_in``; the signal
    is zero outside its samples, and there are ``ceil(n * sr_out / sr_in)`` outputs. No kernel
    table, no polyphase convolution: each output is a sum over the input samples near it.
    """
    g = math.gcd(sr_in, sr_out)
    orig, new = sr_in // g, sr_out // g
    base = min(orig, new) * rolloff  # the cut-off in units of the reduced rates
    n_out = math.ceil(len(audio) * new / orig)
    reach = width * orig / base  # input samples on each side that the kernel touches
    j = np.arange(n_out)
    centre = j * orig / new  # the output instant, in input-sample units
    first = np.floor(centre - reach).astype(np.int64)
    taps = first[:, None] + np.arange(int(2 * reach) + 3)[None, :]
    x = np.concatenate([audio.astype(np.float64), [0.0]])
    inside = (taps >= 0) & (taps < len(audio))
    samples = np.where(inside, x[np.clip(taps, 0, len(audio))], 0.0)
    t = (taps / orig - j[:, None] / new) * base  # distance in zero crossings of the cut-off
    t = np.clip(t, -width, width)
    window = np.cos(np.pi * t / (2 * width)) ** 2
    sinc = np.where(t == 0, 1.0, np.sin(np.pi * t) / np.where(t == 0, 1.0, np.pi * t))
    return (samples * sinc * window).sum(axis=1) * (base / orig)


@pytest.mark.parametrize(
    "sr_in,sr_out", [(24000, 16000), (44100, 16000), (48000, 24000), (16000, 32000), (22050, 24000)]
)
def test_matches_a_direct_windowed_sinc_evaluation(sr_in, sr_out):
    n = sr_in // 2 + 123
    audio = np.random.default_rng(sr_in + sr_out).standard_normal(n).astype(np.float32) * 0.2
    got = resample(audio, sr_in, sr_out)
    expect = windowed_sinc_oracle(audio, sr_in, sr_out)
    assert got.dtype == np.float32
    assert got.shape == expect.shape == (math.ceil(n * sr_out / sr_in),)
    np.testing.assert_allclose(got, expect, atol=2e-5, rtol=0)


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
