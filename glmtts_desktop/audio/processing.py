"""Small, safe edits for preparing a reference: cut, fade the edges, even out the level.

They return new arrays and never touch the input, so the original recording stays as it was.
"""

from __future__ import annotations

import logging

import numpy as np

from glmtts_desktop.audio.analysis import _hop, speech_mask
from glmtts_desktop.audio.errors import InvalidAudioError
from glmtts_desktop.i18n import tr
from glmtts_desktop.mono import to_mono

log = logging.getLogger(__name__)


def cut(samples: np.ndarray, start: int, end: int, *, fade_ms: float = 10.0, sr: int = 0) -> np.ndarray:
    """samples[start:end] with short fades (when ``sr`` is given) so the cut does not click."""
    if not 0 <= start < end <= len(samples):
        raise InvalidAudioError(
            tr(
                "Invalid selection {start}..{end} of {samples} samples.",
                start=start,
                end=end,
                samples=len(samples),
            )
        )
    out = np.array(samples[start:end], dtype=np.float32, copy=True)
    return fade_edges(out, sr, fade_ms=fade_ms) if sr else out


def fade_edges(samples: np.ndarray, sr: int, *, fade_ms: float = 10.0) -> np.ndarray:
    """Linear fade-in and fade-out of ``fade_ms`` (shorter for very short clips)."""
    out = np.array(samples, dtype=np.float32, copy=True)
    n = min(int(sr * fade_ms / 1000.0), len(out) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        if out.ndim == 2:
            ramp = ramp[:, None]
        out[:n] *= ramp
        out[len(out) - n :] *= ramp[::-1]
    return out


def normalize(
    samples: np.ndarray,
    sr: int,
    *,
    target_dbfs: float = -20.0,
    peak_dbfs: float = -1.0,
    max_gain_db: float = 30.0,
) -> np.ndarray:
    """Scale so the speech (VAD frames, not the pauses) has RMS ``target_dbfs``, never letting
    the peak exceed ``peak_dbfs`` and never amplifying by more than ``max_gain_db`` (which
    would only raise the noise of a near-silent file)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return x.copy()
    mono = to_mono(x)
    mask = speech_mask(mono, sr)
    hop = _hop(sr)
    if mask.any():
        keep = np.repeat(mask, hop)[: len(mono)]
        speech = mono[: len(keep)][keep]
    else:
        speech = mono
    rms = float(np.sqrt(np.mean(np.square(speech, dtype=np.float64)))) if speech.size else 0.0
    peak = float(np.max(np.abs(x)))
    if rms <= 1e-6 or peak <= 1e-6:
        return x.copy()
    gain = 10 ** (target_dbfs / 20.0) / rms
    gain = min(gain, 10 ** (peak_dbfs / 20.0) / peak, 10 ** (max_gain_db / 20.0))
    log.debug("normalize: gain %.1f dB", 20 * np.log10(gain))
    return (x * gain).astype(np.float32)
