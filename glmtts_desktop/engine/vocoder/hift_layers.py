"""Layers of the HiFT vocoder (spec 9.1): Snake, residual blocks, the F0 predictor, the NSF source.

Convolutions carry weight norm through ``torch.nn.utils.parametrizations.weight_norm`` because
that is what produces the checkpoint's ``<m>.parametrizations.weight.original0/1`` keys; after
loading, :func:`fold_weight_norm` bakes ``g·v/|v|`` into a plain weight so inference does not
recompute the norm on every call.
"""

from __future__ import annotations

import logging
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

log = logging.getLogger(__name__)


def wn(module: nn.Module) -> nn.Module:
    return weight_norm(module, name="weight", dim=0)


def fold_weight_norm(root: nn.Module) -> int:
    """Replace every weight-norm parametrization under ``root`` by its current value; returns the count."""
    count = 0
    for module in list(root.modules()):
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
            count += 1
    return count


def same_padding(kernel: int, dilation: int = 1) -> int:
    return (kernel * dilation - dilation) // 2


class Snake(nn.Module):
    """x + sin²(αx)/α with a per-channel, linear-scale α."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T)
        a = self.alpha[None, :, None]
        return x + (1.0 / (a + 1e-9)) * torch.sin(x * a).pow(2)


class ResBlock(nn.Module):
    """Three (Snake, dilated conv, Snake, conv) residual units with dilations 1, 3, 5."""

    def __init__(self, channels: int, kernel: int, dilations: tuple[int, ...] = (1, 3, 5)) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(
            wn(nn.Conv1d(channels, channels, kernel, dilation=d, padding=same_padding(kernel, d)))
            for d in dilations
        )
        self.convs2 = nn.ModuleList(
            wn(nn.Conv1d(channels, channels, kernel, padding=same_padding(kernel))) for _ in dilations
        )
        self.activations1 = nn.ModuleList(Snake(channels) for _ in dilations)
        self.activations2 = nn.ModuleList(Snake(channels) for _ in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2, a1, a2 in zip(self.convs1, self.convs2, self.activations1, self.activations2):
            x = x + c2(a2(c1(a1(x))))
        return x


class F0Predictor(nn.Module):
    """Mel (B, 80, T) -> F0 in Hz (B, T): five conv+ELU layers, a linear head, absolute value."""

    def __init__(self, in_channels: int = 80, cond_channels: int = 512) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(5):
            layers += [
                wn(nn.Conv1d(in_channels if i == 0 else cond_channels, cond_channels, 3, padding=1)),
                nn.ELU(),
            ]
        self.condnet = nn.Sequential(*layers)
        self.classifier = nn.Linear(cond_channels, 1)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        h = self.condnet(mel).transpose(1, 2)
        return torch.abs(self.classifier(h).squeeze(-1))


class HarmonicSource(nn.Module):
    """NSF excitation from F0 (the 24 kHz "SineGen2" variant): 9 harmonics merged to one channel.

    The phase is integrated at frame rate and interpolated back, as released, so it stays
    smooth without a sample-level cumulative sum. Random draws come in from the caller.
    """

    def __init__(
        self,
        sample_rate: int,
        upsample: int,
        harmonics: int = 8,
        sine_amp: float = 0.1,
        noise_std: float = 0.003,
        voiced_threshold: float = 10.0,
    ) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.upsample = upsample
        self.n = harmonics + 1
        self.sine_amp = sine_amp
        self.noise_std = noise_std
        self.voiced_threshold = voiced_threshold
        self.l_linear = nn.Linear(harmonics + 1, 1)

    def forward(self, f0: torch.Tensor, phase0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """f0 (B, N, 1) at sample rate; phase0 (B, n) in [0,1); noise (B, N, n) ~ N(0,1) -> (B, N, 1)."""
        return self.excite(f0, self.frame_phase(f0, phase0), noise)

    def frame_phase(self, f0: torch.Tensor, phase0: torch.Tensor) -> torch.Tensor:
        """(B, T, n) integrated harmonic phase per frame, in cycles / ``upsample``.

        Separate from ``excite`` so a streamed window can be shifted to continue the phase of
        the window before it (``HiFT.inference_window``)."""
        mult = torch.arange(1, self.n + 1, device=f0.device, dtype=f0.dtype)[None, None, :]
        rad = (f0 * mult / self.sample_rate) % 1
        phase0 = phase0.clone()
        phase0[:, 0] = 0  # the fundamental starts at phase 0
        rad[:, 0, :] = rad[:, 0, :] + phase0
        rad = F.interpolate(rad.transpose(1, 2), scale_factor=1 / self.upsample, mode="linear").transpose(
            1, 2
        )
        return torch.cumsum(rad, dim=1)

    def excite(self, f0: torch.Tensor, frame_phase: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The merged excitation (B, N, 1) from F0 and ``frame_phase`` (see there)."""
        phase = frame_phase * 2 * math.pi
        phase = F.interpolate(
            phase.transpose(1, 2) * self.upsample, scale_factor=self.upsample, mode="linear"
        ).transpose(1, 2)
        sines = torch.sin(phase) * self.sine_amp
        uv = (f0 > self.voiced_threshold).float()
        amp = uv * self.noise_std + (1 - uv) * self.sine_amp / 3
        s = sines * uv + amp * noise
        return torch.tanh(self.l_linear(s))


def draw_source_noise(
    batch: int, samples: int, n: int, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two random inputs of the source in the release's order: U[0,1) phases, then N(0,1) noise.

    The release draws the noise with ``randn_like`` of a transposed (channel-major) tensor, and
    torch fills a non-contiguous tensor with a different sequence than a contiguous one; filling
    a tensor with the same strides gives the same numbers at the same positions for a seed.
    """
    dev = generator.device if generator is not None else torch.device("cpu")
    phase0 = torch.rand(batch, n, generator=generator, device=dev)
    noise = torch.empty(batch, n, samples, device=dev).transpose(1, 2).normal_(generator=generator)
    return phase0, noise
