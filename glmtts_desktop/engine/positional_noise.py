"""Random numbers addressed by their place in an utterance, not by the order they are drawn in.

Why: a streamed segment is rendered in overlapping windows (engine/streaming.py). Two windows
that both cover frame 1234 must start the flow from the same x0 there, and the vocoder's source
noise must be the same at the same sample, or the crossfade mixes two different renderings.
A generator drawn in order cannot give that; rows made per fixed block from a seed derived from
(seed, salt, block index) can, and any window is assembled from the blocks it overlaps.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

log = logging.getLogger(__name__)


class PositionalNoise:
    """Standard-normal rows of ``width`` values; row i is the same for the same (seed, salt, i)."""

    def __init__(self, seed: int, width: int, *, block: int = 256, salt: int = 0, keep: int = 64) -> None:
        self.seed = int(seed)
        self.width = int(width)
        self.block = int(block)
        self.salt = int(salt)
        self.keep = int(keep)  # blocks cached (a window reuses the prompt's and its neighbours')
        self._blocks: dict[int, torch.Tensor] = {}

    def _block(self, index: int) -> torch.Tensor:
        got = self._blocks.get(index)
        if got is None:
            state = np.random.SeedSequence([self.seed, self.salt, index]).generate_state(1, np.uint64)[0]
            gen = torch.Generator().manual_seed(int(state) & (2**63 - 1))
            got = torch.randn(self.block, self.width, generator=gen)
            if len(self._blocks) >= self.keep:
                # drop the block farthest from this one (windows move forward; a dropped block
                # is simply made again, identical, if asked for)
                far = max(self._blocks, key=lambda b: abs(b - index))
                del self._blocks[far]
            self._blocks[index] = got
        return got

    def rows(self, positions: np.ndarray) -> torch.Tensor:
        """(len(positions), width) float32 on the CPU for non-negative row indices."""
        pos = np.asarray(positions, dtype=np.int64)
        out = torch.empty(len(pos), self.width)
        if len(pos) == 0:
            return out
        blocks = pos // self.block
        for b in np.unique(blocks):
            sel = np.nonzero(blocks == b)[0]
            out[torch.from_numpy(sel)] = self._block(int(b))[torch.from_numpy(pos[sel] - b * self.block)]
        return out

    def span(self, start: int, stop: int) -> torch.Tensor:
        """Rows start..stop-1 (a contiguous run, e.g. a window's samples)."""
        return self.rows(np.arange(start, stop, dtype=np.int64))
