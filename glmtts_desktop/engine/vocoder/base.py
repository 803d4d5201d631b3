"""The vocoder interface the engine uses, and its two implementations.

Why float32 even when the flow and LLM run in bf16: HiFT integrates the harmonic phase with a
cumulative sum over the whole utterance and exponentiates log-magnitudes before an iSTFT; in
bf16 (8 mantissa bits) the phase is off by whole radians after a second of audio and the
magnitudes by several percent, which is audible. Both vocoders are small (HiFT 21 M params,
Vocos about 15 M), so float32 costs little; the released Vocos archive is float32 TorchScript and
is not meant to be cast. The mel is therefore converted to float32 on the way in.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

import torch

from glmtts_desktop.engine.vocoder import hift as _hift
from glmtts_desktop.engine.vocoder import vocos as _vocos
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


class Vocoder(ABC):
    """Mel (1, 80, T) at 50 fps -> waveform (1, N) float32 at ``sample_rate``."""

    sample_rate: int
    hop_length: int

    @abstractmethod
    def __call__(self, mel: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor: ...

    @property
    @abstractmethod
    def device(self) -> torch.device: ...

    def _prepare(self, mel: torch.Tensor) -> torch.Tensor:
        if mel.dim() == 2:
            mel = mel[None]
        if mel.dim() != 3 or mel.shape[0] != 1 or mel.shape[1] != 80:
            raise InvalidInputError(
                tr("The vocoder expects a mel of shape (1, 80, frames), got {shape}.", shape=tuple(mel.shape))
            )
        return mel.to(self.device, torch.float32)


class HiftVocoder(Vocoder):
    """24 kHz, 480 samples per frame; draws its source noise from ``generator``."""

    sample_rate = _hift.SAMPLE_RATE
    hop_length = _hift.HOP_LENGTH

    def __init__(self, model: _hift.HiFT) -> None:
        self.model = model

    @property
    def device(self) -> torch.device:
        return self.model.stft_window.device

    def __call__(self, mel: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.model.inference(self._prepare(mel), generator=generator)


class VocosVocoder(Vocoder):
    """32 kHz, 640 samples per frame; the TorchScript generator is deterministic (``generator`` unused)."""

    sample_rate = _vocos.SAMPLE_RATE
    hop_length = _vocos.HOP_LENGTH

    def __init__(self, module: torch.jit.ScriptModule, device: torch.device) -> None:
        self.module = module
        self._device = torch.device(device)

    @property
    def device(self) -> torch.device:
        return self._device

    def __call__(self, mel: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        mel = self._prepare(mel)
        if mel.shape[-1] == 0:
            return torch.zeros(1, 0, device=self._device)
        with torch.inference_mode():
            wav = self.module(_vocos.vocos_input(mel))
        return wav.reshape(1, -1).float()
