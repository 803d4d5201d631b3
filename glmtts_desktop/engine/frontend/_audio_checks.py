"""Input checks shared by the prompt-analysis functions.

Every public function takes mono float32 numpy audio from the Engine; a wrong shape, a NaN or
an empty array should stop here with a ReferenceAudioError the user can act on, not deep inside
an STFT with a torch message.
"""

from __future__ import annotations

import logging

import numpy as np

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)


def as_mono_float32(
    audio: np.ndarray, *, what: str = N_("reference audio"), min_samples: int = 1
) -> np.ndarray:
    """Return ``audio`` as a contiguous 1-D float32 array, or raise ReferenceAudioError."""
    arr = np.asarray(audio)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ReferenceAudioError(
            tr("The {what} must be a single (mono) channel.", what=tr(what)),
            hint=tr("Convert the recording to mono before analysing it."),
            detail=f"got an array of shape {arr.shape}",
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise ReferenceAudioError(
            tr("The {what} must be floating-point samples in [-1, 1].", what=tr(what)),
            hint=tr("Decode the file to float samples first."),
            detail=f"got dtype {arr.dtype}",
        )
    if arr.shape[0] < min_samples:
        raise ReferenceAudioError(
            tr(
                "The {what} is too short ({shape} samples; at least {min_samples} are needed).",
                what=tr(what),
                shape=arr.shape[0],
                min_samples=min_samples,
            ),
            hint=tr("Use a recording of a few seconds of clear speech."),
        )
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ReferenceAudioError(
            tr("The {what} contains invalid samples (NaN or infinity).", what=tr(what)),
            hint=tr("Re-record or re-export the audio."),
        )
    return arr
