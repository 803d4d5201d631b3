"""Range checks on every checkpoint config value that sizes an allocation, before any is made.

A ``config.json`` with ``max_position_embeddings: 1e12`` used to end in a raw traceback from
an 8 TB allocation (the rotary table is sized by it); a damaged or hostile file can do the same
through any dimension. The bounds are generous (many times the released model) and only stop
values no real GLM-TTS checkpoint has; the error names the file and the field.

Each loader calls its check right after parsing its config and before building anything:
``check_llm_config`` (llm/config.json), ``check_flow_config`` (flow/config.yaml),
``check_speech_tokenizer_config`` (speech_tokenizer/config.json and preprocessor_config.json).
HiFT and Vocos read no config (their hyper-parameters are fixed in code).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.i18n import tr

Range = tuple[float, float]

LLM_LIMITS: Mapping[str, Range] = {
    "hidden_size": (1, 16384),
    "intermediate_size": (1, 65536),
    "num_hidden_layers": (1, 256),
    "num_attention_heads": (1, 256),
    "num_key_value_heads": (1, 256),
    "head_dim": (2, 1024),
    "max_position_embeddings": (16, 131072),
    "vocab_size": (16, 1 << 20),
    "rms_norm_eps": (1e-12, 1.0),
    "rope_theta": (1.0, 1e9),
}
# 20 G parameters (80 GB in fp32): 13 times the released 1.5 B model.
MAX_LLM_PARAMS = 20_000_000_000

FLOW_LIMITS: Mapping[str, Range] = {
    "trans_dim": (1, 8192),
    "depth": (1, 128),
    "heads": (1, 128),
    "dim_head": (2, 1024),
    "ff_mult": (1, 16),
    "conv_layers": (0, 64),
    "text_emb_dim": (2, 8192),
    "mel_dim": (1, 1024),
    "spk_dim": (1, 8192),
    "vocab_size": (1, 1 << 20),
    "cfg_rate": (0.0, 100.0),
    "input_frame_rate": (1.0, 1000.0),
    "mel_framerate": (1.0, 1000.0),
    "conv_pos_kernel": (1, 1023),
    "conv_pos_groups": (1, 8192),
    "max_text_pos": (1, 131072),
    "time_freq_dim": (2, 8192),
}

SPEECH_TOKENIZER_LIMITS: Mapping[str, Range] = {
    "d_model": (1, 8192),
    "encoder_attention_heads": (1, 256),
    "encoder_ffn_dim": (1, 65536),
    "encoder_layers": (1, 256),
    "num_mel_bins": (1, 1024),
    "max_source_positions": (1, 65536),
    "pooling_kernel_size": (1, 64),
    "pooling_position": (1, 256),
    "quantize_position": (1, 256),
    "quantize_vocab_size": (1, 1 << 20),
    "quantize_causal_block_size": (1, 65536),
}

FEATURE_LIMITS: Mapping[str, Range] = {
    "feature_size": (1, 1024),
    "sampling_rate": (1000, 192000),
    "hop_length": (1, 65536),
    "n_fft": (2, 65536),
    "chunk_length": (1, 600),
}


def check_ranges(config: Any, limits: Mapping[str, Range], source: Path | str) -> None:
    """Every field of ``config`` named in ``limits`` (None means unset) lies in its range."""
    for name, (low, high) in limits.items():
        value = getattr(config, name, None)
        if value is None:
            continue
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not math.isfinite(number) or not low <= number <= high:
            raise _out_of_range(source, name, value, low, high)


def check_llm_config(cfg: Any, source: Path | str) -> None:
    check_ranges(cfg, LLM_LIMITS, source)
    n_params = int(cfg.n_params())
    if n_params > MAX_LLM_PARAMS:
        raise CorruptWeightsError(
            tr(
                "The model configuration {source} describes a model of {billions} billion parameters, "
                "far larger than GLM-TTS; it cannot be loaded.",
                source=str(source),
                billions=f"{n_params / 1e9:.0f}",
            ),
            hint=_hint(),
            detail=f"{source}: {n_params} parameters (at most {MAX_LLM_PARAMS})",
        )


def check_flow_config(cfg: Any, source: Path | str) -> None:
    check_ranges(cfg, FLOW_LIMITS, source)


def check_speech_tokenizer_config(cfg: Any, source: Path | str) -> None:
    check_ranges(cfg, SPEECH_TOKENIZER_LIMITS, source)


def check_feature_config(cfg: Any, source: Path | str) -> None:
    check_ranges(cfg, FEATURE_LIMITS, source)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _out_of_range(source: Path | str, name: str, value: Any, low: float, high: float) -> CorruptWeightsError:
    return CorruptWeightsError(
        tr(
            "The model configuration {source} has {field} = {value}, outside the range this app can "
            "load ({low} to {high}).",
            source=str(source),
            field=name,
            value=repr(value)[:40],
            low=_fmt(low),
            high=_fmt(high),
        ),
        hint=_hint(),
        detail=f"{source}: {name}={value!r}",
    )


def _hint() -> str:
    return tr(
        "The file is damaged or not from GLM-TTS: download the model again or run glmtts-desktop verify."
    )
