"""Q/K/V and gate/up fused at load: same numbers as the unfused model, official names on disk."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file
from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

from glmtts_desktop.engine.llm import LlmConfig, SpeechLM, generate_speech_tokens, load_llm, save_llm
from glmtts_desktop.engine.llm.quantize import quantize_int8

CPU = torch.device("cpu")
VOCAB = 300
SPECIAL = SimpleNamespace(eoa=5, boa=6, ats=40, n_audio_tokens=250)


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    """Weights of std 0.3: peaked logits, so greedy tokens vary and mean something."""
    d = tmp_path_factory.mktemp("fused") / "llm"
    model = SpeechLM(LlmConfig.tiny(VOCAB))
    model.init_weights(torch.Generator().manual_seed(11), std=0.3)
    save_llm(model, d, max_shard_bytes=200_000)  # several shards: a fused matrix spans two
    return d


def _greedy(model: SpeechLM) -> list[int]:
    ids = [7, 8, 9, 10, 11, 6] + [SPECIAL.ats + i for i in (3, 17, 90, 4)]
    out = generate_speech_tokens(
        model, ids, text_len=5, special=SPECIAL, method="greedy", generator=torch.Generator(), max_ratio=12
    )
    return out.ids


def test_fused_model_computes_what_the_unfused_one_does(ckpt):
    plain = load_llm(ckpt, device=CPU, dtype=torch.float32, fuse=False)
    fused = load_llm(ckpt, device=CPU, dtype=torch.float32)
    assert fused.fused and not plain.fused
    linears = [m for m in fused.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 4 * fused.config.num_hidden_layers  # qkv, o, gate_up, down
    ids = torch.randint(0, VOCAB, (1, 24), generator=torch.Generator().manual_seed(2))
    a, b = plain.forward_full(ids), fused.forward_full(ids)
    torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5 * float(a.abs().max()))
    tokens = _greedy(plain)
    assert len(set(tokens)) > 5, "a varied sequence, or the comparison means little"
    assert _greedy(fused) == tokens  # the cached decode path too


def test_fused_model_saves_the_official_names_and_bytes(ckpt, tmp_path):
    fused = load_llm(ckpt, device=CPU, dtype=torch.float32)
    save_llm(fused, tmp_path / "again", max_shard_bytes=200_000)
    for shard in sorted(ckpt.glob("*.safetensors")):
        a, b = load_file(str(shard)), load_file(str(tmp_path / "again" / shard.name))
        assert set(a) == set(b)
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_int8_mode_quantises_the_fused_matrices(ckpt):
    plain = quantize_int8(load_llm(ckpt, device=CPU, dtype=torch.float32, fuse=False))
    fused = quantize_int8(load_llm(ckpt, device=CPU, dtype=torch.float32))
    quantised = [m for m in fused.modules() if isinstance(m, DynamicInt8Linear)]
    assert len(quantised) == 4 * fused.config.num_hidden_layers + 1  # the head too
    ids = torch.randint(0, VOCAB, (1, 24), generator=torch.Generator().manual_seed(3))
    a, b = plain.forward_full(ids)[0], fused.forward_full(ids)[0]
    # per-output-channel scales: fusing rows changes no weight, only the activations' rounding
    assert float(torch.nn.functional.cosine_similarity(a, b, dim=-1).min()) > 0.999
    assert _greedy(fused)  # the cached int8 path runs on the fused layers
