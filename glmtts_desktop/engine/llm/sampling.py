"""Speech-token samplers of GLM-TTS (RAS, top-k, greedy), drawing like the official code.

Why the draws copy the official consumption of random numbers: the official seeds torch's global
generator per segment (spec §7.5) and draws the LLM tokens, then the flow noise and the HiFT noise,
from that one stream. With the same seed our per-segment ``torch.Generator`` reproduces the
official tokens (and everything drawn after them) only if every draw uses the same torch op on a
tensor of the same length, in the same order, and no draw is added or skipped. So:

* RAS (spec §7.4): the nucleus is walked exactly as the official loop does it (fp32 running sum,
  ``cum < top_p and count < top_k``; the entry that crosses ``top_p`` is kept, the first always
  is); one ``torch.multinomial`` over the *kept* (unnormalised) probabilities only; then, only if
  the pick occurs among the last ``win_size`` generated ids, one ``torch.multinomial`` over the
  full softmax. (``multinomial`` of one sample is an exponential race, which on the CPU consumes
  one exponential per entry, so the length of the drawn tensor matters, not only its mass.)
* top-k: ``multinomial`` over the 25 largest probabilities, redrawn while it returns ``eoa``
  before ``min_len`` (the official redraws rather than masking eoa).

The price is host synchronisation: the kept count must be known before the nucleus draw and the
pick before the repetition test, so a step costs two small device-to-host reads (three when the
fallback is drawn) instead of one; the returned id is a Python int, so the loop needs no more.

Deliberate deviation (documented in the report): we never return ids that are not speech tokens
(``valid``: audio tokens, plus eoa). The official RAS fallback, and rarely its nucleus or top-k
pick, can emit text ids, which then break the flow stage. We zero the probability of invalid ids
*inside the same draw* (same tensor length, same random numbers), so a draw whose official outcome
is a valid id gives the identical id and leaves the generator in the identical state; the result
differs only where the official would have emitted a text id. In that case RAS treats an invalid
nucleus pick like a repetition (it goes to the restricted fallback, an extra draw the official
would not make), and top-k takes the best valid entry of the same race.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

log = logging.getLogger(__name__)

RAS_TOP_P = 0.8
RAS_TOP_K = 25
RAS_WIN_SIZE = 10
RAS_TAU_R = 0.1
TOPK_K = 25
METHODS = ("ras", "topk", "greedy")
# The official top-k redraws without limit while eoa is banned; past this many redraws (expected
# only when eoa holds > 99.9 % of the top-k mass) we draw once more with eoa's weight zeroed.
MAX_EOA_REDRAWS = 1000


def draw(weights: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One index drawn with probability proportional to ``weights`` (1-D, >= 0, positive sum),
    by ``torch.multinomial`` exactly as the official code draws; shape [1], on the device."""
    return torch.multinomial(weights, 1, replacement=True, generator=generator)


