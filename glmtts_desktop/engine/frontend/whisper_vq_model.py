"""The WhisperVQ encoder, token path only (spec §4.4).

A Whisper-large-v3 encoder cut at ``quantize_position`` layers, with a block-causal attention
mask, average pooling to 25 Hz and a nearest-codebook lookup. Module and parameter names match
the checkpoint keys after the official renaming (``conv1.weight``, ``layers.3.self_attn.q_proj.bias``,
``codebook.weight``...), so a state dict loads without translation.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn

from glmtts_desktop.engine.frontend.whisper_vq_config import WhisperVQConfig

log = logging.getLogger(__name__)


class _SelfAttention(nn.Module):
    def __init__(self, cfg: WhisperVQConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.heads = cfg.encoder_attention_heads
        self.q_proj = nn.Linear(d, d, bias=True)
        self.k_proj = nn.Linear(d, d, bias=False)  # Whisper's key projection has no bias
        self.v_proj = nn.Linear(d, d, bias=True)
        self.out_proj = nn.Linear(d, d, bias=True)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        h = self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, h, d // h).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        # boolean mask: True = may attend; same result as the reference's additive finfo.min mask
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        return self.out_proj(out.transpose(1, 2).reshape(b, t, d))


class _EncoderLayer(nn.Module):
    def __init__(self, cfg: WhisperVQConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.self_attn = _SelfAttention(cfg)
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, cfg.encoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, d)
        self.final_layer_norm = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.self_attn_layer_norm(x), allowed)
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))


def block_causal_allowed(key_mask: torch.Tensor, block: int | None) -> torch.Tensor:
    """(B, 1, T, T) bool: query i may see key j iff j is real and (j <= i or same block of ``block``).

    Without a block size the encoder is bidirectional and only padding keys are hidden.
    """
    b, t = key_mask.shape
    keys = key_mask.bool()[:, None, None, :]
    if block is None:
        return keys.expand(b, 1, t, t)
    idx = torch.arange(t, device=key_mask.device)
    causal = idx[None, :] <= idx[:, None]
    same_block = (idx[:, None] // block) == (idx[None, :] // block)
    return (causal | same_block)[None, None] & keys


class WhisperVQEncoder(nn.Module):
    """Features (B, mels, frames) + frame mask -> codebook ids (B, frames / (2·pool)) + id mask."""

    def __init__(self, cfg: WhisperVQConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.conv1 = nn.Conv1d(cfg.num_mel_bins, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1)
        self.embed_positions = nn.Embedding(cfg.max_source_positions, d)
        self.layers = nn.ModuleList(_EncoderLayer(cfg) for _ in range(cfg.n_layers))
        self.codebook = nn.Embedding(cfg.quantize_vocab_size, d)

    def hidden(self, feats: torch.Tensor, frame_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states at the quantiser input (after pooling) and their mask."""
        cfg = self.cfg
        x = F.gelu(self.conv1(feats))
        x = F.gelu(self.conv2(x)).transpose(1, 2)
        t = x.shape[1]
        if t > cfg.max_source_positions:
            raise ValueError(f"{t} encoder frames exceed max_source_positions {cfg.max_source_positions}")
        x = x + self.embed_positions.weight[:t]
        mask = frame_mask[:, :: self.conv1.stride[0] * self.conv2.stride[0]]
        block = cfg.quantize_causal_block_size
        allowed = block_causal_allowed(mask, block)
        for i, layer in enumerate(self.layers):
            x = layer(x, allowed)
            if cfg.pooling_kernel_size is not None and i + 1 == cfg.pooling_position:
                x, mask = self._pool(x, mask)
                allowed = block_causal_allowed(mask, None if block is None else block // cfg.pool)
        return x, mask

    def _pool(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.cfg.pool
        y = x.transpose(1, 2)
        if y.shape[-1] % k:
            y = F.pad(y, (0, k - y.shape[-1] % k))  # zeros on the right, as the reference does
        y = F.avg_pool1d(y, k) if self.cfg.pooling_type == "avg" else F.max_pool1d(y, k)
        return y.transpose(1, 2), mask[:, ::k]

    def quantize(self, h: torch.Tensor) -> torch.Tensor:
        """Nearest codebook row by squared L2 in fp32; the first index wins ties (torch.min)."""
        flat = h.reshape(-1, h.shape[-1]).float()
        book = self.codebook.weight.float()
        dist = torch.addmm(
            (book * book).sum(1) + (flat * flat).sum(1, keepdim=True), flat, book.t(), alpha=-2.0, beta=1.0
        )
        return dist.min(dim=1).indices.reshape(h.shape[0], h.shape[1])

    def forward(self, feats: torch.Tensor, frame_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, mask = self.hidden(feats, frame_mask)
        return self.quantize(h), mask
