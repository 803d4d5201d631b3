"""Speech tokens from prompt audio: load the WhisperVQ checkpoint and run it (spec §4).

Loading follows the official renaming: of every ``model*.safetensors`` in the folder keep the
``model.encoder.`` keys, strip that prefix, drop the final ``layer_norm*`` and the layers at or
beyond ``quantize_position``, ignore everything else. The module is built on the meta device
and the tensors are assigned, so no random initialisation is paid for (and no second copy of
the 1.6 GB encoder exists at any time).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open

from glmtts_desktop.engine.config_limits import check_feature_config, check_speech_tokenizer_config
from glmtts_desktop.engine.errors import CorruptWeightsError, DeviceError, MissingWeightsError
from glmtts_desktop.engine.frontend._audio_checks import as_mono_float32
from glmtts_desktop.engine.frontend.whisper_features import WhisperFeatureConfig, whisper_log_mel
from glmtts_desktop.engine.frontend.whisper_vq_config import WhisperVQConfig
from glmtts_desktop.engine.frontend.whisper_vq_model import WhisperVQEncoder
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

PREFIX = "model.encoder."
# Present in the official file, strict-loaded by the reference, but never used for token ids.
_UNUSED_KEYS = ("embed_positions2.weight", "ema_count", "ema_weight")
_BATCH = 128  # pieces per feature-extractor call in the reference (affects padding only)

DTypeLike = torch.dtype | str


def _resolve_device(device: torch.device | str) -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            tr("CUDA was requested for the speech tokenizer but no GPU is available."),
            hint=tr("Choose the CPU device."),
        )
    return dev


def _resolve_dtype(dtype: DTypeLike) -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        return dtype
    table = {
        "auto": torch.float32,
        "float32": torch.float32,
        "fp32": torch.float32,
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
        "float16": torch.float16,
        "fp16": torch.float16,
    }
    try:
        return table[str(dtype)]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}") from None


def expected_shapes(cfg: WhisperVQConfig) -> dict[str, tuple[int, ...]]:
    """Renamed key -> shape of every tensor the token path needs."""
    d, f = cfg.d_model, cfg.encoder_ffn_dim
    shapes: dict[str, tuple[int, ...]] = {
        "conv1.weight": (d, cfg.num_mel_bins, 3),
        "conv1.bias": (d,),
        "conv2.weight": (d, d, 3),
        "conv2.bias": (d,),
        "embed_positions.weight": (cfg.max_source_positions, d),
        "codebook.weight": (cfg.quantize_vocab_size, d),
    }
    for i in range(cfg.n_layers):
        p = f"layers.{i}."
        for name in ("q_proj", "v_proj", "out_proj"):
            shapes[f"{p}self_attn.{name}.weight"] = (d, d)
            shapes[f"{p}self_attn.{name}.bias"] = (d,)
        shapes[f"{p}self_attn.k_proj.weight"] = (d, d)
        for ln in ("self_attn_layer_norm", "final_layer_norm"):
            shapes[f"{p}{ln}.weight"] = (d,)
            shapes[f"{p}{ln}.bias"] = (d,)
        shapes[f"{p}fc1.weight"], shapes[f"{p}fc1.bias"] = (f, d), (f,)
        shapes[f"{p}fc2.weight"], shapes[f"{p}fc2.bias"] = (d, f), (d,)
    return shapes


def renamed_key(key: str, cfg: WhisperVQConfig) -> str | None:
    """The official renaming; None for keys the encoder-only model does not load."""
    if not key.startswith(PREFIX):
        return None
    new = key[len(PREFIX) :]
    if new.startswith("layer_norm"):
        return None
    if new.startswith("layers."):
        try:
            if int(new.split(".")[1]) >= cfg.quantize_position:
                return None
        except ValueError:
            return new  # malformed layer key: reported as unexpected
    return new


def load_encoder_state(
    folder: Path, cfg: WhisperVQConfig, *, device: torch.device, dtype: torch.dtype
) -> dict[str, torch.Tensor]:
    """Read and check the encoder tensors; the codebook stays fp32 for exact nearest-code search."""
    files = sorted(folder.glob("model*.safetensors"))
    if not files:
        raise MissingWeightsError(
            tr("The speech tokenizer weights are missing: {value}", value=folder / "model.safetensors"),
            hint=tr("Download the model again or import a complete model folder."),
        )
    want = expected_shapes(cfg)
    state: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    seen_unused: set[str] = set()
    load_dev = "cpu" if device.type == "cpu" else str(device)
    for path in files:
        try:
            with safe_open(str(path), framework="pt", device=load_dev) as fh:
                for key in fh.keys():
                    new = renamed_key(key, cfg)
                    if new is None:
                        continue
                    if new in _UNUSED_KEYS:
                        seen_unused.add(new)
                        continue
                    if new not in want:
                        unexpected.append(key)
                        continue
                    shape = tuple(fh.get_slice(key).get_shape())
                    if shape != want[new]:
                        raise CorruptWeightsError(
                            tr(
                                "The speech tokenizer weights do not match its configuration: {path}",
                                path=path,
                            ),
                            hint=tr("Download the model again."),
                            detail=f"{key}: shape {list(shape)}, expected {list(want[new])}",
                        )
                    tensor = fh.get_tensor(key)
                    target = torch.float32 if new == "codebook.weight" else dtype
                    # copy=True: get_tensor views the file through mmap, and a file changed
                    # under a live mapping kills the process with SIGBUS; own the memory instead
                    state[new] = tensor.to(device=device, dtype=target, copy=True)
                    del tensor
        except CorruptWeightsError:
            raise
        except (SafetensorError, OSError, RuntimeError, ValueError) as exc:
            raise CorruptWeightsError(
                tr("The speech tokenizer weights cannot be read: {path}", path=path),
                hint=tr("The file is damaged or incomplete; download the model again."),
                detail=str(exc),
            ) from exc
    names = ", ".join(p.name for p in files)
    missing = sorted(set(want) - set(state))
    if missing:
        raise CorruptWeightsError(
            tr(
                "The speech tokenizer weights are incomplete ({missing} tensors missing) in {folder} ({names}).",
                missing=len(missing),
                folder=folder,
                names=names,
            ),
            hint=tr("Download the model again."),
            detail="missing: " + ", ".join(PREFIX + m for m in missing[:20]),
        )
    if unexpected:
        raise CorruptWeightsError(
            tr(
                "The speech tokenizer weights contain unexpected tensors in {folder} ({names}).",
                folder=folder,
                names=names,
            ),
            hint=tr("This does not look like the GLM-TTS speech tokenizer; download it again."),
            detail="unexpected: " + ", ".join(unexpected[:20]),
        )
    absent_unused = sorted(set(_UNUSED_KEYS) - seen_unused)
    if absent_unused:
        log.warning("speech tokenizer file lacks %s (unused for token ids; loading anyway)", absent_unused)
    return state


class SpeechTokenizer:
    """WhisperVQ ids (25 Hz for the real model) of 16 kHz mono audio."""

    sample_rate = 16000

    def __init__(
        self, encoder: WhisperVQEncoder, features: WhisperFeatureConfig, *, device: torch.device
    ) -> None:
        self.encoder = encoder.eval()
        self.features = features
        self.device = device
        self.config = encoder.cfg

    @property
    def stride(self) -> int:
        """Input samples per id: hop × conv stride 2 × pooling (640 for the real model)."""
        return self.features.hop_length * 2 * self.config.pool

    @property
    def codebook_size(self) -> int:
        return self.config.quantize_vocab_size

    def _pieces(self, audio: np.ndarray) -> list[np.ndarray]:
        n = self.features.n_samples
        return [audio[i : i + n] for i in range(0, audio.shape[0], n)]

    def tokenize(self, audio_16k: np.ndarray) -> np.ndarray:
        """int64 ids; each 30 s piece gives ceil(piece_samples / 640) ids, concatenated."""
        audio = as_mono_float32(audio_16k, what=N_("reference audio"))
        pieces = self._pieces(audio)
        dtype = next(self.encoder.parameters()).dtype
        out: list[np.ndarray] = []
        for idx, piece in enumerate(pieces):
            # The reference pads every piece of a feature-extractor batch (128 pieces) to the
            # longest one; the padding reaches the last real frames through the STFT and the
            # convolutions, so reproduce the length each piece would be padded to there.
            start = idx - idx % _BATCH
            longest = max(p.shape[0] for p in pieces[start : start + _BATCH])
            feats, mask = whisper_log_mel(
                [piece],
                self.features,
                pad_to_multiple_of=self.stride,
                pad_to_length=longest,
                device=self.device,
            )
            with torch.inference_mode():
                ids, id_mask = self.encoder(feats.to(dtype), mask)
            keep = id_mask[0].bool()
            out.append(ids[0][keep].to("cpu", torch.int64).numpy())
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def load_speech_tokenizer(
    folder: Path, *, device: torch.device | str = "cpu", dtype: DTypeLike = torch.float32
) -> SpeechTokenizer:
    """Load ``speech_tokenizer/`` (config.json, preprocessor_config.json, model*.safetensors)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingWeightsError(
            tr("The speech tokenizer folder is missing: {folder}", folder=folder),
            hint=tr("Download the model again or import a complete model folder."),
        )
    cfg = WhisperVQConfig.from_file(folder / "config.json")
    check_speech_tokenizer_config(cfg, folder / "config.json")  # before anything is allocated
    feats = WhisperFeatureConfig.from_file(folder / "preprocessor_config.json")
    check_feature_config(feats, folder / "preprocessor_config.json")
    if feats.feature_size != cfg.num_mel_bins:
        raise CorruptWeightsError(
            tr(
                "The speech tokenizer's feature size ({feature_size}) does not match its model ({num_mel_bins} mel bins) in {folder}.",
                feature_size=feats.feature_size,
                num_mel_bins=cfg.num_mel_bins,
                folder=folder,
            ),
            hint=tr("Download the model again."),
        )
    dev, dt = _resolve_device(device), _resolve_dtype(dtype)
    state = load_encoder_state(folder, cfg, device=dev, dtype=dt)
    with torch.device("meta"):
        encoder = WhisperVQEncoder(cfg)
    encoder.load_state_dict(state, strict=True, assign=True)
    encoder.requires_grad_(False)
    log.info(
        "speech tokenizer loaded from %s (%d layers, codebook %d) on %s/%s",
        folder,
        cfg.n_layers,
        cfg.quantize_vocab_size,
        dev,
        dt,
    )
    return SpeechTokenizer(encoder, feats, device=dev)
