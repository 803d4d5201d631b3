"""FlowModel.synthesize: frame counts, prompt handling, noise, CFG, the Euler loop (tiny model)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
from flow_helpers import TINY_VOCAB, flow_inputs

from glmtts_desktop.engine.flow import FlowConfig, FlowModel, flow_frames, time_grid
from glmtts_desktop.errors import InvalidInputError


# ---------------------------------------------------------------- the T formula
@pytest.mark.parametrize("n", [29, 57, 58, 113, 114, 115, 116, 201, 203, 205])
def test_frame_quirk_gives_2L_minus_1(n):
    assert flow_frames(n) == 2 * n - 1


@pytest.mark.parametrize("n", [1, 2, 25, 28, 30, 56, 100, 112, 117, 200, 202, 204])
def test_frame_formula_is_2L_elsewhere(n):
    assert flow_frames(n) == 2 * n


def test_frame_quirk_count_matches_the_spec():
    quirky = sum(1 for n in range(1, 20001) if flow_frames(n) != int(Fraction(n, 25) * 50))
    assert quirky == 1145


def test_cosine_time_grid():
    grid = time_grid(10)
    expected = [1 - math.cos(i / 10 * math.pi / 2) for i in range(11)]
    assert grid.dtype == torch.float32
    assert grid.tolist() == pytest.approx(expected, abs=1e-7)


# ---------------------------------------------------------------- shapes and noise
@pytest.mark.parametrize("p,g,tp", [(20, 9, 39), (10, 15, 20), (12, 1, 24), (5, 5, 30), (0, 8, 0)])
def test_output_drops_prompt_mel_frames(tiny_flow, p, g, tp):
    pt, tk, pm, emb = flow_inputs(p, g, tp)
    out = tiny_flow.synthesize(pt, tk, pm, emb, steps=2, generator=torch.Generator().manual_seed(0))
    t = flow_frames(p + g)
    assert out.shape == (1, 80, max(0, t - tp))
    assert out.dtype == torch.float32 and torch.isfinite(out).all()


def test_same_noise_same_mel_and_generator_path_matches(tiny_flow):
    pt, tk, pm, emb = flow_inputs(20, 9, 39)
    x0 = torch.randn(1, flow_frames(29), 80, generator=torch.Generator().manual_seed(5))
    a = tiny_flow.synthesize(pt, tk, pm, emb, steps=3, noise=x0)
    b = tiny_flow.synthesize(pt, tk, pm, emb, steps=3, noise=x0.clone())
    c = tiny_flow.synthesize(pt, tk, pm, emb, steps=3, generator=torch.Generator().manual_seed(5))
    d = tiny_flow.synthesize(pt, tk, pm, emb, steps=3, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and torch.equal(a, c)
    assert not torch.allclose(a, d)


def test_noise_shape_is_checked(tiny_flow):
    pt, tk, pm, emb = flow_inputs(20, 9, 39)
    with pytest.raises(InvalidInputError, match=r"\(1, 57, 80\)"):
        tiny_flow.synthesize(pt, tk, pm, emb, noise=torch.zeros(1, 58, 80))


@pytest.mark.parametrize(
    "change",
    [
        lambda a: (a[0], torch.tensor([[TINY_VOCAB + 1]]), a[2], a[3]),
        lambda a: (a[0], torch.tensor([[-1]]), a[2], a[3]),
        lambda a: (a[0], a[1].float(), a[2], a[3]),
        lambda a: (a[0], a[1], a[2][..., :40], a[3]),
        lambda a: (a[0], a[1], a[2], a[3][:, :100]),
        lambda a: (a[0][:, :0], a[1][:, :0], a[2], a[3]),
    ],
)
def test_bad_inputs_are_rejected(tiny_flow, change):
    args = change(flow_inputs(4, 4, 6))
    with pytest.raises(InvalidInputError):
        tiny_flow.synthesize(*args, steps=1)


# ---------------------------------------------------------------- what reaches the DiT
class _Recorder(torch.nn.Module):
    """Stands in for the DiT: records its inputs and returns a velocity chosen per pass."""

    def __init__(self, cfg: FlowConfig) -> None:
        super().__init__()
        self.calls = []
        self.proj_out = torch.nn.Linear(1, 1)  # FlowModel reads dtype/device from here

    def embed_tokens(self, tokens, frames, positions=None):
        return None

    def forward(self, x, cond, tokens, t, spk, text_emb=None, positions=None):
        self.calls.append(
            dict(x=x.clone(), cond=cond.clone(), tokens=tokens.clone(), t=t.clone(), spk=spk.clone())
        )
        conditional = (spk.abs().sum(dim=1) > 0).float()[:, None, None]
        return conditional * 2.0 + (1 - conditional) * 5.0 + 0 * x


def _recording_model():
    cfg = FlowConfig.tiny(TINY_VOCAB)
    model = FlowModel.__new__(FlowModel)
    torch.nn.Module.__init__(model)
    model.cfg = cfg
    model.estimator = _Recorder(cfg)
    return model


def test_cond_spk_cfg_and_euler_integration():
    model = _recording_model()
    pt, tk, pm, emb = flow_inputs(20, 9, 70)  # prompt mel longer than T=57
    emb = emb * 7.0
    x0 = torch.randn(1, 57, 80)
    out = model.synthesize(pt, tk, pm, emb, steps=4, cfg_rate=0.7, noise=x0)
    calls = model.estimator.calls
    assert len(calls) == 4 and all(c["x"].shape[0] == 2 for c in calls)  # one batch-2 pass per step
    first = calls[0]
    # conditional half: the LAST 57 prompt frames; unconditional half: zeros
    assert torch.equal(first["cond"][0], pm[0, -57:])
    assert torch.equal(first["cond"][1], torch.zeros(57, 80))
    # speaker vector: L2-normalised, zero for the unconditional pass
    assert torch.allclose(first["spk"][0], emb[0] / emb[0].norm(), atol=1e-6)
    assert torch.equal(first["spk"][1], torch.zeros(192))
    # tokens are not dropped for the unconditional pass (speech_token_cfg False)
    assert torch.equal(first["tokens"][0], torch.cat((pt, tk), 1)[0])
    assert torch.equal(first["tokens"][1], first["tokens"][0])
    grid = [1 - math.cos(i / 4 * math.pi / 2) for i in range(5)]
    assert [c["t"][0].item() for c in calls] == pytest.approx(grid[:4], abs=1e-6)
    # v = 1.7*2 - 0.7*5 = -0.1 everywhere, integrated over t in [0, 1]
    assert torch.allclose(out, (x0 - 0.1)[:, 70:].transpose(1, 2), atol=1e-5)
    assert out.shape == (1, 80, 0)


def test_short_prompt_mel_fills_the_start_of_cond():
    model = _recording_model()
    pt, tk, pm, emb = flow_inputs(20, 9, 10)
    out = model.synthesize(pt, tk, pm, emb, steps=1, noise=torch.zeros(1, 57, 80))
    cond = model.estimator.calls[0]["cond"][0]
    assert torch.equal(cond[:10], pm[0]) and torch.equal(cond[10:], torch.zeros(47, 80))
    assert out.shape == (1, 80, 47)


# ---------------------------------------------------------------- CFG batching on the real DiT
def test_batched_cfg_equals_two_passes(tiny_flow):
    pt, tk, pm, emb = flow_inputs(20, 9, 39)
    tokens = torch.cat((pt, tk), 1)
    x = torch.randn(1, 57, 80)
    cond = torch.zeros(1, 57, 80)
    cond[:, :39] = pm
    spk = torch.nn.functional.normalize(emb, dim=1)
    t = torch.tensor(0.3)
    with torch.no_grad():
        a = tiny_flow.velocity(x, cond, tokens, t, spk, cfg_rate=0.7, batched=True)
        b = tiny_flow.velocity(x, cond, tokens, t, spk, cfg_rate=0.7, batched=False)
        v_c = tiny_flow.estimator(x, cond, tokens, t.reshape(1), spk)
        v_u = tiny_flow.estimator(x, torch.zeros_like(cond), tokens, t.reshape(1), torch.zeros_like(spk))
    assert torch.allclose(a, b, atol=1e-5)
    assert torch.allclose(a, 1.7 * v_c - 0.7 * v_u, atol=1e-5)
    assert not torch.allclose(v_c, v_u, atol=1e-3)  # the condition actually matters


def test_bf16_runs_close_to_fp32_and_keeps_rope_fp32(tiny_flow_dir):
    from glmtts_desktop.engine.flow import load_flow

    m32 = load_flow(tiny_flow_dir, dtype=torch.float32)
    m16 = load_flow(tiny_flow_dir, dtype=torch.bfloat16)
    assert m16.estimator.proj_out.weight.dtype == torch.bfloat16
    assert m16.estimator.rotary_embed.inv_freq.dtype == torch.float32
    assert torch.equal(m16.estimator.rotary_embed.inv_freq, m32.estimator.rotary_embed.inv_freq)
    pt, tk, pm, emb = flow_inputs(20, 9, 39)
    x0 = torch.randn(1, 57, 80)
    a = m32.synthesize(pt, tk, pm, emb, steps=3, noise=x0)
    b = m16.synthesize(pt, tk, pm, emb, steps=3, noise=x0)
    assert b.dtype == torch.float32
    rel = (a - b).norm() / a.norm()
    assert rel < 0.05
