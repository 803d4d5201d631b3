"""Loading the speech tokenizer: the official key renaming, strictness, typed errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.frontend import load_speech_tokenizer, write_random_speech_tokenizer


def _tensors(folder):
    with safe_open(str(folder / "model.safetensors"), framework="pt") as fh:
        return {k: fh.get_tensor(k) for k in fh.keys()}


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_written_file_has_official_layout(tiny_tokenizer_dir):
    keys = set(_tensors(tiny_tokenizer_dir))
    assert all(k.startswith("model.encoder.") for k in keys)
    for k in (
        "conv1.weight",
        "conv2.bias",
        "embed_positions.weight",
        "embed_positions2.weight",
        "codebook.weight",
        "ema_count",
        "ema_weight",
        "layers.1.self_attn.k_proj.weight",
        "layers.0.fc2.bias",
    ):
        assert "model.encoder." + k in keys
    assert "model.encoder.layers.0.self_attn.k_proj.bias" not in keys
    cfg = json.loads((tiny_tokenizer_dir / "config.json").read_text())
    pre = json.loads((tiny_tokenizer_dir / "preprocessor_config.json").read_text())
    assert cfg["num_mel_bins"] == pre["feature_size"] == 128
    assert cfg["quantize_vocab_size"] == 256 and cfg["quantize_causal_block_size"] == 200


def test_writer_is_seeded(tmp_path, tiny_tokenizer_dir):
    write_random_speech_tokenizer(tmp_path / "again", size="tiny", codebook_size=256, seed=3)
    write_random_speech_tokenizer(tmp_path / "other", size="tiny", codebook_size=256, seed=4)
    a, b, c = _tensors(tiny_tokenizer_dir), _tensors(tmp_path / "again"), _tensors(tmp_path / "other")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["model.encoder.codebook.weight"], c["model.encoder.codebook.weight"])


def test_extra_keys_are_ignored_like_the_reference(tmp_path, tiny_tokenizer_dir):
    """Decoder keys, the final layer_norm and layers >= quantize_position are dropped, not errors."""
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    t = _tensors(folder)
    d = t["model.encoder.conv1.bias"].shape[0]
    extra = {
        "model.decoder.layers.0.fc1.weight": torch.zeros(3, 3),
        "model.encoder.layer_norm.weight": torch.ones(d),
        "model.encoder.layer_norm.bias": torch.zeros(d),
        "model.encoder.layers.2.fc1.weight": torch.zeros(7, 7),  # wrong shape on purpose: must be skipped
        "proj_out.weight": torch.zeros(2, 2),
    }
    (folder / "model.safetensors").unlink()
    save_file(dict(list(t.items())[:10]), str(folder / "model-00001-of-00002.safetensors"))
    save_file({**dict(list(t.items())[10:]), **extra}, str(folder / "model-00002-of-00002.safetensors"))
    tok = load_speech_tokenizer(folder, device="cpu", dtype="float32")
    ref = load_speech_tokenizer(tiny_tokenizer_dir, device="cpu", dtype="float32")
    audio = np.random.default_rng(0).standard_normal(20000).astype(np.float32) * 0.1
    np.testing.assert_array_equal(tok.tokenize(audio), ref.tokenize(audio))


def test_missing_key_names_the_file(tmp_path, tiny_tokenizer_dir):
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    t = _tensors(folder)
    del t["model.encoder.layers.1.fc2.weight"]
    save_file(t, str(folder / "model.safetensors"))
    with pytest.raises(CorruptWeightsError) as info:
        load_speech_tokenizer(folder, device="cpu", dtype="float32")
    assert "model.safetensors" in str(info.value)
    assert "layers.1.fc2.weight" in info.value.detail


def test_wrong_shape_is_corrupt(tmp_path, tiny_tokenizer_dir):
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    t = _tensors(folder)
    t["model.encoder.codebook.weight"] = t["model.encoder.codebook.weight"][:100].contiguous()
    save_file(t, str(folder / "model.safetensors"))
    with pytest.raises(CorruptWeightsError) as info:
        load_speech_tokenizer(folder, device="cpu", dtype="float32")
    assert "model.safetensors" in str(info.value) and "codebook.weight" in info.value.detail


def test_unexpected_encoder_key_is_corrupt(tmp_path, tiny_tokenizer_dir):
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    t = _tensors(folder)
    t["model.encoder.layers.0.self_attn.k_proj.bias"] = torch.zeros(t["model.encoder.conv1.bias"].shape)
    save_file(t, str(folder / "model.safetensors"))
    with pytest.raises(CorruptWeightsError):
        load_speech_tokenizer(folder, device="cpu", dtype="float32")


def test_truncated_file_is_corrupt(tmp_path, tiny_tokenizer_dir):
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptWeightsError) as info:
        load_speech_tokenizer(folder, device="cpu", dtype="float32")
    assert str(path) in str(info.value)


def test_missing_files_are_missing_weights(tmp_path, tiny_tokenizer_dir):
    with pytest.raises(MissingWeightsError):
        load_speech_tokenizer(tmp_path / "nowhere", device="cpu", dtype="float32")
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    (folder / "model.safetensors").unlink()
    with pytest.raises(MissingWeightsError) as info:
        load_speech_tokenizer(folder, device="cpu", dtype="float32")
    assert "model.safetensors" in str(info.value)
    folder2 = _copy(tiny_tokenizer_dir, tmp_path / "st2")
    (folder2 / "preprocessor_config.json").unlink()
    with pytest.raises(MissingWeightsError) as info:
        load_speech_tokenizer(folder2, device="cpu", dtype="float32")
    assert "preprocessor_config.json" in str(info.value)


def test_bad_config_is_corrupt(tmp_path, tiny_tokenizer_dir):
    folder = _copy(tiny_tokenizer_dir, tmp_path / "st")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CorruptWeightsError) as info:
        load_speech_tokenizer(folder, device="cpu", dtype="float32")
    assert "config.json" in str(info.value)
    cfg = json.loads((tiny_tokenizer_dir / "config.json").read_text())
    cfg["encoder_causal_convolution"] = True
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CorruptWeightsError):
        load_speech_tokenizer(folder, device="cpu", dtype="float32")


def test_loaded_without_random_init_and_codebook_fp32(tiny_tokenizer_dir):
    tok = load_speech_tokenizer(tiny_tokenizer_dir, device="cpu", dtype=torch.bfloat16)
    t = _tensors(tiny_tokenizer_dir)
    assert tok.encoder.codebook.weight.dtype == torch.float32
    assert tok.encoder.conv1.weight.dtype == torch.bfloat16
    assert torch.equal(tok.encoder.codebook.weight, t["model.encoder.codebook.weight"])
    assert not any(p.is_meta for p in tok.encoder.parameters())
    ids = tok.tokenize(np.random.default_rng(0).standard_normal(9000).astype(np.float32) * 0.1)
    assert ids.shape == (15,)


def test_streaming_writer_round_trip_and_atomicity(tmp_path):
    from glmtts_desktop.engine.frontend.safetensors_stream import write_safetensors_streaming

    made = {
        "a": torch.randn(3, 5),
        "b": torch.arange(7, dtype=torch.int64),
        "c": torch.randn(4).to(torch.bfloat16),
    }
    specs = [(k, tuple(v.shape), v.dtype) for k, v in made.items()]
    path = tmp_path / "x.safetensors"
    write_safetensors_streaming(path, specs, made.__getitem__, metadata={"format": "pt"})
    with safe_open(str(path), framework="pt") as fh:
        assert fh.metadata() == {"format": "pt"}
        for k, v in made.items():
            assert torch.equal(fh.get_tensor(k), v)

    def failing(name):
        if name == "b":
            raise RuntimeError("boom")
        return made[name]

    target = tmp_path / "y.safetensors"
    with pytest.raises(RuntimeError):
        write_safetensors_streaming(target, specs, failing)
    assert list(tmp_path.iterdir()) == [path]  # nothing half-written left behind
