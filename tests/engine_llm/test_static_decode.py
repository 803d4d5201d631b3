"""The capturable decode step: span buckets, garbage beyond the live cache, graph fallback."""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

from glmtts_desktop.engine.llm import load_llm
from glmtts_desktop.engine.llm.cuda_graphs import DecodeGraphs
from glmtts_desktop.engine.llm.model import capacity_bucket, span_bucket

CPU = torch.device("cpu")


def _sdpa_step_logits(model, ids: torch.Tensor, n_prefix: int) -> list[torch.Tensor]:
    """Today's (pre-bucket) decode: SDPA over the whole cache under a boolean mask, GQA in SDPA."""
    cfg = model.config
    cos_t, sin_t = model._rope_table()
    cap = ids.shape[1]
    kv = [
        (
            torch.zeros(1, cfg.num_key_value_heads, cap, cfg.head_dim),
            torch.zeros(1, cfg.num_key_value_heads, cap, cfg.head_dim),
        )
        for _ in range(cfg.num_hidden_layers)
    ]
    out = []
    with torch.inference_mode():
        for p in range(ids.shape[1]):
            pos = torch.tensor([p])
            cos, sin = cos_t.index_select(0, pos), sin_t.index_select(0, pos)
            mask = (torch.arange(cap) <= pos).view(1, 1, 1, -1)
            h = model.model.embed_tokens(ids[:, p : p + 1])
            for i, layer in enumerate(model.model.layers):
                att = layer.self_attn
                q, k, v = att._qkv(layer.input_layernorm(h), cos, sin)
                kv[i][0].index_copy_(2, pos, k)
                kv[i][1].index_copy_(2, pos, v)
                y = F.scaled_dot_product_attention(q, kv[i][0], kv[i][1], attn_mask=mask, enable_gqa=True)
                h = h + att._out(y)
                h = h + layer.mlp(layer.post_attention_layernorm(h))
            if p >= n_prefix - 1:
                out.append(model._logits(h[:, -1])[0])
    return out


def test_buckets():
    assert capacity_bucket(1) == 256 and capacity_bucket(256) == 256 and capacity_bucket(257) == 512
    assert span_bucket(1) == 64 and span_bucket(65) == 128 and span_bucket(128) == 128


def test_static_step_gives_todays_logits_across_span_buckets(lively_dir):
    model = load_llm(lively_dir, device=CPU, dtype=torch.float32)
    ids = torch.randint(0, model.config.vocab_size, (1, 140), generator=torch.Generator().manual_seed(5))
    expected = _sdpa_step_logits(model, ids, 50)
    model.reset_cache(200)
    got = [model.prefill(ids[:, :50])[0]]
    for j in range(50, 139):  # crosses the 64 and 128 span buckets
        got.append(model.decode_step(ids[:, j : j + 1])[0])
    exp = torch.stack(expected[: len(got)])
    assert torch.allclose(torch.stack(got), exp, rtol=0, atol=1e-4 * float(exp.abs().max()))
    assert (torch.stack(got).argmax(-1) == exp.argmax(-1)).all()


def test_garbage_beyond_the_live_positions_is_never_read(lively_dir):
    model = load_llm(lively_dir, device=CPU, dtype=torch.float32)
    ids = torch.randint(0, model.config.vocab_size, (1, 30), generator=torch.Generator().manual_seed(6))
    model.reset_cache(40)
    model.prefill(ids[:, :20])
    clean = [model.decode_step(ids[:, j : j + 1])[0].clone() for j in range(20, 25)]
    model.reset_cache(40)
    for k, v in model._kv:  # a previous, longer segment left large finite values everywhere
        k.normal_(0, 50.0)
        v.normal_(0, 50.0)
    model.prefill(ids[:, :20])
    dirty = [model.decode_step(ids[:, j : j + 1])[0] for j in range(20, 25)]
    assert all(torch.allclose(a, b, atol=1e-5, rtol=1e-5) for a, b in zip(clean, dirty))


def test_cache_is_bucketed_reused_and_shrunk(tiny_dir):
    model = load_llm(tiny_dir, device=CPU, dtype=torch.float32)
    model.reset_cache(300)
    first = model._kv[0][0]
    assert model.allocated_positions == 512 and model.cache_capacity == 300
    model.reset_cache(400)  # fits the same bucket: same memory, same graphs
    assert model._kv[0][0] is first and model.cache_generation == 1
    model.reset_cache(200)  # 512 is not over 4 x 256: kept
    assert model._kv[0][0] is first
    model.reset_cache(1500)
    assert model.allocated_positions == 2048 and model.cache_generation == 2
    model.reset_cache(20)  # 2048 > 4 x 256: shrunk
    assert model.allocated_positions == 256 and model.cache_generation == 3
    model.release_cache()
    assert model.allocated_positions == 0


def test_graph_capture_failure_falls_back_to_eager_with_one_log_line(lively_dir, caplog):
    model = load_llm(lively_dir, device=CPU, dtype=torch.float32)
    ids = torch.randint(0, model.config.vocab_size, (1, 30), generator=torch.Generator().manual_seed(7))
    model.reset_cache(40)
    model.prefill(ids[:, :20])
    eager = [model.decode_step(ids[:, j : j + 1])[0].clone() for j in range(20, 26)]
    assert model.enable_cuda_graphs() is False  # no CUDA here: stays eager
    model.graphs = DecodeGraphs(model)  # force the capture path: capturing cannot work on a CPU
    model.reset_cache(40)
    model.prefill(ids[:, :20])
    with caplog.at_level(logging.WARNING, logger="glmtts_desktop.engine.llm.cuda_graphs"):
        graphed = [model.decode_step(ids[:, j : j + 1])[0] for j in range(20, 26)]
    assert model.graphs.failed
    assert len([r for r in caplog.records if "capture failed" in r.getMessage()]) == 1
    assert all(torch.equal(a, b) for a, b in zip(eager, graphed))
