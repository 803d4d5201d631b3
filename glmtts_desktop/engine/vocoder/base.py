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

from glmtts_desktop.engine.positional_noise import PositionalNoise
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

    def open_stream(self, seed: int) -> VocoderStream:
        """A renderer of consecutive windows of one growing mel (a streamed segment)."""
        return VocoderStream(self)

    def _prepare(self, mel: torch.Tensor) -> torch.Tensor:
        if mel.dim() == 2:
            mel = mel[None]
        if mel.dim() != 3 or mel.shape[0] != 1 or mel.shape[1] != 80:
            raise InvalidInputError(
                tr("The vocoder expects a mel of shape (1, 80, frames), got {shape}.", shape=tuple(mel.shape))
            )
        return mel.to(self.device, torch.float32)


class VocoderStream:
    """Vocodes a streamed mel window by window: ``stream(mel_window, start_frame)``.

    The vocoder's convolutions see a few frames each side, so a window starts
    ``context_frames`` before the first sample it must get right (those samples are dropped by
    the caller) and its last ``holdback_frames`` are provisional (redone by the next window).
    This base is for a stateless vocoder (Vocos: ConvNeXt + iSTFT, deterministic).
    """

    context_frames = 32
    holdback_frames = 16

    def __init__(self, vocoder: Vocoder) -> None:
        self.vocoder = vocoder

    def __call__(self, mel: torch.Tensor, start_frame: int) -> torch.Tensor:
        return self.vocoder(mel)


class HiftStream(VocoderStream):
    """HiFT windows agree with each other: the source noise is taken by sample position and the
    harmonic phase continues the previous window's at an anchor frame inside the context,
    where both windows computed the same F0 (its convolutions reach 5 frames)."""

    # measured on the released sizes: a window's samples differ from the whole rendering's by
    # under 0.2 % from 8 frames inside either edge, and 0 from 10 frames inside the left edge
    context_frames = 12
    holdback_frames = 8
    anchor_frame = 8  # inside the context, past the F0 predictor's reach (5 frames) from the edge

    def __init__(self, vocoder: HiftVocoder, seed: int) -> None:
        super().__init__(vocoder)
        self.model = vocoder.model
        n = self.model.sizes.harmonics + 1
        self.noise = PositionalNoise(seed, n, block=_hift.HOP_LENGTH * 64, salt=2)
        self._last: tuple[int, torch.Tensor] | None = None  # (start frame, phases per frame)

    def __call__(self, mel: torch.Tensor, start_frame: int) -> torch.Tensor:
        mel = self.vocoder._prepare(mel)
        frames = mel.shape[-1]
        if frames == 0:
            return torch.zeros(1, 0, device=self.vocoder.device)
        hop = _hift.HOP_LENGTH
        noise = self.noise.span(start_frame * hop, (start_frame + frames) * hop)[None]
        anchor = None
        if self._last is not None and start_frame > 0:
            last_start, last_phase = self._last
            frame = min(self.anchor_frame, frames - 1)
            at = start_frame + frame - last_start
            if 0 <= at < len(last_phase):
                anchor = (frame, last_phase[at])
        wav, phase = self.model.inference_window(mel, noise, anchor)
        self._last = (start_frame, phase)
        return wav


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

    def open_stream(self, seed: int) -> VocoderStream:
        return HiftStream(self, seed)


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
