"""The one mono helper every layer uses (glmtts_desktop.mono)."""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.audio.errors import InvalidAudioError
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.mono import to_mono


def test_channels_last_is_averaged_to_float32():
    stereo = np.array([[1.0, 0.0], [0.5, -0.5], [0.0, 1.0]], dtype=np.float64)
    out = to_mono(stereo)
    assert out.dtype == np.float32 and out.tolist() == [0.5, 0.0, 0.5]


def test_short_and_empty_stereo_keep_their_length():
    # guessing the channel axis from the shape would turn these into per-channel values
    assert to_mono(np.zeros((0, 2), np.float32)).shape == (0,)
    assert to_mono(np.array([[0.2, 0.4]], np.float32)).tolist() == pytest.approx([0.3])


def test_mono_passes_through():
    x = np.linspace(-1, 1, 7, dtype=np.float32)
    assert np.array_equal(to_mono(x), x)


def test_other_shapes_raise_the_callers_error():
    with pytest.raises(InvalidInputError, match="1-D or 2-D"):
        to_mono(np.zeros((2, 2, 2)))
    with pytest.raises(InvalidAudioError):
        to_mono(np.zeros((2, 2, 2)), error=InvalidAudioError)
