"""The device sampler draws exactly what today's sampler draws, with one read per token."""

from __future__ import annotations

import pytest
import torch

from glmtts_desktop.engine.llm.device_sampling import DeviceSampler, nucleus_mask, race
from glmtts_desktop.engine.llm.sampling import TokenSampler, nucleus_count
from tests.engine_llm.test_sampling_official import EOA, V, official_ras, peaked_logits

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _pair(method: str, seed: int, device: str, valid_from: int = 0):
    """(today's sampler, the device sampler) on identically seeded generators."""
    kw = dict(vocab_size=V, ats=valid_from, n_audio_tokens=V - valid_from - 1, eoa=EOA, device=device)
    if EOA >= V - 1:
        raise AssertionError("eoa must sit inside the toy vocabulary")
    a = TokenSampler(method, generator=torch.Generator(device=device).manual_seed(seed), **kw)
    b = DeviceSampler(method, generator=torch.Generator(device=device).manual_seed(seed), **kw)
    return a, b


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("method", ["ras", "topk", "greedy"])
@pytest.mark.parametrize("valid_from", [0, 600])
def test_same_tokens_and_generator_state_as_todays_sampler(method, device, valid_from):
    steps = peaked_logits(120, 21, device)
    ours_ref, ours_dev = _pair(method, 5, device, valid_from)
    got_ref, got_dev = [], []
    for i, logits in enumerate(steps):
        ban = i < 60
        t_ref = ours_ref(logits, ban_eoa=ban)
        t_dev = ours_dev(logits, ban_eoa=ban)
        got_ref.append(t_ref)
        got_dev.append(t_dev)
        ours_ref.push(t_ref)
        ours_dev.push(t_dev)
        assert int(ours_dev.token_tensor(t_dev)) == t_dev
    assert got_dev == got_ref
    assert torch.equal(ours_dev.generator.get_state(), ours_ref.generator.get_state())
    if method != "greedy":
        assert len(set(got_ref)) > 10


def test_ras_matches_the_literal_official_rule_and_reads_once_per_token():
    steps = peaked_logits(100, 7, "cpu")
    g_ref = torch.Generator().manual_seed(1)
    sampler = DeviceSampler(
        "ras",
        vocab_size=V,
        ats=0,
        n_audio_tokens=V,
        eoa=EOA,
        generator=torch.Generator().manual_seed(1),
        device="cpu",
    )
    sampler.fixed_race = True  # the CUDA form of the race, which reads nothing before the draw
    ref, fallbacks = [], []
    reads_before = sampler.reads
    for i, logits in enumerate(steps):
        lp = logits.float().log_softmax(-1)
        if i < 50:
            lp[EOA] = float("-inf")
        ref.append(official_ras(lp, ref, g_ref, fallbacks))
        sampler(logits, ban_eoa=i < 50)
        sampler.push()
    assert sampler.reads - reads_before == len(steps)  # exactly one device->host read per token
    assert len(fallbacks) >= 10


def test_nucleus_mask_is_the_official_fp32_walk():
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        p = torch.rand(25, generator=gen) ** 4
        p = (p / p.sum() * float(torch.rand(1, generator=gen) * 0.5 + 0.6)).sort(descending=True).values
        n = nucleus_count(p.tolist())
        mask = nucleus_mask(p)
        assert int(mask.sum()) == n and bool(mask[:n].all())


def test_race_is_torch_multinomial():
    gen = torch.Generator().manual_seed(3)
    for n in (1, 5, 25, 4096):
        w = torch.rand(n, generator=gen)
        g1, g2 = torch.Generator().manual_seed(n), torch.Generator().manual_seed(n)
        for _ in range(20):
            assert int(race(w, g1)) == int(torch.multinomial(w, 1, replacement=True, generator=g2))
        assert torch.equal(g1.get_state(), g2.get_state())
