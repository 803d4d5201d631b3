"""Whisper input features against transformers' WhisperFeatureExtractor (the reference's own code)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")
from transformers import WhisperFeatureExtractor  # noqa: E402

from glmtts_desktop.engine.frontend import WhisperFeatureConfig, whisper_log_mel  # noqa: E402


def _hf(cfg: WhisperFeatureConfig, audios, multiple=640):
    fe = WhisperFeatureExtractor(**cfg.to_dict())
    return fe(
        audios,
        sampling_rate=cfg.sampling_rate,
        return_attention_mask=True,
        return_tensors="np",
        padding="longest",
        pad_to_multiple_of=multiple,
    )


@pytest.mark.parametrize(
    "lengths", [(16000 * 3 + 123,), (7777, 48000, 29001), (640,), (1,), (160 * 7 + 3, 480000)]
)
def test_features_and_mask_equal_hf(lengths):
    rng = np.random.default_rng(sum(lengths))
    audios = [(rng.standard_normal(n) * rng.uniform(0.01, 0.5)).astype(np.float32) for n in lengths]
    cfg = WhisperFeatureConfig()
    ref = _hf(cfg, audios)
    feats, mask = whisper_log_mel(audios, cfg)
    assert feats.shape == ref["input_features"].shape
    assert feats.dtype == torch.float32
    np.testing.assert_allclose(feats.numpy(), ref["input_features"], atol=1e-5, rtol=0)
    np.testing.assert_array_equal(mask.numpy(), ref["attention_mask"])
    # frames = padded samples / hop, padded to a multiple of 640
    padded = -(-max(lengths) // 640) * 640
    assert feats.shape[-1] == padded // 160


def test_single_array_and_floor_uses_whole_item():
    rng = np.random.default_rng(1)
    loud = np.concatenate([rng.standard_normal(8000) * 0.9, np.zeros(8000)]).astype(np.float32)
    cfg = WhisperFeatureConfig()
    ref = _hf(cfg, [loud])
    feats, _ = whisper_log_mel(loud, cfg)
    np.testing.assert_allclose(feats.numpy(), ref["input_features"], atol=1e-5, rtol=0)
    # the silent half sits exactly at the floor (max - 8, then (x + 4) / 4)
    top = float(feats.max())
    assert float(feats.min()) == pytest.approx(top - 2.0, abs=1e-6)


def test_config_from_file_drives_geometry(tmp_path):
    data = WhisperFeatureConfig().to_dict()
    data.update({"feature_size": 80, "hop_length": 200, "n_fft": 512})
    path = tmp_path / "preprocessor_config.json"
    path.write_text(json.dumps(data))
    cfg = WhisperFeatureConfig.from_file(path)
    assert (cfg.feature_size, cfg.hop_length, cfg.n_fft) == (80, 200, 512)
    audio = np.random.default_rng(2).standard_normal(12345).astype(np.float32) * 0.1
    ref = _hf(cfg, [audio], multiple=800)
    feats, mask = whisper_log_mel([audio], cfg, pad_to_multiple_of=800)
    assert feats.shape[1] == 80
    np.testing.assert_allclose(feats.numpy(), ref["input_features"], atol=1e-5, rtol=0)
    np.testing.assert_array_equal(mask.numpy(), ref["attention_mask"])