def candidates(probs: torch.Tensor, top_k: int = RAS_TOP_K) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``top_k`` largest probabilities and their ids, ordered like a stable descending sort.

    top-k instead of a full stable sort (30 ms vs 0.6 ms over 98k entries on a CPU core), then the
    k candidates ordered as the stable sort would (equal values: lower id first). Only a tie group
    straddling rank k could pick a different member than the official full sort.
    """
    top_p_, top_i = probs.topk(min(int(top_k), probs.shape[-1]))
    by_id = top_i.argsort()
    order = top_p_[by_id].argsort(descending=True, stable=True)
    return top_p_[by_id][order], top_i[by_id][order]


def nucleus_count(sorted_probs: Sequence[float], top_p: float = RAS_TOP_P, top_k: int = RAS_TOP_K) -> int:
    """How many of the descending ``sorted_probs`` the official nucleus loop keeps.

    The official adds fp32 tensor scalars one by one, so the running sum is rounded to fp32 after
    each addition; we do the same (a double-precision prefix sum could differ within an ulp).
    """
    total, limit, n = np.float32(0.0), np.float32(top_p), 0
    for value in sorted_probs:
        if not (total < limit and n < top_k):
            break
        total = np.float32(total + np.float32(value))
        n += 1
    return n


def nucleus_select(probs: torch.Tensor, top_p: float = RAS_TOP_P, top_k: int = RAS_TOP_K):
    """The official nucleus set: (kept probabilities, zero where dropped; their ids), length k.

    ``probs`` is a 1-D softmax. Reads the k candidates to the host (one sync).
    """
    sorted_p, sorted_i = candidates(probs, top_k)
    n = nucleus_count(sorted_p.tolist(), top_p, top_k)
    kept = sorted_p.clone()
    kept[n:] = 0
    return kept, sorted_i


def _valid_fallback_weights(logp: torch.Tensor, probs: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """The full softmax with invalid ids at probability 0 (valid values bit-identical, so the race
    has the official outcome whenever that is valid). If every valid probability underflowed to 0
    (only possible when an invalid id holds all the mass), use the softmax over valid ids instead;
    chosen on the device, so no sync."""
    weights = probs * valid
    renormalised = logp.masked_fill(~valid, float("-inf")).softmax(-1)
    return torch.where(weights.sum() > 0, weights, renormalised)


def ras_sample(
    logp: torch.Tensor,
    history: Sequence[int],
    valid: torch.Tensor,
    generator: torch.Generator,
    *,
    top_p: float = RAS_TOP_P,
    top_k: int = RAS_TOP_K,
    win_size: int = RAS_WIN_SIZE,
    tau_r: float = RAS_TAU_R,
) -> int:
    """RAS over 1-D log-probs (eoa already at -inf when banned); returns the absolute id.

    ``history`` holds the generated ids so far (absolute; only the last ``win_size`` count).
    ``valid`` is a bool mask of ids we may return (see the module docstring).
    """
    probs = logp.float().softmax(-1)
    sorted_p, sorted_i = candidates(probs, top_k)
    k = sorted_p.shape[0]
    # one read: candidate probabilities, ids and validity (ids < 2**53 are exact in float64)
    host = torch.cat((sorted_p.double(), sorted_i.double(), valid[sorted_i].double())).tolist()
    n = nucleus_count(host[:k], top_p, top_k)
    slot = int(draw(sorted_p[:n], generator).item())
    pick, pick_valid = int(host[k + slot]), host[2 * k + slot] > 0
    window = list(history)[-win_size:]
    if window.count(pick) < win_size * tau_r and pick_valid:
        return pick
    return int(draw(_valid_fallback_weights(logp.float(), probs, valid), generator).item())


def topk_sample(
    logp: torch.Tensor,
    valid: torch.Tensor,
    generator: torch.Generator,
    *,
    eoa: int,
    ban_eoa: bool,
    k: int = TOPK_K,
) -> int:
    """Top-k multinomial as the official draws it (redraw while eoa is banned); returns the id.

    Invalid ids keep their slot in the race with weight 0 (module docstring). If no allowed entry
    of the top k has positive weight, draw from the top k of the allowed ids instead.
    """
    probs = logp.float().softmax(-1)
    top_p, top_i = probs.topk(min(int(k), probs.shape[-1]))
    weights = top_p * valid[top_i]
    host = torch.cat((weights.double(), top_i.double())).tolist()
    kk = top_p.shape[0]
    ids = [int(i) for i in host[kk:]]
    allowed = [w for w, i in zip(host[:kk], ids) if not (ban_eoa and i == eoa)]
    if not any(w > 0 for w in allowed):
        log.debug("top-k: no allowed id among the top %d; drawing among allowed ids only", kk)
        scores = logp.float().masked_fill(~valid, float("-inf"))
        if ban_eoa:
            scores[eoa] = float("-inf")
        alt_p, alt_i = scores.softmax(-1).topk(kk)
        return int(alt_i[int(draw(alt_p, generator).item())].item())
    for _ in range(MAX_EOA_REDRAWS):
        tid = ids[int(draw(weights, generator).item())]
        if not (ban_eoa and tid == eoa):
            return tid
    log.warning("top-k: eoa drawn %d times before min_len; drawing with eoa excluded", MAX_EOA_REDRAWS)
    return ids[int(draw(weights * (top_i != eoa), generator).item())]


def greedy_sample(logp: torch.Tensor, valid: torch.Tensor, *, eoa: int, ban_eoa: bool) -> int:
    """Arg-max over the valid ids (not in the reference; useful for parity and debugging)."""
    scores = logp.float().masked_fill(~valid, float("-inf"))
    if ban_eoa:
        scores[eoa] = float("-inf")
    return int(torch.argmax(scores).item())


def valid_token_mask(vocab_size: int, *, ats: int, n_audio_tokens: int, eoa: int, device) -> torch.Tensor:
    """Bool [V]: True for the audio tokens ats..ats+n-1 and for eoa."""
    if not (0 <= ats and ats + n_audio_tokens <= vocab_size and 0 <= eoa < vocab_size and n_audio_tokens > 0):
        raise ValueError(
            f"special tokens out of range: ats={ats}, n_audio_tokens={n_audio_tokens}, eoa={eoa}, vocab={vocab_size}"
        )
    mask = torch.zeros(vocab_size, dtype=torch.bool, device=device)
    mask[ats : ats + n_audio_tokens] = True
    mask[eoa] = True
    return mask


class SamplerBase:
    """What every per-segment sampler holds: method, eoa, generator, window size, valid-id mask
    (one home for the checks; ``TokenSampler`` and ``device_sampling.DeviceSampler`` add their
    own history and draws)."""

    def __init__(
        self,
        method: str,
        *,
        vocab_size: int,
        ats: int,
        n_audio_tokens: int,
        eoa: int,
        generator: torch.Generator,
        device,
        win_size: int = RAS_WIN_SIZE,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown sampling method {method!r}; expected one of {METHODS}")
        self.method = method
        self.eoa = int(eoa)
        self.generator = generator
        self.win_size = int(win_size)
        self.valid = valid_token_mask(
            vocab_size, ats=ats, n_audio_tokens=n_audio_tokens, eoa=eoa, device=torch.device(device)
        )


class TokenSampler(SamplerBase):
    """Per-segment sampler state: method, valid-id mask, generated-id window, generator."""

    def __init__(self, method: str, **kwargs) -> None:
        super().__init__(method, **kwargs)
        self.history: list[int] = []  # the last win_size appended ids, oldest first

    def __call__(self, logits: torch.Tensor, *, ban_eoa: bool) -> int:
        """Sample from the last position's logits ([V] or [1, V]); returns the absolute id."""
        logp = logits.reshape(-1).float().log_softmax(-1)
        if self.method == "ras":
            if ban_eoa:
                logp[self.eoa] = float("-inf")
            return ras_sample(logp, self.history, self.valid, self.generator, win_size=self.win_size)
        if self.method == "topk":
            return topk_sample(logp, self.valid, self.generator, eoa=self.eoa, ban_eoa=ban_eoa)
        return greedy_sample(logp, self.valid, eoa=self.eoa, ban_eoa=ban_eoa)

    def token_tensor(self, tid: int) -> torch.Tensor:
        """The id to feed back to the model, [1, 1] long on the sampler's device."""
        return torch.tensor([[tid]], dtype=torch.long, device=self.valid.device)

    def push(self, token) -> None:
        """Record an appended id (int or one-element tensor) in the repetition window."""
        self.history.append(int(token))
        del self.history[: max(len(self.history) - self.win_size, 0)]
