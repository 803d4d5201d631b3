"""The flow-matching DiT (F5-TTS style) that predicts the velocity of the mel ODE (spec 8.3).

Only the offline, non-causal path of the release is implemented: no attention mask, no padding
mask (batch items always have the same length here), no streaming block pattern. Streaming
renders windows of the utterance instead (``positions``; see engine/streaming.py).
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from glmtts_desktop.engine.flow.config import FlowConfig
from glmtts_desktop.engine.flow.modules import (
    AdaLayerNormFinal,
    DiTBlock,
    EmbeddingConcater,
    RotaryEmbedding,
    TextEmbedding,
    TimestepEmbedding,
)

log = logging.getLogger(__name__)


class DiT(nn.Module):
    """Velocity field v(x, cond, tokens, t, spk). Lives at ``FlowModel.estimator``."""

    def __init__(self, cfg: FlowConfig) -> None:
        super().__init__()
        self.cfg = cfg
        dim, cond_dim = cfg.trans_dim, cfg.trans_dim + cfg.spk_dim
        self.time_embed = TimestepEmbedding(dim, cfg.time_freq_dim)
        self.text_emb_layer = TextEmbedding(
            cfg.vocab_size, cfg.text_emb_dim, cfg.conv_layers, cfg.max_text_pos
        )
        self.emb_concator = EmbeddingConcater(
            cfg.mel_dim * 2 + cfg.text_emb_dim, dim, cfg.conv_pos_kernel, cfg.conv_pos_groups
        )
        self.rotary_embed = RotaryEmbedding(cfg.dim_head)
        self.transformer_blocks = nn.ModuleList(
            [DiTBlock(dim, cfg.heads, cfg.dim_head, cfg.ff_mult, cond_dim) for _ in range(cfg.depth)]
        )
        self.norm_out = AdaLayerNormFinal(dim, cond_dim)
        self.proj_out = nn.Linear(dim, cfg.mel_dim)

    def forward(
        self,
        x: torch.Tensor,
        cond: torch.Tensor,
        tokens: torch.Tensor,
        t: torch.Tensor,
        spk: torch.Tensor,
        text_emb: torch.Tensor | None = None,
        positions: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x, cond: (B, T, mel); tokens: (B, L) ids; t: (B,) in [0, 1]; spk: (B, spk_dim) normalised.

        ``text_emb`` (B, T, text_emb_dim) may be passed in: it depends only on the tokens and the
        length, so the sampler computes it once instead of 20 times. ``positions`` (T,) are the
        frames' places in the whole utterance when x is a window of it (default 0..T-1): the
        rotary and sinusoid positions then match what the whole rendering would use.
        """
        frames = x.shape[1]
        c = torch.cat((self.time_embed(t), spk.to(x.dtype)), dim=-1)
        if text_emb is None:
            text_emb = self.embed_tokens(tokens, frames, positions)
        h = self.emb_concator(x, cond, text_emb)
        ang = self.rotary_embed.angles(frames, positions)
        cos, sin = ang.cos(), ang.sin()
        for block in self.transformer_blocks:
            h = block(h, c, cos, sin)
        return self.proj_out(self.norm_out(h, c))

    def embed_tokens(
        self, tokens: torch.Tensor, frames: int, positions: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.text_emb_layer(tokens, frames, positions)
