"""Seeded draws consume the generator exactly as the official samplers do (spec §7.4, §7.5).

The reference functions below restate the official rules literally, in the official order of
operations (full stable sort, fp32 running sum, ``torch.multinomial`` over the kept entries, the
full-softmax fallback only on a repeat, top-k redrawn while eoa is banned). Ours must give the same
ids token for token on a generator seeded the same way, and leave the generator in the same state.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from glmtts_desktop.engine.llm import LlmConfig, generate_speech_tokens
from glmtts_desktop.engine.llm.sampling import TokenSampler, nucleus_count, ras_sample, topk_sample

V = 4096
EOA = 4000
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def official_ras(
    logp: torch.Tensor, decoded: list[int], gen: torch.Generator, fallbacks: list | None = None
) -> int:
    probs = logp.softmax(0)
    values, order = probs.sort(descending=True, stable=True)
    kept, ids, total = [], [], 0.0
    for value, idx in zip(values, order):
        if not (total < 0.8 and len(kept) < 25):
            break
        total = total + value  # becomes an fp32 tensor scalar, as in the official loop
        kept.append(value)
        ids.append(int(idx))
    pick = ids[int(torch.stack(kept).multinomial(1, replacement=True, generator=gen))]
    if sum(t == pick for t in decoded[-10:]) >= 10 * 0.1:
        pick = int(probs.multinomial(1, replacement=True, generator=gen))
        if fallbacks is not None:
            fallbacks.append(pick)
    return pick


def official_topk(logp: torch.Tensor, ban_eoa: bool, gen: torch.Generator) -> int:
    while True:
        prob, idx = logp.softmax(-1).topk(25)
        pick = int(idx[prob.multinomial(1, replacement=True, generator=gen)])
        if not ban_eoa or pick != EOA:
            return pick


def peaked_logits(n: int, seed: int, device: str) -> list[torch.Tensor]:
    """Per-step logits whose mass sits on a few ids from a small pool, so the nucleus often
    repeats a recent id (fallbacks), and eoa is strong every 5th step (top-k redraws)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        lg = torch.randn(V, generator=gen)
        pool = torch.randint(0, 20, (5,), generator=gen) * 150
        lg[pool] += torch.rand(5, generator=gen) * 6 + 5
        if i % 5 == 0:
            lg[EOA] += 9.0
        out.append(lg.to(device))
    return out


def _all_valid_sampler(method: str, gen: torch.Generator, device: str) -> TokenSampler:
    return TokenSampler(method, vocab_size=V, ats=0, n_audio_tokens=V, eoa=EOA, generator=gen, device=device)


def _gen(seed: int, device: str) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("seed", [0, 7])
def test_ras_equals_the_official_rule_token_for_token(seed, device):
    steps = peaked_logits(100, seed + 100, device)
    g_ref, g_ours = _gen(seed, device), _gen(seed, device)
    sampler = _all_valid_sampler("ras", g_ours, device)
    ref, ours, fallbacks = [], [], []
    for i, logits in enumerate(steps):
        lp = logits.float().log_softmax(-1)
        if i < 50:
            lp[EOA] = float("-inf")
        ref.append(official_ras(lp, ref, g_ref, fallbacks))
        tok = sampler(logits, ban_eoa=i < 50)
        sampler.push(tok)
        ours.append(tok)
    assert ours == ref
    assert torch.equal(g_ours.get_state(), g_ref.get_state())  # same number of draws, same kind
    assert len(fallbacks) >= 10, "the scenario must exercise the repetition fallback"


@pytest.mark.parametrize("device", DEVICES)
def test_topk_equals_the_official_rule_including_eoa_redraws(device):
    steps = peaked_logits(100, 5, device)
    g_ref, g_ours = _gen(3, device), _gen(3, device)
    sampler = _all_valid_sampler("topk", g_ours, device)
    ref, ours = [], []
    for i, logits in enumerate(steps):
        ref.append(official_topk(logits.float().log_softmax(-1), i < 60, g_ref))
        ours.append(sampler(logits, ban_eoa=i < 60))
    assert ours == ref
    assert torch.equal(g_ours.get_state(), g_ref.get_state())
    assert EOA in ref[60:], "eoa must be drawable once the ban is lifted"


def test_banned_eoa_is_redrawn_not_masked():
    # eoa holds ~90 % of the top-25 mass: the official redraws, consuming extra draws
    lp = torch.zeros(V)
    lp[EOA] = 8.0
    lp = lp.log_softmax(-1)
    g_ref, g_ours = _gen(11, "cpu"), _gen(11, "cpu")
    for _ in range(20):
        assert topk_sample(
            lp, torch.ones(V, dtype=torch.bool), g_ours, eoa=EOA, ban_eoa=True
        ) == official_topk(lp, True, g_ref)
    assert torch.equal(g_ours.get_state(), g_ref.get_state())


