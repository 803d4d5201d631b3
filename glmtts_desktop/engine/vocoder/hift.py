"""HiFT, the 24 kHz vocoder (CosyVoice2's NSF + iSTFT HiFi-GAN), spec 9.1.

``hift.pt`` is a bare state dict without a config; the released hyper-parameters are fixed
here and only the channel widths are read from tensor shapes, so a small development HiFT
(e.g. 32 base channels) loads through the same code. Upsampling is always 8·5·3 and the iSTFT
hop 4: 480 samples per 50 fps mel frame at 24 kHz.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.engine.flow.weights_io import check_state_dict, read_state_dict, save_state_dict
from glmtts_desktop.engine.vocoder.hift_layers import (
    F0Predictor,
    HarmonicSource,
    ResBlock,
    draw_source_noise,
    fold_weight_norm,
    wn,
)
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
UPSAMPLE_RATES = (8, 5, 3)
UPSAMPLE_KERNELS = (16, 11, 7)
RESBLOCK_KERNELS = (3, 7, 11)
SOURCE_RESBLOCK_KERNELS = (7, 7, 11)
N_FFT = 16
HOP = 4
HOP_LENGTH = 8 * 5 * 3 * HOP  # 480
LRELU_SLOPE = 0.1
AUDIO_LIMIT = 0.99
HINT_24K = (
    "The 24 kHz vocoder (hift/hift.pt) comes with the standard download; run glmtts-desktop download again."
)


@dataclass(frozen=True)
class HiftSizes:
    in_channels: int = 80
    base_channels: int = 512
    f0_channels: int = 512
    harmonics: int = 8

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> HiftSizes:
        try:
            pre = state["conv_pre.parametrizations.weight.original1"].shape
            f0 = state["f0_predictor.condnet.0.parametrizations.weight.original1"].shape
            lin = state["m_source.l_linear.weight"].shape
            return cls(
                in_channels=int(pre[1]),
                base_channels=int(pre[0]),
                f0_channels=int(f0[0]),
                harmonics=int(lin[1]) - 1,
            )
        except (KeyError, IndexError) as exc:
            raise ValueError(f"not a HiFT state dict (no {exc})") from exc


class HiFT(nn.Module):
    stft_window: torch.Tensor  # buffer

    def __init__(self, sizes: HiftSizes = HiftSizes()) -> None:
        super().__init__()
        self.sizes = sizes
        base, n_stages = sizes.base_channels, len(UPSAMPLE_RATES)
        self.f0_predictor = F0Predictor(sizes.in_channels, sizes.f0_channels)
        self.m_source = HarmonicSource(SAMPLE_RATE, HOP_LENGTH, sizes.harmonics)
        self.conv_pre = wn(nn.Conv1d(sizes.in_channels, base, 7, padding=3))
        self.ups = nn.ModuleList(
            wn(nn.ConvTranspose1d(base >> i, base >> (i + 1), k, u, padding=(k - u) // 2))
            for i, (u, k) in enumerate(zip(UPSAMPLE_RATES, UPSAMPLE_KERNELS))
        )
        # The STFT of the excitation is brought to each stage's frame rate: 15x, 3x, 1x.
        downs = [1]
        for r in UPSAMPLE_RATES[::-1][:-1]:
            downs.append(downs[-1] * r)
        self.source_downs = nn.ModuleList()
        self.source_resblocks = nn.ModuleList()
        for i, (d, k) in enumerate(zip(downs[::-1], SOURCE_RESBLOCK_KERNELS)):
            ch = base >> (i + 1)
            conv = (
                nn.Conv1d(N_FFT + 2, ch, 1) if d == 1 else nn.Conv1d(N_FFT + 2, ch, d * 2, d, padding=d // 2)
            )
            self.source_downs.append(conv)
            self.source_resblocks.append(ResBlock(ch, k))
        self.resblocks = nn.ModuleList(
            ResBlock(base >> (i + 1), k) for i in range(n_stages) for k in RESBLOCK_KERNELS
        )
        self.conv_post = wn(nn.Conv1d(base >> n_stages, N_FFT + 2, 7, padding=3))
        window = torch.hann_window(N_FFT, periodic=True, dtype=torch.float64).float()
        self.register_buffer("stft_window", window, persistent=False)

    # ------------------------------------------------------------------ inference
    @torch.inference_mode()
    def inference(
        self,
        mel: torch.Tensor,
        *,
        generator: torch.Generator | None = None,
        phase: torch.Tensor | None = None,
        noise: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Waveform (1, 480·T) in [−0.99, 0.99] from mel (1, 80, T).

        The source needs random numbers; pass them (``phase`` (1, 9) U[0,1) initial harmonic
        phases, column 0 is ignored; ``noise`` (1, 480·T, 9) standard normal) for bit-exact
        comparisons, or a ``generator`` to draw them (phases first, as the release does).
        """
        if mel.dim() != 3 or mel.shape[0] != 1 or mel.shape[1] != self.sizes.in_channels:
            raise InvalidInputError(
                tr(
                    "HiFT expects a mel of shape (1, {in_channels}, T), got {shape}.",
                    in_channels=self.sizes.in_channels,
                    shape=tuple(mel.shape),
                )
            )
        dev = self.stft_window.device
        mel = mel.to(dev, torch.float32)
        frames = mel.shape[2]
        if frames == 0:
            return torch.zeros(1, 0, device=dev)
        n, samples = self.sizes.harmonics + 1, frames * HOP_LENGTH
        if phase is None or noise is None:
            p_draw, n_draw = draw_source_noise(1, samples, n, generator)
            phase = p_draw if phase is None else phase
            noise = n_draw if noise is None else noise
            # The release also draws a (1, 480T, 1) noise it never uses; drawing it too leaves the
            # generator in the same state, so whatever is drawn next matches the official run.
            gdev = generator.device if generator is not None else torch.device("cpu")
            torch.randn(1, samples, 1, generator=generator, device=gdev)
        if tuple(phase.shape) != (1, n) or tuple(noise.shape) != (1, samples, n):
            raise InvalidInputError(
                tr(
                    "HiFT noise shapes must be (1, {n}) and (1, {samples}, {n}); got {shape}, {shape2}.",
                    n=n,
                    samples=samples,
                    shape=tuple(phase.shape),
                    shape2=tuple(noise.shape),
                )
            )
        f0 = self.f0_predictor(mel)  # (1, T)
        f0_up = F.interpolate(f0[:, None], scale_factor=HOP_LENGTH, mode="nearest").transpose(1, 2)
        source = self.m_source(f0_up, phase.to(dev, torch.float32), noise.to(dev, torch.float32))
        return self.decode(mel, source.transpose(1, 2))

    @torch.inference_mode()
    def inference_window(
        self, mel: torch.Tensor, noise: torch.Tensor, anchor: tuple[int, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One window of a streamed mel: (waveform (1, 480·T), harmonic phase per frame (T, n)).

        The NSF source integrates the harmonic phase from the window's first frame, so two
        overlapping windows would hum at different phases and their crossfade would comb. With
        ``anchor = (frame, cycles)`` the phase is shifted so that at that frame of this window
        it equals ``cycles`` (n,), the phase the previous window had there (from its returned
        phases, in cycles mod 1). ``noise`` (1, 480·T, n) is the source noise of these samples.
        """
        dev = self.stft_window.device
        mel = mel.to(dev, torch.float32)
        n = self.sizes.harmonics + 1
        f0 = self.f0_predictor(mel)
        f0_up = F.interpolate(f0[:, None], scale_factor=HOP_LENGTH, mode="nearest").transpose(1, 2)
        phase = self.m_source.frame_phase(f0_up, torch.zeros(1, n, device=dev))
        if anchor is not None:
            frame, cycles = anchor
            now = phase[0, frame].double() * HOP_LENGTH
            shift = torch.remainder(cycles.to(dev).double() - now, 1.0) / HOP_LENGTH
            phase = phase + shift.float()
        source = self.m_source.excite(f0_up, phase, noise.to(dev, torch.float32))
        wav = self.decode(mel, source.transpose(1, 2))
        return wav, torch.remainder(phase[0].double() * HOP_LENGTH, 1.0)

    def decode(self, mel: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        """Mel (1, 80, T) + excitation (1, 1, 480T) -> waveform (1, 480T)."""
        spec = torch.stft(source.squeeze(1), N_FFT, HOP, N_FFT, window=self.stft_window, return_complex=True)
        spec = torch.view_as_real(spec)
        s = torch.cat((spec[..., 0], spec[..., 1]), dim=1)
        x = self.conv_pre(mel)
        k = len(RESBLOCK_KERNELS)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            if i == len(self.ups) - 1:
                x = F.pad(x, (1, 0), mode="reflect")
            x = x + self.source_resblocks[i](self.source_downs[i](s))
            acc = self.resblocks[i * k](x)
            for j in range(1, k):
                acc = acc + self.resblocks[i * k + j](x)
            x = acc / k
        x = self.conv_post(F.leaky_relu(x))  # default slope 0.01 here, as released
        half = N_FFT // 2 + 1
        mag = torch.exp(x[:, :half]).clamp(max=1e2)
        ph = torch.sin(x[:, half:])
        wav = torch.istft(
            torch.complex(mag * torch.cos(ph), mag * torch.sin(ph)),
            N_FFT,
            HOP,
            N_FFT,
            window=self.stft_window,
        )
        return wav.clamp(-AUDIO_LIMIT, AUDIO_LIMIT)


def load_hift(path: Path, *, device: torch.device | str = "cpu", fold: bool = True) -> HiFT:
    """Strictly load ``hift.pt`` (float32; see ``vocoder.Vocoder`` for why not bf16)."""
    path = Path(path)
    state = read_state_dict(path, what=N_("24 kHz vocoder (HiFT)"), hint=HINT_24K)
    try:
        sizes = HiftSizes.from_state_dict(state)
    except ValueError as exc:
        raise CorruptWeightsError(
            tr("The 24 kHz vocoder file {path} is not a HiFT checkpoint.", path=path),
            hint=HINT_24K,
            detail=str(exc),
        ) from exc
    model = HiFT(sizes)
    check_state_dict(model.state_dict(), state, path=path, what=N_("24 kHz vocoder (HiFT)"), hint=HINT_24K)
    model.load_state_dict(state, strict=True)
    if fold:
        fold_weight_norm(model)
    log.info("loaded HiFT from %s (base channels %d)", path, sizes.base_channels)
    return model.to(device=device, dtype=torch.float32).eval().requires_grad_(False)


def write_random_hift(hift_dir: Path, *, size: str = "tiny", seed: int = 0) -> None:
    """Write ``hift_dir/hift.pt`` with random weights in the official key layout."""
    if size == "full":
        sizes = HiftSizes()
    elif size == "tiny":
        sizes = HiftSizes(base_channels=32, f0_channels=32)
    else:
        raise ValueError(f"size must be 'full' or 'tiny', not {size!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = HiFT(sizes)
        _quiet_init(model)
    save_state_dict(model.state_dict(), Path(hift_dir) / "hift.pt")
    log.info("wrote random %s HiFT to %s", size, hift_dir)


def _quiet_init(model: HiFT) -> None:
    """Small conv weights (N(0, 0.01) on the weight-norm direction, g = |v|) like HiFi-GAN training init."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("original1"):
                p.normal_(0.0, 0.01)
        for module in model.modules():
            plist = getattr(module, "parametrizations", None)
            if plist is not None and "weight" in plist:
                v = plist.weight.original1
                dims = tuple(range(1, v.dim()))
                plist.weight.original0.copy_(torch.linalg.vector_norm(v, dim=dims, keepdim=True))
