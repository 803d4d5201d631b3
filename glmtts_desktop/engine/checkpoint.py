"""Finding the parts of an official GLM-TTS checkpoint folder and saying clearly what is missing.

The folder is the Hugging Face ``zai-org/GLM-TTS`` snapshot as published, plus the CAM++
``campplus.onnx`` which the official code reads from its GitHub ``frontend/`` folder; we accept it
at ``frontend/campplus.onnx`` or ``campplus.onnx``. Each component's loader checks its own
tensors strictly; this module only checks that the files are there, before anything heavy loads.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import MissingWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

GENERATED_MARKER = "GENERATED_RANDOM_WEIGHTS.json"
_HINT = "Download the weights again (glmtts-desktop download) or run glmtts-desktop verify to repair them."


@dataclass(frozen=True)
class CheckpointLayout:
    root: Path

    @property
    def llm_dir(self) -> Path:
        return self.root / "llm"

    @property
    def flow_dir(self) -> Path:
        return self.root / "flow"

    @property
    def hift_path(self) -> Path:
        return self.root / "hift" / "hift.pt"

    @property
    def vocos_path(self) -> Path:
        return self.root / "vocos2d" / "generator_jit.ckpt"

    @property
    def speech_tokenizer_dir(self) -> Path:
        return self.root / "speech_tokenizer"

    @property
    def tokenizer_dir(self) -> Path:
        return self.root / "vq32k-phoneme-tokenizer"

    @property
    def campplus_path(self) -> Path | None:
        for candidate in (self.root / "frontend" / "campplus.onnx", self.root / "campplus.onnx"):
            if candidate.is_file():
                return candidate
        return None

    def available_sample_rates(self) -> tuple[int, ...]:
        rates = []
        if self.hift_path.is_file():
            rates.append(24000)
        if self.vocos_path.is_file():
            rates.append(32000)
        return tuple(rates)

    @property
    def generated_info(self) -> dict | None:
        """The marker our checkpoint maker writes: these weights are random and speak noise."""
        marker = self.root / GENERATED_MARKER
        if not marker.is_file():
            return None
        try:
            return json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"random_weights": True}


def locate_checkpoint(model_dir: Path) -> CheckpointLayout:
    """Accept the snapshot folder itself, or a folder holding it as ``ckpt/`` (the official repo root)."""
    model_dir = Path(model_dir).expanduser()
    if not model_dir.exists():
        raise MissingWeightsError(
            tr("The model folder {model_dir} does not exist.", model_dir=model_dir),
            hint=tr("Choose the folder that holds the GLM-TTS weights, or run glmtts-desktop download."),
        )
    if not model_dir.is_dir():
        raise MissingWeightsError(
            tr("{model_dir} is a file, not a model folder.", model_dir=model_dir),
            hint=tr("Choose the folder that contains llm/, flow/ and vq32k-phoneme-tokenizer/."),
        )
    for candidate in (model_dir, model_dir / "ckpt"):
        if (candidate / "llm").is_dir() and (candidate / "flow").is_dir():
            return CheckpointLayout(candidate)
    if model_dir.name in ("llm", "flow", "hift", "vocos2d", "speech_tokenizer", "vq32k-phoneme-tokenizer"):
        raise MissingWeightsError(
            tr("{model_dir} is one part of the checkpoint, not the model folder.", model_dir=model_dir),
            hint=tr("Choose its parent folder {parent} instead.", parent=model_dir.parent),
        )
    raise MissingWeightsError(
        tr(
            "{model_dir} does not look like a GLM-TTS model folder (no llm/ and flow/ inside).",
            model_dir=model_dir,
        ),
        hint=tr("Choose the folder you downloaded, or run glmtts-desktop download."),
    )


def check_required_files(layout: CheckpointLayout, *, sample_rate: int, prompt_frontend: bool) -> None:
    """Fail fast, naming every missing file, before a multi-GB load starts."""
    needed: list[Path] = [
        layout.llm_dir / "config.json",
        layout.flow_dir / "config.yaml",
        layout.flow_dir / "flow.pt",
        layout.tokenizer_dir / "tokenizer.model",
        layout.tokenizer_dir / "tokenizer_config.json",
    ]
    needed.append(layout.hift_path if sample_rate == 24000 else layout.vocos_path)
    if prompt_frontend:
        needed.append(layout.speech_tokenizer_dir / "config.json")
    missing = [p for p in needed if not p.is_file()]
    if prompt_frontend and layout.campplus_path is None:
        missing.append(layout.root / "frontend" / "campplus.onnx")
    if missing:
        names = ", ".join(str(p.relative_to(layout.root)) for p in missing)
        extra = ""
        if sample_rate == 32000 and not layout.vocos_path.is_file() and layout.hift_path.is_file():
            extra = " The 32 kHz vocoder is not downloaded; use 24000 Hz or download the 32 kHz option."
        raise MissingWeightsError(
            tr(
                "The model folder {root} is incomplete: missing {names}.{extra}",
                root=layout.root,
                names=names,
                extra=extra,
            ),
            hint=_HINT,
        )
