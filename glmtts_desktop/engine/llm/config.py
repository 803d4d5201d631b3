"""The speech LLM's shape, read from and written as an HF ``LlamaConfig`` JSON.

We keep only the fields our own Llama needs and refuse configs that ask for features we do
not implement (biases, RoPE scaling, another activation), so a wrong or future checkpoint
fails loudly at load instead of producing plausible-sounding garbage.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

_HINT_REDOWNLOAD = "Re-download the model (or run the model verification) and try again."


@dataclass(frozen=True)
class LlmConfig:
    """Hyper-parameters of the Llama decoder (the subset of HF ``LlamaConfig`` we use)."""

    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    max_position_embeddings: int
    vocab_size: int
    tie_word_embeddings: bool = True

    def __post_init__(self) -> None:
        problems = []
        for name in (
            "hidden_size",
            "intermediate_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "head_dim",
            "max_position_embeddings",
            "vocab_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                problems.append(f"{name}={value!r} must be a positive integer")
        if not problems and self.num_attention_heads % self.num_key_value_heads:
            problems.append("num_attention_heads must be a multiple of num_key_value_heads")
        if not problems and self.head_dim % 2:
            problems.append("head_dim must be even (rotary embedding)")
        if not (self.rms_norm_eps > 0 and self.rope_theta > 0):
            problems.append("rms_norm_eps and rope_theta must be positive")
        if problems:
            raise ValueError("invalid LlmConfig: " + "; ".join(problems))

    # --- presets -------------------------------------------------------------------------
    @classmethod
    def full(cls) -> LlmConfig:
        """The configuration of the published GLM-TTS checkpoint (1.55 B parameters)."""
        return cls(
            hidden_size=2048,
            intermediate_size=6144,
            num_hidden_layers=28,
            num_attention_heads=16,
            num_key_value_heads=4,
            head_dim=128,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            max_position_embeddings=8192,
            vocab_size=98304,
            tie_word_embeddings=True,
        )

    @classmethod
    def tiny(cls, vocab_size: int) -> LlmConfig:
        """A few-hundred-kilobyte model with the same structure, for tests."""
        return cls(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            max_position_embeddings=2048,
            vocab_size=vocab_size,
            tie_word_embeddings=True,
        )

    # --- JSON ----------------------------------------------------------------------------
    def to_hf_dict(self) -> dict[str, Any]:
        """An HF ``config.json`` payload equivalent to the official one for these sizes."""
        d: dict[str, Any] = {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "initializer_range": 0.02,
            "mlp_bias": False,
            "model_type": "llama",
            "pretraining_tp": 1,
            "rope_scaling": None,
            "torch_dtype": "float32",
            "use_cache": True,
        }
        d.update(asdict(self))
        d["rope_theta"] = float(self.rope_theta)
        return dict(sorted(d.items()))

    @classmethod
    def from_hf_dict(cls, d: dict[str, Any], *, source: str = "config.json") -> LlmConfig:
        """Build from an HF Llama config dict; raise CorruptWeightsError on what we can't run."""
        if not isinstance(d, dict):
            raise _bad(source, "it is not a JSON object")
        if d.get("model_type", "llama") != "llama":
            raise _bad(source, f"model_type is {d.get('model_type')!r}, expected 'llama'")
        unsupported = []
        if d.get("hidden_act", "silu") != "silu":
            unsupported.append(f"hidden_act={d.get('hidden_act')!r}")
        if d.get("attention_bias", False) or d.get("mlp_bias", False):
            unsupported.append("biases")
        if d.get("rope_scaling") not in (None, {}):
            unsupported.append("rope_scaling")
        if d.get("pretraining_tp", 1) != 1:
            unsupported.append("pretraining_tp")
        if unsupported:
            raise _bad(source, "it asks for unsupported features: " + ", ".join(unsupported))
        try:
            heads = d["num_attention_heads"]
            hidden = d["hidden_size"]
            head_dim = d.get("head_dim") or hidden // heads
            return cls(
                hidden_size=hidden,
                intermediate_size=d["intermediate_size"],
                num_hidden_layers=d["num_hidden_layers"],
                num_attention_heads=heads,
                num_key_value_heads=d.get("num_key_value_heads") or heads,
                head_dim=head_dim,
                rms_norm_eps=float(d.get("rms_norm_eps", 1e-6)),
                rope_theta=float(d.get("rope_theta", 10000.0)),
                max_position_embeddings=d.get("max_position_embeddings", 2048),
                vocab_size=d["vocab_size"],
                tie_word_embeddings=bool(d.get("tie_word_embeddings", False)),
            )
        except KeyError as exc:
            raise _bad(source, f"the field {exc.args[0]!r} is missing") from exc
        except (TypeError, ValueError) as exc:
            raise _bad(source, str(exc)) from exc

    @classmethod
    def from_json(cls, path: Path) -> LlmConfig:
        """Read ``config.json``; missing -> MissingWeightsError, unreadable -> CorruptWeightsError."""
        path = Path(path)
        if not path.is_file():
            raise MissingWeightsError(
                tr("The speech model's configuration file is missing: {path}.", path=path),
                hint=_HINT_REDOWNLOAD,
                detail=str(path),
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _bad(str(path), f"it is not valid JSON ({exc})") from exc
        return cls.from_hf_dict(data, source=str(path))

    def n_params(self) -> int:
        """Parameter count (tied head counted once)."""
        h, kv = self.hidden_size, self.num_key_value_heads * self.head_dim
        q = self.num_attention_heads * self.head_dim
        per_layer = h * q * 2 + h * kv * 2 + 3 * h * self.intermediate_size + 2 * h
        head = 0 if self.tie_word_embeddings else self.vocab_size * h
        return self.vocab_size * h + self.num_hidden_layers * per_layer + h + head


def _bad(source: str, why: str) -> CorruptWeightsError:
    return CorruptWeightsError(
        tr("The speech model's configuration {source} cannot be used: {why}.", source=source, why=why),
        hint=_HINT_REDOWNLOAD,
        detail=source,
    )
