"""Vocoders: mel -> waveform. HiFT (24 kHz, our implementation) and the released Vocos (32 kHz, TorchScript).

``load_vocoder(model_dir, sample_rate, device=..., dtype=...)`` picks the file for the rate.
Both run in float32 whatever the engine dtype (see ``base.Vocoder`` for why).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from glmtts_desktop.engine.errors import MissingWeightsError
from glmtts_desktop.engine.vocoder.base import HiftVocoder, Vocoder, VocosVocoder
from glmtts_desktop.engine.vocoder.hift import HINT_24K, HiFT, load_hift, write_random_hift
from glmtts_desktop.engine.vocoder.vocos import HINT_32K, MEL_LOGDIFF, load_vocos_script
from glmtts_desktop.engine.vocoder.vocos_dev import write_random_vocos
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

HIFT_PATH = Path("hift") / "hift.pt"
VOCOS_PATH = Path("vocos2d") / "generator_jit.ckpt"


def load_vocoder(
    model_dir: Path,
    sample_rate: int,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Vocoder:
    """The vocoder for ``sample_rate`` from the checkpoint folder; ``dtype`` is the engine's and is
    not applied (vocoders run in float32). The 32 kHz archive is TorchScript: call this only on a
    folder whose files were verified (download checksum or a deliberate import)."""
    model_dir = Path(model_dir)
    if dtype != torch.float32:
        log.debug("vocoder runs in float32 (engine dtype %s)", dtype)
    if sample_rate == 24000:
        path = model_dir / HIFT_PATH
        if not path.is_file():
            raise MissingWeightsError(
                tr("The 24 kHz vocoder file {path} is missing.", path=path), hint=HINT_24K
            )
        return HiftVocoder(load_hift(path, device=device))
    if sample_rate == 32000:
        path = model_dir / VOCOS_PATH
        if not path.is_file():
            raise MissingWeightsError(
                tr("The 32 kHz vocoder file {path} is missing.", path=path), hint=HINT_32K
            )
        return VocosVocoder(load_vocos_script(path, device=device), torch.device(device))
    raise InvalidInputError(
        tr("Unsupported output sample rate {sample_rate} Hz.", sample_rate=sample_rate),
        hint=tr("Use 24000 or 32000."),
    )


__all__ = [
    "HiFT",
    "HiftVocoder",
    "MEL_LOGDIFF",
    "Vocoder",
    "VocosVocoder",
    "load_hift",
    "load_vocoder",
    "load_vocos_script",
    "write_random_hift",
    "write_random_vocos",
]
