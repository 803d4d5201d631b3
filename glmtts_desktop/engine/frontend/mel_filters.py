"""Slaney mel filter banks and STFT windows, cached per device.

Both the Whisper features and the prompt mel multiply a magnitude/power spectrum by a
librosa-style Slaney filter bank. The official ``utils/audio.py`` caches its bank by ``fmax`` and
device only, so 24 kHz and 32 kHz runs in one process silently share a matrix; our caches are
keyed by every parameter that changes the result (spec §6, §14 item 15).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import librosa
import numpy as np
import torch

log = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def _slaney_bank_np(
    sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float, compute_dtype: str
) -> np.ndarray:
    # librosa writes the triangles into an array of ``compute_dtype`` and normalises in place,
    # so float32 and float64 banks differ in the last bit; callers pick the one their
    # reference used (librosa default float32 for the prompt mel, float64 for Whisper/HF).
    bank = librosa.filters.mel(
        sr=sr,
        n_fft=n_fft,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        htk=False,
        norm="slaney",
        dtype=np.dtype(compute_dtype),
    )
    bank = np.ascontiguousarray(bank, dtype=np.float32)
    bank.setflags(write=False)
    return bank


@lru_cache(maxsize=32)
def _slaney_bank_torch(
    sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float, compute_dtype: str, device: str
) -> torch.Tensor:
    bank = _slaney_bank_np(sr, n_fft, n_mels, fmin, fmax, compute_dtype)
    log.debug("mel bank sr=%d n_fft=%d n_mels=%d fmax=%s on %s", sr, n_fft, n_mels, fmax, device)
    return torch.from_numpy(bank.copy()).to(device)


def slaney_mel_bank(
    sr: int,
    n_fft: int,
    n_mels: int,
    fmin: float,
    fmax: float,
    *,
    device: torch.device | str = "cpu",
    compute_dtype: str = "float32",
) -> torch.Tensor:
    """(n_mels, n_fft//2 + 1) float32 Slaney-scale, Slaney-normalised bank on ``device``.

    Treat the result as read-only: it is shared through the cache.
    """
    return _slaney_bank_torch(
        int(sr), int(n_fft), int(n_mels), float(fmin), float(fmax), compute_dtype, str(torch.device(device))
    )


@lru_cache(maxsize=16)
def _hann(win: int, device: str) -> torch.Tensor:
    return torch.hann_window(win, periodic=True, dtype=torch.float32, device=device)


def hann_window(win: int, *, device: torch.device | str = "cpu") -> torch.Tensor:
    """Periodic float32 Hann window (what ``torch.hann_window`` gives by default), cached."""
    return _hann(int(win), str(torch.device(device)))
