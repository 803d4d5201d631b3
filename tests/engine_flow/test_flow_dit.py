"""DiT pieces whose exact behaviour the checkpoint depends on; the full key table on meta."""

from __future__ import annotations

import math

import pytest
import torch

from glmtts_desktop.engine.flow import FlowConfig, build_flow
from glmtts_desktop.engine.flow.modules import (
    GRN,
    RotaryEmbedding,
    apply_rotary,
    text_position_table,
    time_features,
)


def test_full_model_key_table_on_meta():
    sd = build_flow(FlowConfig.full(), device="meta").state_dict()
    assert len(sd) == 308
    params = sum(v.numel() for k, v in sd.items() if not k.endswith("inv_freq"))
    assert params == 225_299_792
    assert all(k.startswith("estimator.") for k in sd)
    shapes = {k[len("estimator.") :]: tuple(v.shape) for k, v in sd.items()}
    expected = {
        "time_embed.time_mlp.0.weight": (768, 256),
        "time_embed.time_mlp.2.weight": (768, 768),
        "text_emb_layer.text_embed.weight": (100001, 512),
        "text_emb_layer.text_blocks.3.dwconv.weight": (512, 1, 7),
        "text_emb_layer.text_blocks.0.norm.bias": (512,),
        "text_emb_layer.text_blocks.2.pwconv1.weight": (1024, 512),
        "text_emb_layer.text_blocks.1.grn.gamma": (1, 1, 1024),
        "text_emb_layer.text_blocks.1.grn.beta": (1, 1, 1024),
        "text_emb_layer.text_blocks.0.pwconv2.weight": (512, 1024),
        "emb_concator.proj.weight": (768, 672),
        "emb_concator.conv_pos_embed.conv1d.0.weight": (768, 48, 31),
        "emb_concator.conv_pos_embed.conv1d.2.bias": (768,),
        "rotary_embed.inv_freq": (32,),
        "transformer_blocks.17.attn_norm.linear.weight": (4608, 960),
        "transformer_blocks.0.attn_norm.linear.bias": (4608,),
        "transformer_blocks.5.attn.to_q.weight": (768, 768),
        "transformer_blocks.5.attn.to_k.bias": (768,),
        "transformer_blocks.5.attn.to_v.weight": (768, 768),
        "transformer_blocks.5.attn.to_out.0.weight": (768, 768),
        "transformer_blocks.9.ff.ff.0.0.weight": (1536, 768),
        "transformer_blocks.9.ff.ff.2.weight": (768, 1536),
        "norm_out.linear.weight": (1536, 960),
        "proj_out.weight": (80, 768),
        "proj_out.bias": (80,),
    }
    for key, shape in expected.items():
        assert shapes[key] == shape, key
    assert not any(".ff_norm." in k or "transformer_blocks.18." in k for k in shapes)


def test_rope_rotates_only_the_first_64_channels_interleaved():
    rope = RotaryEmbedding(64)
    assert torch.allclose(rope.inv_freq, torch.tensor([10000 ** (-2 * k / 64) for k in range(32)]), rtol=1e-6)
    ang = rope.angles(50)
    x = torch.randn(1, 50, 768)
    y = apply_rotary(x, ang.cos(), ang.sin())
    assert torch.equal(y[..., 64:], x[..., 64:])  # heads 1..11 untouched
    assert torch.allclose(y[:, 0], x[:, 0])  # position 0: no rotation
    for p in (1, 7, 49):
        for k in (0, 5, 31):
            th = p * 10000 ** (-2 * k / 64)
            a, b = x[0, p, 2 * k].item(), x[0, p, 2 * k + 1].item()
            assert y[0, p, 2 * k].item() == pytest.approx(a * math.cos(th) - b * math.sin(th), abs=1e-4)
            assert y[0, p, 2 * k + 1].item() == pytest.approx(b * math.cos(th) + a * math.sin(th), abs=1e-4)


def test_time_features_and_text_table():
    f = time_features(torch.tensor([0.25]), 256)
    k = 5
    arg = 1000 * 0.25 * math.exp(-k * math.log(10000) / 127)
    assert f[0, k].item() == pytest.approx(math.sin(arg), abs=1e-4)
    assert f[0, 128 + k].item() == pytest.approx(math.cos(arg), abs=1e-4)
    tab = text_position_table(5000, 512, 4096, torch.device("cpu"))
    assert tab.shape == (5000, 512)
    assert torch.equal(tab[4999], tab[4095])  # positions clamp at 4095
    p, k = 100, 3
    assert tab[p, k].item() == pytest.approx(math.cos(p * 10000 ** (-2 * k / 512)), abs=1e-4)
    assert tab[p, 256 + k].item() == pytest.approx(math.sin(p * 10000 ** (-2 * k / 512)), abs=1e-4)


def test_grn_statistic_runs_over_time():
    grn = GRN(4)
    with torch.no_grad():
        grn.gamma.fill_(1.0)
    x = torch.randn(1, 10, 4)
    g = x.norm(dim=1, keepdim=True)
    expected = x * (g / (g.mean(dim=-1, keepdim=True) + 1e-6)) + x
    assert torch.allclose(grn(x), expected, atol=1e-6)


def test_tokens_are_upsampled_by_nearest_neighbour():
    cfg = FlowConfig.tiny(50)
    layer = build_flow(cfg, seed=0).estimator.text_emb_layer
    seen = {}

    def hook(module, inputs, output):
        seen["ids"] = inputs[0].clone()

    layer.text_embed.register_forward_hook(hook)
    tokens = torch.arange(29)[None] + 1
    layer(tokens, 57)
    expected = [min(int(j * 29 / 57), 28) + 1 for j in range(57)]
    assert seen["ids"][0].tolist() == expected


def test_speaker_and_condition_change_the_velocity():
    model = build_flow(FlowConfig.tiny(50), seed=0)
    x, cond = torch.randn(1, 12, 80), torch.randn(1, 12, 80)
    tok, t = torch.randint(0, 50, (1, 6)), torch.tensor([0.5])
    spk = torch.nn.functional.normalize(torch.randn(1, 192), dim=1)
    with torch.no_grad():
        base = model.estimator(x, cond, tok, t, spk)
        assert not torch.allclose(base, model.estimator(x, cond, tok, t, -spk))
        assert not torch.allclose(base, model.estimator(x, cond * 0, tok, t, spk))
        assert not torch.allclose(base, model.estimator(x, cond, tok, torch.tensor([0.6]), spk))
