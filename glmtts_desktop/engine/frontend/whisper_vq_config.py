"""The WhisperVQ speech tokenizer's configuration (``speech_tokenizer/config.json``, spec §4.1).

The file is a HF WhisperConfig with extra VQ fields. Only the encoder fields and the
pooling/quantisation fields matter for token ids; the official loader builds
``quantize_position`` layers (its ``quantize_encoder_only`` mode) and no final LayerNorm.
Features the GLM-TTS checkpoint does not use (causal convolutions, causal encoder, max
pooling after the quantiser...) are rejected instead of being silently computed differently.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhisperVQConfig:
    d_model: int = 1280
    encoder_attention_heads: int = 20
    encoder_ffn_dim: int = 5120
    encoder_layers: int = 32
    num_mel_bins: int = 128
    max_source_positions: int = 1500
    activation_function: str = "gelu"
    pooling_kernel_size: int | None = 2
    pooling_type: str = "avg"
    pooling_position: int | None = 16
    quantize_position: int = 16
    quantize_vocab_size: int = 32768
    quantize_causal_block_size: int | None = 200
    quantize_causal_encoder: bool = False
    encoder_causal_attention: bool = False
    encoder_causal_convolution: bool = False
    quantize_ema_decay: float | None = 0.99
    scale_embedding: bool = False

    @property
    def n_layers(self) -> int:
        """Layers actually built: the token ids are read at ``quantize_position``."""
        return self.quantize_position

    @property
    def head_dim(self) -> int:
        return self.d_model // self.encoder_attention_heads

    @property
    def pool(self) -> int:
        return int(self.pooling_kernel_size or 1)

    def validate(self, source: str = "config.json") -> None:
        problems = []
        if self.activation_function != "gelu":
            problems.append(f"activation_function {self.activation_function!r} (only 'gelu')")
        if self.d_model % self.encoder_attention_heads:
            problems.append("d_model not divisible by encoder_attention_heads")
        if self.encoder_causal_convolution or self.encoder_causal_attention or self.quantize_causal_encoder:
            problems.append("causal encoder variants are not supported")
        if self.pooling_kernel_size is not None:
            if self.pooling_type not in ("avg", "max"):
                problems.append(f"pooling_type {self.pooling_type!r}")
            if self.pooling_position is None or not 1 <= self.pooling_position <= self.quantize_position:
                problems.append("pooling_position must lie in 1..quantize_position")
        if self.quantize_position < 1 or self.quantize_vocab_size < 1:
            problems.append("quantize_position/quantize_vocab_size must be positive")
        if self.quantize_causal_block_size is not None and self.quantize_causal_block_size < self.pool:
            problems.append("quantize_causal_block_size smaller than the pooling kernel")
        if problems:
            raise CorruptWeightsError(
                tr("The speech tokenizer configuration is not supported: {source}", source=source),
                hint=tr("This does not look like the GLM-TTS speech tokenizer; download it again."),
                detail="; ".join(problems),
            )

    @classmethod
    def from_dict(cls, data: dict, source: str = "config.json") -> WhisperVQConfig:
        fields = cls.__dataclass_fields__
        kwargs = {k: data[k] for k in fields if k in data}
        try:
            cfg = cls(**kwargs)
            ints = (
                "d_model",
                "encoder_attention_heads",
                "encoder_ffn_dim",
                "num_mel_bins",
                "max_source_positions",
                "quantize_position",
                "quantize_vocab_size",
            )
            for name in ints:
                if not isinstance(getattr(cfg, name), int):
                    raise TypeError(f"{name} must be an integer")
        except TypeError as exc:
            raise CorruptWeightsError(
                tr("The speech tokenizer configuration is malformed: {source}", source=source),
                hint=tr("Download the model again."),
                detail=str(exc),
            ) from exc
        cfg.validate(source)
        return cfg

    @classmethod
    def from_file(cls, path: Path) -> WhisperVQConfig:
        path = Path(path)
        if not path.is_file():
            raise MissingWeightsError(
                tr("The speech tokenizer configuration is missing: {path}", path=path),
                hint=tr("Download the model again or import a complete model folder."),
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise CorruptWeightsError(
                tr("The speech tokenizer configuration cannot be read: {path}", path=path),
                hint=tr("Download the model again."),
                detail=str(exc),
            ) from exc
        return cls.from_dict(data, source=str(path))

    def to_dict(self) -> dict:
        """HF-style config content (WhisperConfig fields the official file carries, plus VQ fields)."""
        d = asdict(self)
        d.update(
            {
                "model_type": "whisper",
                "architectures": ["WhisperVQForConditionalGeneration"],
                "num_hidden_layers": self.encoder_layers,
                "quantize_encoder_only": False,
                "dropout": 0.0,
                "attention_dropout": 0.0,
                "activation_dropout": 0.0,
                "encoder_layerdrop": 0.0,
                "torch_dtype": "float32",
            }
        )
        return d