class _ChainLM:
    """Stands in for SpeechLM: logits depend on the step and the last fed id (deterministic)."""

    def __init__(self, steps: list[torch.Tensor]) -> None:
        self.config = dataclasses.replace(LlmConfig.tiny(V), max_position_embeddings=4096)
        self.device = torch.device("cpu")
        self.steps = steps
        self.fed: list[int] = []

    def reset_cache(self, n: int) -> None:
        pass

    def prefill(self, ids: torch.Tensor) -> torch.Tensor:
        return self.steps[0].view(1, -1)

    def decode_step(self, token: torch.Tensor) -> torch.Tensor:
        self.fed.append(int(token))
        lg = self.steps[len(self.fed)].clone()
        lg[(int(token) * 7) % V] += 3.0
        return lg.view(1, -1)


def test_generate_ras_follows_the_official_loop():
    """generate_speech_tokens with seed s == the official loop (§7.3) with torch.manual_seed(s)."""
    steps = peaked_logits(101, 42, "cpu")
    for s in steps:
        s[EOA] -= 4.0  # stop now and then, but not at once
    lm = _ChainLM(steps)
    text_len = 5  # min_len 10, max_len 100
    special = type("S", (), {"ats": 0, "eoa": EOA, "n_audio_tokens": V})()
    out = generate_speech_tokens(
        lm, [1, 2, 3], text_len=text_len, special=special, method="ras", generator=_gen(0, "cpu")
    )
    g_ref, ref, _fed = _gen(0, "cpu"), [], []
    lg = steps[0]
    for i in range(text_len * 20):
        lp = lg.float().log_softmax(-1)
        if i < text_len * 2:
            lp[EOA] = float("-inf")
        tok = official_ras(lp, ref, g_ref)
        if tok == EOA:
            break
        ref.append(tok)
        lg = steps[len(ref)].clone()
        lg[(tok * 7) % V] += 3.0
    assert out.ids == ref
    assert len(ref) >= 10


def test_restricted_fallback_changes_only_draws_that_would_give_text_ids():
    """The fallback keeps the official draw whenever the official outcome is valid, and keeps the
    generator in step either way (invalid ids get probability 0 within the same draw)."""
    vocab = 64
    valid = torch.ones(vocab, dtype=torch.bool)
    valid[:16] = False  # "text" ids
    probs = torch.full((vocab,), 0.03 / 47)
    probs[20] = 0.82  # the nucleus is {20} alone
    probs[:16] = 0.15 / 16  # text ids hold a good share of the rest of the full softmax
    lp = probs.log().log_softmax(-1)
    same = replaced = 0
    for seed in range(300):
        g_ref, g_ours = _gen(seed, "cpu"), _gen(seed, "cpu")
        ref = official_ras(lp, [20], g_ref)  # 20 was just generated: always the fallback
        ours = ras_sample(lp, [20], valid, g_ours)
        assert torch.equal(g_ours.get_state(), g_ref.get_state())
        assert bool(valid[ours])
        if bool(valid[ref]):
            assert ours == ref
            same += 1
        else:
            replaced += 1
    assert same > 150 and replaced > 15


def test_all_valid_mass_underflowing_still_gives_a_valid_id():
    vocab = 64
    valid = torch.ones(vocab, dtype=torch.bool)
    valid[:16] = False
    logits = torch.full((vocab,), -300.0)
    logits[3] = 0.0  # a text id takes everything; every valid probability underflows to 0
    lp = logits.log_softmax(-1)
    gen = _gen(0, "cpu")
    assert 16 <= ras_sample(lp, [], valid, gen) < vocab
    assert 16 <= topk_sample(lp, valid, gen, eoa=63, ban_eoa=True) < 63


def _literal_count(values: list[float]) -> int:
    total, n = torch.tensor(0.0), 0
    for v in values:
        if not (total < 0.8 and n < 25):
            break
        total = total + torch.tensor(v, dtype=torch.float32)
        n += 1
    return n


def test_nucleus_count_uses_the_official_fp32_running_sum():
    # fp32 values where the fp32 running sum reaches 0.8 one entry before the exact sum does
    values = [
        0.15673336386680603,
        0.1493188887834549,
        0.11156287044286728,
        0.10306799411773682,
        0.10269689559936523,
        0.06546853482723236,
        0.06329915672540665,
        0.047852277755737305,
        0.037267640233039856,
        0.034756846725940704,
        0.02860020101070404,
    ]
    exact_prefix = np.cumsum(np.array(values, dtype=np.float64))
    exact_count = int(np.sum(np.concatenate(([0.0], exact_prefix[:-1])).astype(np.float32) < np.float32(0.8)))
    assert nucleus_count(values) == _literal_count(values)
    assert nucleus_count(values) != exact_count  # the case discriminates the two summations
