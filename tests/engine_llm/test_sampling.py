"""The samplers' selection rules on hand-made distributions."""

from __future__ import annotations

import math

import pytest
import torch

from glmtts_desktop.engine.llm.sampling import (
    TokenSampler,
    draw,
    greedy_sample,
    nucleus_select,
    ras_sample,
    topk_sample,
    valid_token_mask,
)


def _logp(probs) -> torch.Tensor:
    p = torch.tensor(probs, dtype=torch.float32)
    return torch.log(p / p.sum())


def _kept_ids(probs) -> set[int]:
    p = torch.tensor(probs, dtype=torch.float32)
    kept, ids = nucleus_select(p / p.sum())
    return {int(i) for w, i in zip(kept, ids) if w > 0}


def test_nucleus_includes_the_token_that_crosses_top_p():
    # sorted: 0.5 (id 2), 0.25 (id 0), 0.15 (id 3), 0.1 (id 1); sums before: 0, .5, .75, .9
    assert _kept_ids([0.25, 0.1, 0.5, 0.15]) == {2, 0, 3}


def test_nucleus_stops_once_top_p_is_reached():
    # sums before: 0, 0.6, 0.85 -> the third is dropped
    assert _kept_ids([0.6, 0.25, 0.1, 0.05]) == {0, 1}


def test_nucleus_always_keeps_the_first_token():
    assert _kept_ids([0.02, 0.95, 0.03]) == {1}


def test_nucleus_caps_at_top_k():
    kept = _kept_ids([1.0] * 100)  # flat: 80 tokens would fit under 0.8, top_k stops at 25
    assert len(kept) == 25


def test_nucleus_ties_keep_index_order():
    # 8 x 0.125 (exact in binary): sums before rank i are i/8; 0.75 < 0.8 <= 0.875 -> 7 kept
    kept, ids = nucleus_select(torch.full((8,), 0.125))
    assert ids.tolist() == list(range(8))  # stable sort: lower ids first among equals
    assert (kept > 0).tolist() == [True] * 7 + [False]


def test_draw_follows_the_weights():
    gen = torch.Generator().manual_seed(0)
    w = torch.tensor([0.0, 3.0, 1.0, 0.0, 6.0])  # unnormalised on purpose
    n = 4000
    counts = torch.bincount(torch.cat([draw(w, gen) for _ in range(n)]), minlength=5).float()
    assert counts[0] == counts[3] == 0
    expected = w / w.sum() * n
    for i in (1, 2, 4):
        assert abs(counts[i] - expected[i]) < 5 * math.sqrt(expected[i])


def test_ras_without_repetition_draws_from_the_nucleus():
    gen = torch.Generator().manual_seed(1)
    probs = [0.45, 0.3, 0.1, 0.1, 0.05]  # nucleus: ids 0, 1, 2 (sums before .45, .75 < .8)
    valid = torch.ones(5, dtype=torch.bool)
    got = torch.tensor([ras_sample(_logp(probs), [], valid, gen) for _ in range(3000)])
    counts = torch.bincount(got, minlength=5).float()
    assert counts[3] == counts[4] == 0
    # within the nucleus: proportional to 0.45 : 0.3 : 0.1
    share = counts[:3] / counts[:3].sum()
    assert torch.allclose(share, torch.tensor([0.45, 0.3, 0.1]) / 0.85, atol=0.03)


def test_ras_repetition_falls_back_to_valid_ids_only():
    gen = torch.Generator().manual_seed(2)
    # id 0 is a "text" id with most of the mass; id 1 is the only nucleus token among valid.
    probs = [0.5, 0.45, 0.02, 0.02, 0.01]
    valid = torch.tensor([False, True, True, True, True])
    history = [1]  # id 1 was generated recently -> always a repeat
    got = torch.tensor([ras_sample(_logp(probs), history, valid, gen) for _ in range(3000)])
    assert (got != 0).all(), "the fallback must never return a non-audio id"
    counts = torch.bincount(got, minlength=5).float()
    share = counts[1:] / counts[1:].sum()  # the full softmax restricted to valid ids
    assert torch.allclose(share, torch.tensor([0.45, 0.02, 0.02, 0.01]) / 0.5, atol=0.03)


def test_ras_repetition_window_counts_only_the_given_history():
    gen = torch.Generator().manual_seed(3)
    probs = [0.9, 0.04, 0.03, 0.03]  # nucleus is {0}
    valid = torch.ones(4, dtype=torch.bool)
    fresh = [0, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 1]  # the 0 is 12 ids back: outside the window of 10
    assert all(ras_sample(_logp(probs), fresh, valid, gen) == 0 for _ in range(50))
    repeated = list(fresh)
    repeated[6] = 0
    got = torch.tensor([ras_sample(_logp(probs), repeated, valid, gen) for _ in range(2000)])
    # fallback from the full softmax: id 0 still comes out about 90 % of the time, others too
    assert 0.85 < float((got == 0).float().mean()) < 0.95 and (got != 0).any()


