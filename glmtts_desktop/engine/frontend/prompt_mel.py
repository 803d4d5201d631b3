"""The prompt's log-mel spectrogram that conditions the flow model (spec §6).

Both output rates use an 80 ms window and a 20 ms hop (50 frames/s, 12.5 Hz bins), so one
flow checkpoint serves both; the absolute level still differs between rates because the
magnitude is not normalised by the window length. Exactness matters here: the flow reads these
values as in-context audio, so the padding, the magnitude floor and the filter bank follow the
reference exactly.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.frontend._audio_checks import as_mono_float32
from glmtts_desktop.engine.frontend.mel_filters import hann_window, slaney_mel_bank
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

N_MELS = 80
F_MIN = 0.0
F_MAX = 8000.0
# sample rate -> (n_fft == win_size, hop_size)
FRAMINGS: dict[int, tuple[int, int]] = {24000: (1920, 480), 32000: (2560, 640)}


def framing(sample_rate: int) -> tuple[int, int]:
    """(n_fft, hop) for an output rate; raises ReferenceAudioError for unsupported rates."""
    try:
        return FRAMINGS[int(sample_rate)]
    except KeyError:
        raise ReferenceAudioError(
            tr(
                "Prompt mel features exist only for 24000 or 32000 Hz, not {sample_rate} Hz.",
                sample_rate=sample_rate,
            ),
            hint=tr("Resample the prompt to the engine's output rate first."),
        ) from None


def prompt_mel_tensor(wave: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """(frames, 80) float32 log-mel of a 1-D float32 tensor, on the tensor's device."""
    n_fft, hop = framing(sample_rate)
    pad = (n_fft - hop) // 2
    if wave.shape[-1] <= pad:
        # reflect padding needs more samples than the pad; such a clip has no full frame anyway
        raise ReferenceAudioError(
            tr("The reference audio is too short for mel analysis ({shape} samples).", shape=wave.shape[-1]),
            hint=tr("Use a recording of a few seconds of clear speech."),
        )
    device = wave.device
    x = torch.nn.functional.pad(wave.reshape(1, 1, -1), (pad, pad), mode="reflect").reshape(1, -1)
    spec = torch.stft(
        x,
        n_fft,
        hop_length=hop,
        win_length=n_fft,
        window=hann_window(n_fft, device=device),
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    spec = torch.view_as_real(spec)
    mag = torch.sqrt(spec.pow(2).sum(-1) + 1e-9)  # (1, bins, frames)
    bank = slaney_mel_bank(sample_rate, n_fft, N_MELS, F_MIN, F_MAX, device=device, compute_dtype="float32")
    mel = torch.matmul(bank, mag)
    logmel = torch.log(torch.clamp(mel, min=1e-5))
    return logmel[0].transpose(0, 1).contiguous()


def prompt_mel(audio: np.ndarray, sample_rate: int, *, device: torch.device | str = "cpu") -> np.ndarray:
    """(floor(N / hop), 80) float32 natural-log mel of mono audio already at ``sample_rate``.

    ``sample_rate`` must be 24000 (n_fft 1920, hop 480) or 32000 (n_fft 2560, hop 640).
    """
    framing(sample_rate)
    arr = as_mono_float32(audio, what=N_("reference audio"))
    with torch.inference_mode():
        wave = torch.from_numpy(arr).to(device)
        out = prompt_mel_tensor(wave, sample_rate)
        return out.to("cpu", torch.float32).numpy()
