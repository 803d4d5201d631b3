"""One mono conversion for every layer (decoders, library, engine, waveform view).

Samples are channels-last everywhere in the app, ``(frames,)`` or ``(frames, channels)``: the
layout soundfile, PyAV and sounddevice all deliver. Guessing the channel axis from the shape
would turn an empty or very short stereo block into nonsense, so it is not guessed.
"""

from __future__ import annotations

import numpy as np

from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr


def to_mono(samples: np.ndarray, *, error: type[InvalidInputError] = InvalidInputError) -> np.ndarray:
    """``(n,)`` or ``(n, channels)`` -> ``(n,)`` float32, the mean of the channels.

    Any other shape raises ``error`` (each layer passes its own typed error class).
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise error(tr("Audio must be 1-D or 2-D, got shape {shape}.", shape=x.shape))
    return x.mean(axis=1, dtype=np.float32)
