"""Whisper log-mel input features, computed the way HF ``WhisperFeatureExtractor`` does (spec §4.3).

The official tokenizer calls the HF extractor with ``padding="longest"``,
``pad_to_multiple_of=640`` and an attention mask. We reimplement it in torch so it runs on the
engine's device and so transformers is not a runtime dependency; tests compare against the HF
extractor. Geometry (n_fft, hop, mel count, rate) comes from ``preprocessor_config.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.frontend.mel_filters import hann_window, slaney_mel_bank
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhisperFeatureConfig:
    """The fields of ``preprocessor_config.json`` that change the features."""

    feature_size: int = 128
    sampling_rate: int = 16000
    hop_length: int = 160
    n_fft: int = 400
    chunk_length: int = 30
    padding_value: float = 0.0

    @property
    def n_samples(self) -> int:
        """Samples per 30 s piece (the encoder's position table covers exactly this)."""
        return self.chunk_length * self.sampling_rate

    @classmethod
    def from_dict(cls, data: dict) -> WhisperFeatureConfig:
        return cls(
            feature_size=int(data.get("feature_size", 80)),
            sampling_rate=int(data.get("sampling_rate", 16000)),
            hop_length=int(data.get("hop_length", 160)),
            n_fft=int(data.get("n_fft", 400)),
            chunk_length=int(data.get("chunk_length", 30)),
            padding_value=float(data.get("padding_value", 0.0)),
        )

    @classmethod
    def from_file(cls, path: Path) -> WhisperFeatureConfig:
        path = Path(path)
        if not path.is_file():
            raise MissingWeightsError(
                tr("The speech tokenizer's feature settings are missing: {path}", path=path),
                hint=tr("Download the model again or import a complete model folder."),
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            cfg = cls.from_dict(data)
        except (OSError, ValueError, TypeError) as exc:
            raise CorruptWeightsError(
                tr("The speech tokenizer's feature settings cannot be read: {path}", path=path),
                hint=tr("Download the model again."),
                detail=str(exc),
            ) from exc
        if cfg.padding_value != 0.0 or data.get("do_normalize"):
            raise CorruptWeightsError(
                tr("Unsupported feature settings in {path} (padding_value/do_normalize).", path=path),
                hint=tr("This does not look like the GLM-TTS speech tokenizer."),
            )
        return cfg

    def to_dict(self) -> dict:
        """The ``preprocessor_config.json`` content HF would write for these settings."""
        return {
            "chunk_length": self.chunk_length,
            "feature_extractor_type": "WhisperFeatureExtractor",
            "feature_size": self.feature_size,
            "hop_length": self.hop_length,
            "n_fft": self.n_fft,
            "n_samples": self.n_samples,
            "nb_max_frames": self.n_samples // self.hop_length,
            "padding_side": "right",
            "padding_value": self.padding_value,
            "processor_class": "WhisperProcessor",
            "return_attention_mask": False,
            "sampling_rate": self.sampling_rate,
        }


def whisper_log_mel(
    audios: Sequence[np.ndarray] | np.ndarray,
    config: WhisperFeatureConfig = WhisperFeatureConfig(),
    *,
    pad_to_multiple_of: int | None = 640,
    pad_to_length: int | None = None,
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (B, feature_size, frames) float32 and mask (B, frames) int32 for 16 kHz audio.

    Like HF with ``padding="longest"``: every item is zero-padded at the end to the longest
    item (or ``pad_to_length`` if larger), rounded up to ``pad_to_multiple_of``; frames =
    padded_samples // hop (the STFT's last frame is dropped), mask = sample mask every hop.
    The log floor (max - 8) uses each item's maximum over its whole padded length.
    """
    items = [audios] if isinstance(audios, np.ndarray) and audios.ndim == 1 else list(audios)
    if not items:
        raise ValueError("whisper_log_mel needs at least one waveform")
    lengths = [int(np.asarray(a).shape[-1]) for a in items]
    target = max(lengths + [int(pad_to_length or 0)])
    if pad_to_multiple_of:
        target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
    device = torch.device(device)
    batch = torch.full((len(items), target), float(config.padding_value), dtype=torch.float32)
    sample_mask = torch.zeros((len(items), target), dtype=torch.int32)
    for i, a in enumerate(items):
        arr = np.asarray(a, dtype=np.float32).reshape(-1)
        batch[i, : arr.shape[0]] = torch.from_numpy(arr)
        sample_mask[i, : arr.shape[0]] = 1
    batch = batch.to(device)

    with torch.inference_mode():
        stft = torch.stft(
            batch,
            config.n_fft,
            config.hop_length,
            window=hann_window(config.n_fft, device=device),
            return_complex=True,
        )
        power = (stft[..., :-1].abs() ** 2).contiguous()
        bank = slaney_mel_bank(
            config.sampling_rate,
            config.n_fft,
            config.feature_size,
            0.0,
            8000.0,
            device=device,
            compute_dtype="float64",
        )
        mel = bank @ power
        log_spec = torch.clamp(mel, min=1e-10).log10()
        peak = log_spec.amax(dim=(1, 2), keepdim=True)
        log_spec = torch.maximum(log_spec, peak - 8.0)
        feats = (log_spec + 4.0) / 4.0

    frame_mask = sample_mask[:, :: config.hop_length]
    if target % config.hop_length != 0:
        frame_mask = frame_mask[:, :-1]
    return feats, frame_mask.to(device)
