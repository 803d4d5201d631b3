"""The official samplers (RAS, top-k, greedy) computed on the model's device, one read per token.

Why: ``TokenSampler`` reads the candidates to the host, then the drawn slot, then maybe the
fallback draw - two or three device->host round trips per token. On a GPU each one stalls the
launch queue, so the decode rate is set by the host. Here every decision is a tensor op on the
device and the only read is the final ``(id, fallback taken)`` pair, which the loop needs anyway
to stop at eoa.

The draws stay draw-for-draw the official ones (same seed, same tokens, same generator state):

* ``torch.multinomial`` of one sample is computed by torch as ``argmax(w / q)`` with
  ``q = empty_like(w).exponential_()`` (its one-sample fast path). We run exactly that, without
  multinomial's own validity checks, which read to the host.
* The nucleus draw is over the ``n`` kept entries only. On CUDA the Philox generator gives entry
  ``j`` of a small ``exponential_`` the same value whatever the tensor's length, and advances its
  offset by the same amount for any length below 1024, so a race over all ``top_k`` candidates
  with the dropped ones weighted 0 is the official draw (``fixed_race``; checked on a GPU by
  ``benchmarks/gpu_check.sh`` through the CUDA cases of the sampling tests). The CPU generator
  consumes one number per entry, so on the CPU the race is cut to ``n`` entries (a free read).
* The repetition fallback is drawn speculatively from the same generator state, and the state is
  rolled back on the host when the fallback was not needed - the official draws it only then.
* The nucleus count uses the official fp32 running sum, added one candidate at a time.

The valid-id restriction is ``sampling``'s (same weights, same deviation).
"""

from __future__ import annotations

import logging

import torch

from glmtts_desktop.engine.llm.sampling import (
    MAX_EOA_REDRAWS,
    RAS_TAU_R,
    RAS_TOP_K,
    RAS_TOP_P,
    TOPK_K,
    SamplerBase,
    _valid_fallback_weights,
    candidates,
)

log = logging.getLogger(__name__)


def race(weights: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The index ``torch.multinomial(weights, 1)`` would draw, as a 0-d device tensor, no sync."""
    q = torch.empty_like(weights).exponential_(1, generator=generator)
    return (weights / q).argmax()


def nucleus_mask(
    sorted_probs: torch.Tensor, top_p: float = RAS_TOP_P, top_k: int = RAS_TOP_K
) -> torch.Tensor:
    """Bool mask of the candidates the official nucleus loop keeps, on the device.

    The running sum is an fp32 tensor updated one candidate at a time, as in the official loop
    (a ``cumsum`` would round differently). The first candidate is always kept."""
    total = torch.zeros((), dtype=torch.float32, device=sorted_probs.device)
    before = []
    for j in range(min(int(top_k), sorted_probs.shape[0])):
        before.append(total)
        total = total + sorted_probs[j]
    return torch.stack(before) < top_p


class DeviceSampler(SamplerBase):
    """Per-segment sampler state kept on the device; same interface as ``TokenSampler``.

    ``__call__`` returns the absolute id as a host int (the loop's one read) and leaves the same
    id on the device as ``token`` ([1, 1] long), ready to be fed back without a host->device copy.
    """

    def __init__(self, method: str, *, fixed_race: bool | None = None, **kwargs) -> None:
        super().__init__(method, **kwargs)
        dev = self.valid.device
        self.fixed_race = dev.type == "cuda" if fixed_race is None else bool(fixed_race)
        self._eoa_index = torch.tensor([self.eoa], device=dev)
        self.history = torch.full((self.win_size,), -1, dtype=torch.long, device=dev)
        self.token = torch.zeros(1, 1, dtype=torch.long, device=dev)
        self.reads = 0  # device->host reads made, for tests and benchmarks

    def _read(self, *values: torch.Tensor) -> list[int]:
        self.reads += 1
        return [int(v) for v in torch.stack([v.reshape(()).long() for v in values]).tolist()]

    def _logp(self, logits: torch.Tensor, ban_eoa: bool) -> torch.Tensor:
        logp = logits.reshape(-1).float().log_softmax(-1)
        if ban_eoa:
            logp = logp.index_fill(0, self._eoa_index, float("-inf"))
        return logp

    def __call__(self, logits: torch.Tensor, *, ban_eoa: bool) -> int:
        if self.method == "ras":
            tok = self._ras(self._logp(logits, ban_eoa))
        elif self.method == "topk":
            tok = self._topk(logits.reshape(-1).float().log_softmax(-1), ban_eoa)
        else:
            scores = self._logp(logits, ban_eoa).masked_fill(~self.valid, float("-inf"))
            tok = self._finish(scores.argmax())
        return tok

    def _finish(self, token: torch.Tensor, *extra: torch.Tensor) -> int:
        self.token.copy_(token.reshape(1, 1))
        return self._read(token, *extra)[0]

    def _ras(self, logp: torch.Tensor) -> int:
        gen = self.generator
        probs = logp.softmax(-1)
        sorted_p, sorted_i = candidates(probs, RAS_TOP_K)
        kept = sorted_p * nucleus_mask(sorted_p)
        if not self.fixed_race:
            kept = kept[: int(kept.count_nonzero())]  # CPU: the race must have the official length
        pick = sorted_i[race(kept, gen)]
        repeated = (self.history == pick).sum() >= self.win_size * RAS_TAU_R
        fallback_needed = repeated | ~self.valid[pick]
        before = gen.get_state()
        fallback = race(_valid_fallback_weights(logp, probs, self.valid), gen)
        token = torch.where(fallback_needed, fallback, pick)
        self.token.copy_(token.reshape(1, 1))
        tid, took_fallback = self._read(token, fallback_needed)
        if not took_fallback:
            gen.set_state(before)  # the official draws the fallback only on a repeat
        return tid

    def _topk(self, logp: torch.Tensor, ban_eoa: bool) -> int:
        """The official redraws while eoa is banned; each redraw is one more read (rare).

        When no allowed id of the top k has weight, ``TokenSampler`` draws from the top k of the
        allowed ids instead; both races have k entries, so one race over the chosen weights
        consumes the generator exactly like either branch, and no read is needed to choose."""
        k = min(TOPK_K, logp.shape[-1])
        top_p, top_i = logp.softmax(-1).topk(k)
        weights = top_p * self.valid[top_i]
        allowed = weights if not ban_eoa else weights * (top_i != self.eoa)
        scores = logp.masked_fill(~self.valid, float("-inf"))
        if ban_eoa:
            scores = scores.index_fill(0, self._eoa_index, float("-inf"))
        alt_p, alt_i = scores.softmax(-1).topk(k)
        usable = allowed.sum() > 0
        weights, ids = torch.where(usable, weights, alt_p), torch.where(usable, top_i, alt_i)
        for _ in range(MAX_EOA_REDRAWS):
            tid = self._finish(ids[race(weights, self.generator)])
            if not (ban_eoa and tid == self.eoa):
                return tid
        log.warning("top-k: eoa drawn %d times before min_len; drawing with eoa excluded", MAX_EOA_REDRAWS)
        return self._finish(ids[race(weights * (ids != self.eoa), self.generator)])

    def push(self, token=None) -> None:
        """Record the id just drawn in the repetition window, on the device (``token``, the same
        id as a host int, is accepted for ``TokenSampler``'s interface and not copied back)."""
        self.history.copy_(torch.cat((self.history[1:], self.token.reshape(1))))

    def token_tensor(self, tid: int) -> torch.Tensor:
        """The id to feed back, [1, 1] on the device (already there: no copy)."""
        return self.token
