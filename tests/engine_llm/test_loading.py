"""Strict checkpoint loading and the official folder layout of written checkpoints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.llm import LlmConfig, load_llm, write_random_llm
from glmtts_desktop.engine.llm.loading import INDEX_NAME, plan_shards

CPU = torch.device("cpu")
SHARD = "model-00001-of-00001.safetensors"


@pytest.fixture()
def ckpt(tiny_dir, tmp_path) -> Path:
    d = tmp_path / "llm"
    shutil.copytree(tiny_dir, d)
    return d


def _rewrite_shard(d: Path, edit) -> None:
    tensors = load_file(str(d / SHARD))
    edit(tensors)
    save_file(tensors, str(d / SHARD), metadata={"format": "pt"})
    index = json.loads((d / INDEX_NAME).read_text())
    index["weight_map"] = {k: SHARD for k in tensors}
    (d / INDEX_NAME).write_text(json.dumps(index))


def test_written_layout_matches_official_names(tiny_dir):
    assert sorted(p.name for p in tiny_dir.iterdir()) == sorted(
        ["config.json", "generation_config.json", INDEX_NAME, SHARD]
    )
    index = json.loads((tiny_dir / INDEX_NAME).read_text())
    cfg = LlmConfig.from_json(tiny_dir / "config.json")
    assert cfg == LlmConfig.tiny(300)
    assert len(index["weight_map"]) == 2 + 9 * cfg.num_hidden_layers
    assert index["metadata"]["total_size"] == 4 * cfg.n_params()
    with safe_open(str(tiny_dir / SHARD), framework="pt") as f:
        assert set(f.keys()) == set(index["weight_map"])
        assert f.get_tensor("model.norm.weight").eq(1).all()
        emb = f.get_tensor("model.embed_tokens.weight")
    assert emb.dtype == torch.float32 and 0.015 < float(emb.std()) < 0.025


def test_full_shard_plan_reproduces_official_split():
    # Official index: 254 tensors, 196 in shard 1 and 58 in shard 2, 6 208 036 864 bytes (spec §1).
    shards = plan_shards(LlmConfig.full())
    assert [len(s) for s in shards] == [196, 58]
    assert shards[0][-1][0] == "model.layers.21.mlp.up_proj.weight"
    assert shards[1][0][0] == "model.layers.21.mlp.down_proj.weight"
    total = sum(4 * torch.Size(shape).numel() for s in shards for _, shape in s)
    assert total == 6_208_036_864
    assert LlmConfig.full().n_params() == 1_552_009_216


def test_loaded_weights_equal_file(tiny_dir):
    calls: list[tuple[int, int]] = []
    model = load_llm(tiny_dir, device=CPU, dtype=torch.float32, on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 20) for i in range(1, 21)]
    on_disk = load_file(str(tiny_dir / SHARD))
    state = model.checkpoint_tensors()
    assert set(state) == set(on_disk)
    for k, v in on_disk.items():
        assert torch.equal(state[k], v), k
    assert not any(p.requires_grad for p in model.parameters())


def test_single_file_layout_and_tolerated_lm_head(ckpt):
    tensors = load_file(str(ckpt / SHARD))
    tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"].clone()
    save_file(tensors, str(ckpt / "model.safetensors"))
    (ckpt / SHARD).unlink()
    (ckpt / INDEX_NAME).unlink()
    model = load_llm(ckpt, device=CPU, dtype=torch.float32)
    assert torch.equal(model.model.embed_tokens.weight, tensors["model.embed_tokens.weight"])


def test_missing_config(ckpt):
    (ckpt / "config.json").unlink()
    with pytest.raises(MissingWeightsError, match="config.json") as e:
        load_llm(ckpt, device=CPU, dtype=torch.float32)
    assert "download" in e.value.hint.lower()


def test_missing_weights_entirely(ckpt):
    (ckpt / SHARD).unlink()
    (ckpt / INDEX_NAME).unlink()
    with pytest.raises(MissingWeightsError, match="model.safetensors"):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_missing_shard(ckpt):
    (ckpt / SHARD).unlink()
    with pytest.raises(MissingWeightsError, match=SHARD):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_truncated_shard(ckpt):
    data = (ckpt / SHARD).read_bytes()
    (ckpt / SHARD).write_bytes(data[: len(data) - 1000])
    with pytest.raises(CorruptWeightsError, match=SHARD) as e:
        load_llm(ckpt, device=CPU, dtype=torch.float32)
    assert "incomplete" in str(e.value)


@pytest.mark.parametrize(
    "content", [b"", b"\x05\x00", b"\xff" * 8 + b"{}", b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!"]
)
def test_garbage_shard(ckpt, content):
    (ckpt / SHARD).write_bytes(content)
    with pytest.raises(CorruptWeightsError, match=SHARD):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_corrupt_index(ckpt):
    (ckpt / INDEX_NAME).write_text("{ not json")
    with pytest.raises(CorruptWeightsError, match=INDEX_NAME):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_missing_tensor(ckpt):
    _rewrite_shard(ckpt, lambda t: t.pop("model.layers.1.mlp.up_proj.weight"))
    with pytest.raises(CorruptWeightsError, match="model.layers.1.mlp.up_proj.weight"):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_index_lists_tensor_absent_from_shard(ckpt):
    index = json.loads((ckpt / INDEX_NAME).read_text())
    tensors = load_file(str(ckpt / SHARD))
    del tensors["model.norm.weight"]
    save_file(tensors, str(ckpt / SHARD))
    (ckpt / INDEX_NAME).write_text(json.dumps(index))
    with pytest.raises(CorruptWeightsError, match="model.norm.weight") as e:
        load_llm(ckpt, device=CPU, dtype=torch.float32)
    assert SHARD in str(e.value)


def test_wrong_shape(ckpt):
    def edit(t):
        t["model.layers.0.self_attn.k_proj.weight"] = torch.zeros(16, 64)

    _rewrite_shard(ckpt, edit)
    with pytest.raises(CorruptWeightsError, match=r"k_proj.*\[16, 64\].*\[32, 64\]"):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


@pytest.mark.parametrize(
    "name,shape", [("model.layers.5.mlp.up_proj.weight", (4, 4)), ("lm_head.weight", (300, 32))]
)
def test_unexpected_tensor(ckpt, name, shape):
    _rewrite_shard(ckpt, lambda t: t.__setitem__(name, torch.zeros(shape)))
    with pytest.raises(CorruptWeightsError, match=name):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_config_with_unsupported_features_is_rejected(ckpt):
    cfg = json.loads((ckpt / "config.json").read_text())
    cfg["rope_scaling"] = {"type": "linear", "factor": 2.0}
    (ckpt / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CorruptWeightsError, match="rope_scaling"):
        load_llm(ckpt, device=CPU, dtype=torch.float32)


def test_official_config_fields_parse_to_full():
    # The field values of the published llm/config.json (spec §7.1), as HF writes them.
    official = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": 128,
        "hidden_act": "silu",
        "hidden_size": 2048,
        "initializer_range": 0.02,
        "intermediate_size": 6144,
        "max_position_embeddings": 8192,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 16,
        "num_hidden_layers": 28,
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": 98304,
    }
    assert LlmConfig.from_hf_dict(official) == LlmConfig.full()
    written = LlmConfig.full().to_hf_dict()
    for key, value in official.items():
        if key != "transformers_version":
            assert written[key] == value, key


def test_write_random_is_deterministic(tmp_path):
    write_random_llm(tmp_path / "a", size="tiny", vocab_size=64, seed=7)
    write_random_llm(tmp_path / "b", size="tiny", vocab_size=64, seed=7)
    write_random_llm(tmp_path / "c", size="tiny", vocab_size=64, seed=8)
    a, b, c = (load_file(str(tmp_path / x / SHARD)) for x in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["model.embed_tokens.weight"], c["model.embed_tokens.weight"])
    assert not list(tmp_path.rglob("*.part"))
    with pytest.raises(ValueError):
        write_random_llm(tmp_path / "d", size="huge", vocab_size=64, seed=0)


def test_chunked_reads_reassemble_tensors(tiny_dir, tmp_path):
    from glmtts_desktop.engine.llm.safetensors_io import read_header, read_into

    path = tiny_dir / SHARD
    info = read_header(path)["model.embed_tokens.weight"]
    expected = load_file(str(path))["model.embed_tokens.weight"]
    direct = torch.empty(expected.shape, dtype=torch.float32)  # same dtype on CPU: read in place
    staged = torch.empty(expected.shape, dtype=torch.float64)  # converted through the scratch buffer
    with open(path, "rb") as f:
        read_into(f, info, direct, path)
        read_into(f, info, staged, path, chunk_bytes=1000)  # not a multiple of a row
    assert torch.equal(direct, expected)
    assert torch.equal(staged, expected.double())
    short = tmp_path / "short.safetensors"
    short.write_bytes(path.read_bytes()[: info.end - 10])
    for dest, chunk in ((direct, 1000), (staged, 1000), (staged, 1 << 26)):
        with open(short, "rb") as f, pytest.raises(CorruptWeightsError, match="ended early"):
            read_into(f, info, dest, short, chunk_bytes=chunk)


@pytest.mark.parametrize("stored", [torch.bfloat16, torch.float16])
def test_half_precision_files_load(ckpt, stored):
    _rewrite_shard(ckpt, lambda t: t.update({k: v.to(stored) for k, v in t.items()}))
    model = load_llm(ckpt, device=CPU, dtype=torch.float32)
    on_disk = load_file(str(ckpt / SHARD))
    for k, v in model.checkpoint_tensors().items():
        assert torch.equal(v, on_disk[k].float()), k


def test_integer_tensor_is_rejected(ckpt):
    _rewrite_shard(ckpt, lambda t: t.__setitem__("model.norm.weight", torch.ones(64, dtype=torch.int32)))
    with pytest.raises(CorruptWeightsError, match="model.norm.weight.*I32"):
        load_llm(ckpt, device=CPU, dtype=torch.float32)
