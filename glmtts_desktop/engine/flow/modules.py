"""Building blocks of the flow DiT (spec 8.3), named so the state-dict keys match the release.

Every attribute name here is part of the checkpoint format (``time_mlp.0``, ``ff.ff.0.0``,
``to_out.0`` ...); renaming one breaks loading of the official ``flow.pt``.
Position tables are computed in float32 on the fly, whatever the module dtype, because bf16
cannot represent frame positions above 256 exactly.
"""

from __future__ import annotations

import logging
import math

import torch
import torch.nn.functional as F
from torch import nn

log = logging.getLogger(__name__)


def time_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """[sin, cos] of 1000*t at ``dim/2`` log-spaced frequencies; (B,) -> (B, dim), float32."""
    half = dim // 2
    step = math.log(10000) / (half - 1)
    freqs = torch.exp(torch.arange(half, device=t.device).float() * -step)
    arg = 1000 * t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat((arg.sin(), arg.cos()), dim=-1)


class TimestepEmbedding(nn.Module):
    def __init__(self, dim: int, freq_dim: int = 256) -> None:
        super().__init__()
        self.freq_dim = freq_dim
        self.time_mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        first = self.time_mlp[0]
        assert isinstance(first, nn.Linear)
        feats = time_features(t, self.freq_dim).to(first.weight.dtype)
        return self.time_mlp(feats)