def test_ras_nucleus_pick_of_invalid_id_is_replaced():
    gen = torch.Generator().manual_seed(4)
    probs = [0.97, 0.01, 0.01, 0.01]  # nucleus {0}, which is not a valid output
    valid = torch.tensor([False, True, True, True])
    got = torch.tensor([ras_sample(_logp(probs), [], valid, gen) for _ in range(200)])
    assert (got != 0).all() and len(set(got.tolist())) == 3


def test_topk_bans_eoa_but_keeps_its_slot():
    gen = torch.Generator().manual_seed(5)
    probs = [9.0 * 435] + [30.0 - i for i in range(1, 30)]  # id 0 (eoa) has 90 %, then 29 > 28 > ...
    valid = torch.ones(30, dtype=torch.bool)
    banned = torch.tensor(
        [topk_sample(_logp(probs), valid, gen, eoa=0, ban_eoa=True, k=25) for _ in range(2000)]
    )
    assert (banned != 0).all()
    # eoa kept one of the 25 slots, so only the next 24 (ids 1..24) can come out
    assert set(banned.tolist()) <= set(range(1, 25))
    free = torch.tensor(
        [topk_sample(_logp(probs), valid, gen, eoa=0, ban_eoa=False, k=25) for _ in range(200)]
    )
    assert (free == 0).float().mean() > 0.8


def test_greedy_is_argmax_over_valid():
    probs = [0.5, 0.3, 0.15, 0.05]
    valid = torch.tensor([False, True, True, True])
    assert greedy_sample(_logp(probs), valid, eoa=1, ban_eoa=False) == 1
    assert greedy_sample(_logp(probs), valid, eoa=1, ban_eoa=True) == 2


def test_token_sampler_ras_masks_eoa_and_tracks_history():
    gen = torch.Generator().manual_seed(6)
    sampler = TokenSampler("ras", vocab_size=12, ats=4, n_audio_tokens=8, eoa=1, generator=gen, device="cpu")
    logits = torch.zeros(12)
    logits[1] = 20.0  # eoa is overwhelmingly likely
    assert all(sampler(logits, ban_eoa=False) == 1 for _ in range(20))
    pushed = []
    for _ in range(200):
        tok = sampler(logits, ban_eoa=True)
        assert isinstance(tok, int) and 4 <= tok < 12
        sampler.push(tok)
        pushed.append(tok)
    assert sampler.history == pushed[-10:]  # the repetition window keeps the last 10 ids
    sampler.push(torch.tensor([7]))  # a one-element tensor is accepted too
    assert sampler.history[-1] == 7 and len(sampler.history) == 10
    with pytest.raises(ValueError):
        TokenSampler("beam", vocab_size=12, ats=4, n_audio_tokens=8, eoa=1, generator=gen, device="cpu")


def test_valid_mask_and_bounds():
    mask = valid_token_mask(10, ats=4, n_audio_tokens=5, eoa=1, device="cpu")
    assert mask.tolist() == [False, True, False, False, True, True, True, True, True, False]
    with pytest.raises(ValueError):
        valid_token_mask(10, ats=4, n_audio_tokens=7, eoa=1, device="cpu")


@pytest.mark.parametrize("method", ["ras", "topk"])
def test_same_seed_same_draws(method):
    logits = torch.randn(50, generator=torch.Generator().manual_seed(0))

    def run(seed):
        gen = torch.Generator().manual_seed(seed)
        s = TokenSampler(method, vocab_size=50, ats=10, n_audio_tokens=40, eoa=2, generator=gen, device="cpu")
        out = []
        for _ in range(40):
            t = s(logits, ban_eoa=True)
            s.push(t)
            out.append(t)
        return out

    assert run(11) == run(11)
    assert run(11) != run(12)


def _reference_nucleus(probs: torch.Tensor, top_p=0.8, top_k=25) -> list[int]:
    """The rule as spec §7.4 states it, walked one token at a time over a full stable sort."""
    values, order = probs.sort(descending=True, stable=True)
    chosen, total = [], torch.tensor(0.0)
    for v, i in zip(values, order):
        if not (total < top_p and len(chosen) < top_k):
            break
        total = total + v
        chosen.append(int(i))
    return chosen


@pytest.mark.parametrize("scale", [0.5, 2.0, 4.0, 8.0])
def test_nucleus_matches_the_literal_rule_on_random_distributions(scale):
    gen = torch.Generator().manual_seed(int(scale * 10))
    for _ in range(50):
        probs = (torch.randn(2000, generator=gen) * scale).softmax(-1)
        kept, ids = nucleus_select(probs)
        ours = [int(i) for w, i in zip(kept, ids) if w > 0]
        assert ours == _reference_nucleus(probs)
        assert torch.equal(kept[: len(ours)], probs[ids[: len(ours)]])
