"""Small helpers for the flow tests (a uniquely named module: every test area has a conftest)."""

from __future__ import annotations

import torch

TINY_VOCAB = 300


def flow_inputs(n_prompt: int, n_gen: int, prompt_frames: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randint(0, TINY_VOCAB, (1, n_prompt), generator=g),
        torch.randint(0, TINY_VOCAB, (1, n_gen), generator=g),
        torch.randn(1, prompt_frames, 80, generator=g) - 4.0,
        torch.randn(1, 192, generator=g),
    )
