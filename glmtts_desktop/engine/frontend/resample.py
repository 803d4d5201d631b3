"""Band-limited resampling exactly as the official prompt path does it.

The reference builds ``torchaudio.transforms.Resample(orig, new)`` with its defaults
(``sinc_interp_hann``, lowpass width 6, rolloff 0.99), i.e. the kernel is computed on the CPU
in float32 and then moved to the device. We build the same module (cached per rate pair and
device) so the speech tokens, the speaker embedding and the prompt mel see the same samples as
in the reference.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

import numpy as np
import torch
import torchaudio

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.frontend._audio_checks import as_mono_float32
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

_lock = threading.Lock()


@lru_cache(maxsize=16)
def _resampler(sr_in: int, sr_out: int, device: str) -> torch.nn.Module:
    log.debug("building resampler %d -> %d on %s", sr_in, sr_out, device)
    module = torchaudio.transforms.Resample(
        orig_freq=sr_in,
        new_freq=sr_out,
        resampling_method="sinc_interp_hann",
        lowpass_filter_width=6,
        rolloff=0.99,
    )
    return module.to(device).eval()


def resample_tensor(wave: torch.Tensor, sr_in: int, sr_out: int) -> torch.Tensor:
    """Resample a float32 tensor (..., time) on its own device; returns it unchanged if rates match."""
    if sr_in <= 0 or sr_out <= 0:
        raise ReferenceAudioError(
            tr("Invalid sample rate ({sr_in} Hz -> {sr_out} Hz).", sr_in=sr_in, sr_out=sr_out),
            hint=tr("The audio file reports a sample rate that cannot be used."),
        )
    if int(sr_in) == int(sr_out):
        return wave
    with _lock:  # lru_cache may build the same module twice under races; harmless but wasteful
        module = _resampler(int(sr_in), int(sr_out), str(wave.device))
    with torch.inference_mode():
        return module(wave)


def resample(audio: np.ndarray, sr_in: int, sr_out: int, *, device: torch.device | str = "cpu") -> np.ndarray:
    """Resample mono float32 audio from ``sr_in`` to ``sr_out`` Hz (float32 out; no-op when equal).

    The output length is ``ceil(len * sr_out / sr_in)`` as torchaudio defines it.
    """
    arr = as_mono_float32(audio)
    if int(sr_in) == int(sr_out):
        return arr
    wave = torch.from_numpy(arr).to(device)
    out = resample_tensor(wave, int(sr_in), int(sr_out))
    return out.detach().to("cpu", torch.float32).numpy()
