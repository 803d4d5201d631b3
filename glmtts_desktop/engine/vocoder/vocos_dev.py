"""Our own small Vocos-style generator, saved as TorchScript in place of the 32 kHz vocoder.

The released ``vocos2d/generator_jit.ckpt`` is an opaque TorchScript archive whose architecture
the official code does not describe; tests and benchmarks need *a* file with the same calling
convention: input (B, T, 80) log-mel (already shifted by ``MEL_LOGDIFF``), output (B, 640·T)
samples at 32 kHz. This one is a ConvNeXt backbone with an inverse-STFT head ("same" padding,
so exactly hop·T samples). ``full`` is about the size of the official file, for timing;
``tiny`` is a few hundred KB.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from glmtts_desktop import codetrust
from glmtts_desktop.engine.flow.weights_io import atomic_write

log = logging.getLogger(__name__)

SIZES = {
    "full": dict(dim=512, hidden=1536, layers=8),
    "tiny": dict(dim=32, hidden=64, layers=2),
}


class _ConvNeXt(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(hidden, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T)
        y = self.dwconv(x).transpose(1, 2)
        y = self.pwconv2(self.act(self.pwconv1(self.norm(y)))) * self.gamma
        return x + y.transpose(1, 2)


class VocosDevGenerator(nn.Module):
    if TYPE_CHECKING:  # a buffer; a runtime annotation would confuse TorchScript
        window: torch.Tensor

    def __init__(
        self,
        n_mels: int = 80,
        dim: int = 512,
        hidden: int = 1536,
        layers: int = 8,
        n_fft: int = 2560,
        hop: int = 640,
    ) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.hop = hop
        self.embed = nn.Conv1d(n_mels, dim, 7, padding=3)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.blocks = nn.ModuleList([_ConvNeXt(dim, hidden) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, n_fft + 2)
        self.register_buffer("window", torch.hann_window(n_fft))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.embed(mel.transpose(1, 2))
        x = self.norm(x.transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        x = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2)  # (B, n_fft+2, T)
        half = self.n_fft // 2 + 1
        mag = torch.exp(x[:, :half]).clamp(max=100.0)
        ph = x[:, half:]
        spec = torch.complex(mag * torch.cos(ph), mag * torch.sin(ph))
        return self._istft_same(spec)

    def _istft_same(self, spec: torch.Tensor) -> torch.Tensor:
        """Overlap-add iSTFT trimmed symmetrically to exactly hop·frames samples."""
        frames = spec.shape[-1]
        pad = (self.n_fft - self.hop) // 2
        chunks = torch.fft.irfft(spec, n=self.n_fft, dim=1, norm="backward") * self.window[None, :, None]
        total = (frames - 1) * self.hop + self.n_fft
        y = torch.nn.functional.fold(
            chunks, output_size=(1, total), kernel_size=(1, self.n_fft), stride=(1, self.hop)
        )[:, 0, 0, pad:-pad]
        wsq = self.window.square().expand(1, frames, -1).transpose(1, 2)
        env = torch.nn.functional.fold(
            wsq, output_size=(1, total), kernel_size=(1, self.n_fft), stride=(1, self.hop)
        ).squeeze()[pad:-pad]
        return y / env.clamp(min=1e-11)


def write_random_vocos(vocos_dir: Path, *, size: str = "tiny", seed: int = 0) -> None:
    """Script our generator with random weights and save it as ``vocos_dir/generator_jit.ckpt``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gen = VocosDevGenerator(**SIZES[size]).eval()
        with torch.no_grad():
            gen.head.weight.mul_(0.1)  # keep random output quiet (|magnitude| near exp(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated upstream
        scripted = torch.jit.script(gen)
        target = Path(vocos_dir) / "generator_jit.ckpt"
        atomic_write(target, lambda tmp: torch.jit.save(scripted, str(tmp)))
    # our own program, written just now: trust exactly these bytes (a file from elsewhere is not)
    codetrust.trust_file(target, origin=codetrust.ORIGIN_DEV, note=f"dev checkpoint {target}")
    log.info("wrote random %s Vocos-style TorchScript generator to %s", size, vocos_dir)