def text_position_table(
    length: int, dim: int, max_pos: int, device: torch.device, positions: torch.Tensor | None = None
) -> torch.Tensor:
    """Absolute sinusoid table [cos | sin] for positions 0..length-1 (or ``positions``, the frames'
    places in the whole utterance when only a window of it is rendered) clamped to max_pos-1."""
    freqs = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, device=device)[: dim // 2].float() / dim))
    pos = torch.arange(length, device=device) if positions is None else positions.to(device)
    pos = pos.clamp(max=max_pos - 1).float()
    ang = pos[:, None] * freqs[None, :]
    return torch.cat((torch.cos(ang), torch.sin(ang)), dim=-1)


class GRN(nn.Module):
    """Global response norm whose statistic runs over the *time* axis (as released)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1, 1, dim))
        self.beta = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, C)
        g = torch.linalg.vector_norm(x, ord=2, dim=1, keepdim=True)
        n = g / (g.mean(dim=-1, keepdim=True) + 1e-6)
        return self.gamma * (x * n) + self.beta + x


class ConvNeXtV2Block(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.grn = GRN(hidden)
        self.pwconv2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, C)
        y = self.dwconv(x.transpose(1, 2)).transpose(1, 2)
        y = self.pwconv2(self.grn(self.act(self.pwconv1(self.norm(y)))))
        return x + y


class TextEmbedding(nn.Module):
    """Speech tokens -> frame-rate features: nearest upsampling of ids, embed, sinusoid, ConvNeXt."""

    def __init__(self, vocab_size: int, dim: int, conv_layers: int, max_pos: int) -> None:
        super().__init__()
        self.dim = dim
        self.max_pos = max_pos
        self.text_embed = nn.Embedding(vocab_size + 1, dim)
        self.text_blocks = nn.Sequential(*[ConvNeXtV2Block(dim, dim * 2) for _ in range(conv_layers)])

    def forward(
        self, tokens: torch.Tensor, frames: int, positions: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``tokens`` (B, L) spread over ``frames``; with L == frames (one id per frame, as a
        streaming window passes them) the spreading is the identity."""
        # Interpolating the float ids reproduces the release exactly (frame j -> token floor(j*L/T)).
        ids = F.interpolate(tokens.unsqueeze(1).float(), size=frames, mode="nearest").squeeze(1).long()
        h = self.text_embed(ids)
        table = text_position_table(frames, self.dim, self.max_pos, tokens.device, positions)
        h = h + table.to(h.dtype).unsqueeze(0)
        return self.text_blocks(h)


class ConvPositionEmbedding(nn.Module):
    def __init__(self, dim: int, kernel: int = 31, groups: int = 16) -> None:
        super().__init__()
        self.conv1d = nn.Sequential(
            nn.Conv1d(dim, dim, kernel, groups=groups, padding=kernel // 2),
            nn.Mish(),
            nn.Conv1d(dim, dim, kernel, groups=groups, padding=kernel // 2),
            nn.Mish(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, C)
        return self.conv1d(x.transpose(1, 2)).transpose(1, 2)


class EmbeddingConcater(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, kernel: int, groups: int) -> None:
        super().__init__()
        self.proj = nn.Linear(in_dim, out_dim)
        self.conv_pos_embed = ConvPositionEmbedding(out_dim, kernel, groups)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        h = self.proj(torch.cat((x, cond, text), dim=-1))
        return self.conv_pos_embed(h) + h


class RotaryEmbedding(nn.Module):
    """Interleaved RoPE angles for ``dim`` channels; ``inv_freq`` is a persistent checkpoint buffer.

    The buffer stays float32 when the module is cast to bf16: positions times bf16 frequencies
    would lose the phase after a few hundred frames.
    """

    inv_freq: torch.Tensor  # buffer

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)))

    def _apply(self, fn, recurse=True):
        keep = self.inv_freq
        out = super()._apply(fn, recurse)
        if (
            self.inv_freq.dtype != torch.float32
            and keep.dtype == torch.float32
            and keep.device.type != "meta"
        ):
            self.inv_freq = keep.to(self.inv_freq.device)
        elif self.inv_freq.is_floating_point() and self.inv_freq.dtype != torch.float32:
            self.inv_freq = self.inv_freq.float()
        return out

    def angles(self, length: int, positions: torch.Tensor | None = None) -> torch.Tensor:
        """(length, dim) float32 angles laid out [θ0, θ0, θ1, θ1, ...], at frames 0..length-1 or
        at ``positions`` (a window's places in the whole utterance)."""
        inv = self.inv_freq.float()
        pos = torch.arange(length, device=inv.device) if positions is None else positions.to(inv.device)
        pos = pos.float()
        ang = pos[:, None] * inv[None, :]
        return torch.stack((ang, ang), dim=-1).flatten(-2)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate interleaved pairs of the first ``cos.shape[-1]`` channels of (B, T, C); the rest pass.

    With the released model the angles are 64 wide and q/k are 768 wide, so only head 0 is
    rotated; this matches the checkpoint and must not be "fixed".
    """
    rot = cos.shape[-1]
    head, tail = x[..., :rot].float(), x[..., rot:]
    pairs = head.unflatten(-1, (-1, 2))
    swapped = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)
    out = head * cos + swapped * sin
    return torch.cat((out.to(x.dtype), tail), dim=-1)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, dim_head: int) -> None:
        super().__init__()
        self.heads = heads
        inner = heads * dim_head
        self.to_q = nn.Linear(dim, inner)
        self.to_k = nn.Linear(dim, inner)
        self.to_v = nn.Linear(dim, inner)
        self.to_out = nn.ModuleList([nn.Linear(inner, dim), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q = apply_rotary(self.to_q(x), cos, sin)
        k = apply_rotary(self.to_k(x), cos, sin)
        v = self.to_v(x)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        o = F.scaled_dot_product_attention(q, k, v)
        o = o.transpose(1, 2).reshape(b, t, -1)
        return self.to_out[0](o)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int) -> None:
        super().__init__()
        inner = int(dim * mult)
        self.ff = nn.Sequential(
            nn.Sequential(nn.Linear(dim, inner), nn.GELU(approximate="tanh")),
            nn.Dropout(0.0),
            nn.Linear(inner, dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ff(x)


class AdaLayerNormZero(nn.Module):
    """Six modulation vectors from the conditioning: shift, scale, gate (attn) then (ff)."""

    def __init__(self, dim: int, cond_dim: int) -> None:
        super().__init__()
        self.silu = nn.SiLU()
        self.linear = nn.Linear(cond_dim, dim * 6)
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        shift, scale, gate, shift_ff, scale_ff, gate_ff = self.linear(self.silu(c)).chunk(6, dim=1)
        x = self.norm(x) * (1 + scale[:, None]) + shift[:, None]
        return x, gate, shift_ff, scale_ff, gate_ff


class AdaLayerNormFinal(nn.Module):
    """Final modulation: note the order is scale, shift (unlike the blocks)."""

    def __init__(self, dim: int, cond_dim: int) -> None:
        super().__init__()
        self.silu = nn.SiLU()
        self.linear = nn.Linear(cond_dim, dim * 2)
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        scale, shift = self.linear(self.silu(c)).chunk(2, dim=1)
        return self.norm(x) * (1 + scale[:, None]) + shift[:, None]


class DiTBlock(nn.Module):
    def __init__(self, dim: int, heads: int, dim_head: int, ff_mult: int, cond_dim: int) -> None:
        super().__init__()
        self.attn_norm = AdaLayerNormZero(dim, cond_dim)
        self.attn = Attention(dim, heads, dim_head)
        self.ff_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.ff = FeedForward(dim, ff_mult)

    def forward(self, x: torch.Tensor, c: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        n, gate, shift_ff, scale_ff, gate_ff = self.attn_norm(x, c)
        x = x + gate[:, None] * self.attn(n, cos, sin)
        n = self.ff_norm(x) * (1 + scale_ff[:, None]) + shift_ff[:, None]
        return x + gate_ff[:, None] * self.ff(n)
