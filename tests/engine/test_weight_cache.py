"""The verified bf16 weight cache: made once, read instead of the shards, never trusted blindly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from glmtts_desktop.engine.llm import LlmConfig, SpeechLM, load_llm, loading, save_llm, weight_cache
from glmtts_desktop.engine.llm import safetensors_io as sio

CPU = torch.device("cpu")
BF16 = torch.bfloat16


@pytest.fixture
def ckpt(tmp_path) -> Path:
    d = tmp_path / "llm"
    model = SpeechLM(LlmConfig.tiny(300))
    model.init_weights(torch.Generator().manual_seed(5), std=0.3)
    save_llm(model, d, max_shard_bytes=200_000)
    return d


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """Every file a tensor is read from, in order (a spy on ``read_into`` where the loaders use it)."""
    seen: list[Path] = []

    def spy(f, info, dest, path, *args, **kwargs):
        seen.append(Path(path))
        return sio.read_into(f, info, dest, path, *args, **kwargs)

    monkeypatch.setattr(loading, "read_into", spy)
    monkeypatch.setattr(weight_cache, "read_into", spy)
    return seen


def _weights(model: SpeechLM) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.checkpoint_tensors().items()}


def _from_shards(ckpt: Path) -> dict[str, torch.Tensor]:
    return {k: v.to(BF16) for k, v in _weights(load_llm(ckpt, device=CPU, dtype=torch.float32)).items()}


def _assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def _shards(ckpt: Path) -> set[Path]:
    return set(ckpt.glob("model-*.safetensors"))


def test_second_bf16_load_reads_the_cache_and_gets_the_same_weights(ckpt, reads):
    first = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    cache = ckpt / weight_cache.CACHE_DIRNAME / weight_cache.CACHE_NAME
    assert set(reads) == _shards(ckpt) and cache.is_file()
    assert cache.stat().st_size < 0.6 * sum(p.stat().st_size for p in _shards(ckpt))  # half the bytes
    manifest = json.loads((cache.parent / weight_cache.MANIFEST_NAME).read_text())
    assert sorted(s["name"] for s in manifest["sources"]) == sorted(p.name for p in _shards(ckpt))
    reads.clear()
    second = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    assert set(reads) == {cache}  # no shard was read
    _assert_same(second, first)
    _assert_same(second, _from_shards(ckpt))


def test_a_tampered_cache_is_not_used_and_is_rebuilt(ckpt, reads):
    expected = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    cache = ckpt / weight_cache.CACHE_DIRNAME / weight_cache.CACHE_NAME
    good = cache.read_bytes()
    with open(cache, "r+b") as f:  # one flipped byte in the middle of the data, same size
        f.seek(len(good) - 700)
        f.write(bytes([good[-700] ^ 0x40]))
    reads.clear()
    loaded = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    _assert_same(loaded, expected)  # the weights come from the shards, not the damaged copy
    assert _shards(ckpt) <= set(reads)
    assert cache.read_bytes() == good  # rebuilt
    reads.clear()
    load_llm(ckpt, device=CPU, dtype=BF16)
    assert set(reads) == {cache}


def test_changed_sources_make_the_cache_stale(ckpt, reads):
    load_llm(ckpt, device=CPU, dtype=BF16)
    other = SpeechLM(LlmConfig.tiny(300))
    other.init_weights(torch.Generator().manual_seed(6), std=0.3)
    save_llm(other, ckpt, max_shard_bytes=200_000)  # same names and sizes, other weights
    shard = sorted(_shards(ckpt))[0]
    os.utime(shard, ns=(shard.stat().st_atime_ns, shard.stat().st_mtime_ns + 10**9))
    reads.clear()
    loaded = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    assert _shards(ckpt) <= set(reads)
    _assert_same(loaded, {k: v.to(BF16) for k, v in _weights(other).items()})


def test_unwritable_model_folder_falls_back_to_the_user_cache(ckpt, reads, tmp_path, monkeypatch):
    monkeypatch.setenv(weight_cache.ENV_CACHE_DIR, str(tmp_path / "user-cache"))
    (ckpt / weight_cache.CACHE_DIRNAME).write_text("not a folder")  # the model folder cannot take it
    first = _weights(load_llm(ckpt, device=CPU, dtype=BF16))
    fallback = weight_cache.user_cache_folder(ckpt) / weight_cache.CACHE_NAME
    assert fallback.is_file() and str(fallback).startswith(str(tmp_path / "user-cache"))
    reads.clear()
    _assert_same(_weights(load_llm(ckpt, device=CPU, dtype=BF16)), first)
    assert set(reads) == {fallback}


def test_no_cache_in_fp32_or_when_disabled(ckpt):
    load_llm(ckpt, device=CPU, dtype=torch.float32)
    load_llm(ckpt, device=CPU, dtype=BF16, weight_cache=False)
    assert not (ckpt / weight_cache.CACHE_DIRNAME).exists()


def test_no_cache_when_the_disk_is_nearly_full(ckpt, monkeypatch, tmp_path, reads):
    monkeypatch.setenv(weight_cache.ENV_CACHE_DIR, str(tmp_path / "user-cache"))
    monkeypatch.setattr(weight_cache, "SPARE_BYTES", 1 << 60)  # no disk has this much to spare
    load_llm(ckpt, device=CPU, dtype=BF16)
    assert not (ckpt / weight_cache.CACHE_DIRNAME / weight_cache.CACHE_NAME).exists()
    assert not list((tmp_path / "user-cache").rglob(weight_cache.CACHE_NAME))
    reads.clear()
    load_llm(ckpt, device=CPU, dtype=BF16)  # still loads, from the shards
    assert set(reads) == _shards(ckpt)
