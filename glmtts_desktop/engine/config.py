"""How to load the engine: which folder, device, precision and output rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import DeviceError
from glmtts_desktop.engine.types import SAMPLE_RATES
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

DEVICES = ("auto", "cuda", "cpu")
DTYPES = ("auto", "bf16", "fp16", "fp32", "int8")  # int8: the CPU mode (LLM matrices int8, the rest fp32)


@dataclass(frozen=True)
class EngineConfig:
    """Load-time choices. ``auto`` picks CUDA when torch sees a GPU, and bf16 there (fp32 on CPU)."""

    model_dir: Path | str
    device: str = "auto"
    dtype: str = "auto"
    sample_rate: int = 24000
    # Speech tokenizer + CAM++ are only needed to analyse new reference audio; a caller that
    # only replays cached VoicePrompts can skip them and save ~1.7 GB.
    load_prompt_frontend: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_dir", Path(self.model_dir).expanduser())
        if self.device not in DEVICES and not str(self.device).startswith("cuda:"):
            raise InvalidInputError(
                tr("Unknown device '{device}'.", device=self.device), hint=tr("Use auto, cuda or cpu.")
            )
        if self.dtype not in DTYPES:
            raise InvalidInputError(
                tr("Unknown precision '{dtype}'.", dtype=self.dtype),
                hint=tr("Use auto, bf16, fp16, fp32 or int8."),
            )
        if self.sample_rate not in SAMPLE_RATES:
            raise InvalidInputError(
                tr("Sample rate {sample_rate} is not supported.", sample_rate=self.sample_rate),
                hint=tr("GLM-TTS speaks at 24000 or 32000 Hz."),
            )


def resolve_device(name: str):  # -> torch.device
    """Turn ``auto``/``cuda``/``cpu`` into a torch device, with a clear error when CUDA is absent."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                tr("No NVIDIA GPU is usable by PyTorch on this machine."),
                hint=tr("Use --device cpu (slow), or install the NVIDIA driver and a CUDA build of PyTorch."),
            )
        return torch.device(name)
    return torch.device("cpu")


def resolve_dtype(name: str, device):  # -> torch.dtype
    """bf16 on CUDA by default (half the memory, tensor cores); fp32 on CPU where bf16 is slow."""
    import torch

    if name == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if name == "int8":
        if device.type != "cpu":
            raise DeviceError(
                tr("The int8 mode is for computers without a usable GPU."),
                hint=tr("Use bf16 on a GPU, or choose the CPU device."),
            )
        return torch.float32  # the weights load as fp32; the LLM is then quantised
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]
