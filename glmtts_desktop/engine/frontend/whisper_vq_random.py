"""Random-weight WhisperVQ speech tokenizer folders, laid out like the official checkpoint.

Tests need a tiny tokenizer; benchmarks need the full 1.63 GB geometry (16 Whisper-large-v3
layers, 32 768 codes, EMA buffers and ``embed_positions2``) without the real download. The keys
carry the official ``model.encoder.`` prefix so the real loading path (renaming, strict checks)
is what gets exercised. Values are drawn per tensor from a seed and the tensor's name, so the
file is reproducible and can be streamed to disk one tensor at a time.
"""

from __future__ import annotations

import json
import logging
import math
import os
import zlib
from dataclasses import replace
from pathlib import Path

import torch

from glmtts_desktop.engine.frontend.safetensors_stream import write_safetensors_streaming
from glmtts_desktop.engine.frontend.whisper_features import WhisperFeatureConfig
from glmtts_desktop.engine.frontend.whisper_vq import PREFIX, expected_shapes
from glmtts_desktop.engine.frontend.whisper_vq_config import WhisperVQConfig

log = logging.getLogger(__name__)

FULL = WhisperVQConfig()  # the defaults are the official geometry (spec §4.1)
TINY = replace(
    FULL,
    d_model=64,
    encoder_attention_heads=4,
    encoder_ffn_dim=128,
    encoder_layers=4,
    pooling_position=2,
    quantize_position=2,
    quantize_vocab_size=256,
)


def _sinusoids(length: int, channels: int) -> torch.Tensor:
    # Whisper-style fixed position table: sin | cos over log-spaced timescales
    half = channels // 2
    inc = math.log(10000.0) / max(half - 1, 1)
    inv = torch.exp(-inc * torch.arange(half, dtype=torch.float64))
    t = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1).float()


def _atomic_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_random_speech_tokenizer(
    folder: Path, *, size: str = "tiny", codebook_size: int | None = None, seed: int = 0
) -> None:
    """Write config.json, preprocessor_config.json and model.safetensors with random weights.

    ``size="full"``: the official geometry (≈1.63 GB fp32; codebook 32 768 by default).
    ``size="tiny"``: d_model 64, 2 layers, codebook 256 by default, still 128 mel bins (the
    feature extractor's geometry is kept). ``codebook_size`` overrides the codebook for either.
    """
    if size not in ("full", "tiny"):
        raise ValueError(f"size must be 'full' or 'tiny', not {size!r}")
    cfg = FULL if size == "full" else TINY
    if codebook_size is not None:
        cfg = replace(cfg, quantize_vocab_size=int(codebook_size))
    cfg.validate()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_json(folder / "config.json", cfg.to_dict())
    _atomic_json(folder / "preprocessor_config.json", WhisperFeatureConfig().to_dict())

    shapes = dict(expected_shapes(cfg))
    n_pos2 = math.ceil(cfg.max_source_positions / cfg.pool)
    shapes["embed_positions2.weight"] = (n_pos2, cfg.d_model)
    if cfg.quantize_ema_decay is not None:
        shapes["ema_count"] = (cfg.quantize_vocab_size,)
        shapes["ema_weight"] = (cfg.quantize_vocab_size, cfg.d_model)

    def draw(name: str, shape: tuple[int, ...], std: float) -> torch.Tensor:
        gen = torch.Generator().manual_seed((seed * 1_000_003 + zlib.crc32(name.encode())) % (2**63))
        return torch.randn(shape, generator=gen, dtype=torch.float32) * std

    def produce(key: str) -> torch.Tensor:
        name = key[len(PREFIX) :]
        shape = shapes[name]
        if name in ("embed_positions.weight", "embed_positions2.weight"):
            return _sinusoids(cfg.max_source_positions, cfg.d_model)[: shape[0]].contiguous()
        if name == "ema_count":
            return torch.ones(shape)
        if name in ("codebook.weight", "ema_weight"):
            return draw("codebook.weight", shape, 0.5)  # the EMA mean equals the codebook
        if name.startswith("conv"):
            if name.endswith("bias"):
                return draw(name, shape, 0.02)
            return draw(name, shape, 1.0 / math.sqrt(shape[1] * shape[2]))
        if "layer_norm" in name:
            if name.endswith("weight"):
                return 1.0 + draw(name, shape, 0.1)
            return draw(name, shape, 0.02)
        return draw(name, shape, 0.02)

    specs = [(PREFIX + n, tuple(s), torch.float32) for n, s in shapes.items()]
    write_safetensors_streaming(
        folder / "model.safetensors",
        specs,
        produce,
        metadata={"format": "pt", "note": "random weights (glmtts_desktop)"},
    )
    log.info("random %s speech tokenizer written to %s", size, folder)
