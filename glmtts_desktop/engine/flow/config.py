"""The flow model's hyper-parameters, read from the official ``flow/config.yaml`` as plain data.

The official file is HyperPyYAML: ``flow: !new:flow.flow.Flow`` followed by six constructor
arguments. Evaluating it would import and instantiate arbitrary classes, so we parse it with a
``yaml.SafeLoader`` that turns every unknown tag into plain data, then map the constructor
arguments (plus the official constructor defaults) onto :class:`FlowConfig`.

Tiny development checkpoints use the same file with extra keys (``trans_dim``, ``depth``, ...)
that the official constructor does not know; we read them, so tests can build small models.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

_HINT = "Download the model again (glmtts-desktop download) or run glmtts-desktop verify to repair it."
_TAG = "!new:flow.flow.Flow"

# Official constructor arguments that only matter for training: accepted silently.
_TRAINING_ONLY = {"calc_prompt_mel_loss", "loss_type", "use_mdt", "spk_embed_dim"}
# Keys we add for small development checkpoints (not official constructor arguments).
_DEV_KEYS = ("trans_dim", "depth", "heads", "dim_head", "ff_mult", "conv_layers")


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that reads ``!anything`` tags as the plain mapping/list/scalar under them."""


def _plain(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.ScalarNode)  # the only other node kind
    return loader.construct_scalar(node)


_PlainLoader.add_multi_constructor("!", _plain)
_PlainLoader.add_multi_constructor("tag:", _plain)


@dataclass(frozen=True)
class FlowConfig:
    """DiT and sampler settings. Defaults are the released model's (spec 8.1/8.2)."""

    trans_dim: int = 768
    depth: int = 18
    heads: int = 12
    dim_head: int = 64
    ff_mult: int = 2
    conv_layers: int = 4
    text_emb_dim: int = 512
    mel_dim: int = 80
    spk_dim: int = 192
    vocab_size: int = 100000
    cfg_rate: float = 0.7
    input_frame_rate: float = 25.0
    mel_framerate: float = 50.0
    t_scheduler: str = "cosine"
    speech_token_cfg: bool = False  # True would also drop the tokens in the unconditional pass
    conv_pos_kernel: int = 31
    conv_pos_groups: int = 16
    max_text_pos: int = 4096  # sinusoid table length for the token encoder (positions clamp)
    time_freq_dim: int = 256

    def __post_init__(self) -> None:
        if self.heads * self.dim_head <= 0 or self.trans_dim <= 0 or self.depth <= 0:
            raise ValueError(f"invalid flow sizes: {self}")
        if self.dim_head % 2 or self.text_emb_dim % 2:
            raise ValueError("dim_head and text_emb_dim must be even")
        if self.trans_dim % self.conv_pos_groups:
            raise ValueError("trans_dim must be divisible by conv_pos_groups")

    @classmethod
    def full(cls) -> FlowConfig:
        return cls()

    @classmethod
    def tiny(cls, vocab_size: int = 1024) -> FlowConfig:
        """Small enough for CPU tests in milliseconds; two heads so RoPE-on-head-0 stays visible."""
        return cls(
            trans_dim=128,
            depth=2,
            heads=2,
            dim_head=64,
            ff_mult=2,
            conv_layers=2,
            text_emb_dim=64,
            vocab_size=vocab_size,
            conv_pos_groups=16,
        )

    # ------------------------------------------------------------------ yaml
    @classmethod
    def from_yaml(cls, path: Path) -> FlowConfig:
        path = Path(path)
        if not path.is_file():
            raise MissingWeightsError(tr("The flow config file {path} is missing.", path=path), hint=_HINT)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainLoader)  # noqa: S506 - safe subclass
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CorruptWeightsError(
                tr("The flow config file {path} cannot be read.", path=path), hint=_HINT, detail=str(exc)
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("flow"), dict):
            raise CorruptWeightsError(
                tr("The flow config file {path} has no 'flow' section.", path=path), hint=_HINT
            )
        try:
            return cls.from_mapping(data["flow"])
        except (TypeError, ValueError) as exc:
            raise CorruptWeightsError(
                tr("The flow config file {path} has invalid values: {exc}", path=path, exc=exc), hint=_HINT
            ) from exc

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> FlowConfig:
        """Map the official constructor arguments (and our dev keys) onto a config."""
        if not bool(raw.get("spkr_emb_adaLN", False)):
            raise ValueError("only spkr_emb_adaLN: True is supported (the released model)")
        if not bool(raw.get("remove_spkr_concat_condition", False)):
            raise ValueError("only remove_spkr_concat_condition: True is supported (the released model)")
        if bool(raw.get("use_wavlm_emb", False)):
            raise ValueError("use_wavlm_emb is not supported")
        big = bool(raw.get("big_model", False))
        kw: dict[str, Any] = {
            "trans_dim": 1024 if big else 768,
            "depth": 22 if big else 18,
            "heads": 16 if big else 12,
            "text_emb_dim": int(raw.get("speech_token_dim", 512)),
            "vocab_size": int(raw.get("vocab_size", 100000)),
            "mel_dim": int(raw.get("mel_dim", 80)),
            # official constructor defaults are 12.5 / 86; the released file sets 25 / 50
            "input_frame_rate": float(raw.get("input_frame_rate", 12.5)),
            "mel_framerate": float(raw.get("mel_framerate", 86)),
            "t_scheduler": str(raw.get("t_scheduler", "cosine")),
            "speech_token_cfg": bool(raw.get("speech_token_cfg", True)),
        }
        for key in _DEV_KEYS:
            if key in raw:
                kw[key] = int(raw[key])
        known = (
            set(kw)
            | {
                "speech_token_dim",
                "big_model",
                "spkr_emb_adaLN",
                "remove_spkr_concat_condition",
                "use_wavlm_emb",
            }
            | _TRAINING_ONLY
        )
        for key in raw:
            if key not in known:
                log.debug("flow config: ignoring unknown key %r", key)
        return cls(**kw)

    def to_yaml(self) -> str:
        """The official-looking file; keys beyond the official six only where sizes differ."""
        lines = [
            f"flow: {_TAG}",
            "    spkr_emb_adaLN: True",
            f"    speech_token_cfg: {self.speech_token_cfg}",
            "    remove_spkr_concat_condition: True",
            f"    mel_dim: {self.mel_dim}",
            f"    mel_framerate: {_num(self.mel_framerate)}",
            f"    input_frame_rate: {_num(self.input_frame_rate)}",
        ]
        ref = FlowConfig()
        if self.text_emb_dim != ref.text_emb_dim:
            lines.append(f"    speech_token_dim: {self.text_emb_dim}")
        if self.vocab_size != ref.vocab_size:
            lines.append(f"    vocab_size: {self.vocab_size}")
        if self.t_scheduler != ref.t_scheduler:
            lines.append(f"    t_scheduler: {self.t_scheduler}")
        for key in _DEV_KEYS:
            if getattr(self, key) != getattr(ref, key):
                lines.append(f"    {key}: {getattr(self, key)}")
        for f in (
            "cfg_rate",
            "spk_dim",
            "conv_pos_kernel",
            "conv_pos_groups",
            "max_text_pos",
            "time_freq_dim",
        ):
            if getattr(self, f) != getattr(ref, f):
                raise ValueError(f"{f} cannot be stored in config.yaml (fixed in the official model)")
        return "\n".join(lines) + "\n"

    def replace(self, **changes: Any) -> FlowConfig:
        return dataclasses.replace(self, **changes)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
