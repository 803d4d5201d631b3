"""The 32 kHz vocoder: the released TorchScript archive ``vocos2d/generator_jit.ckpt`` (spec 9.2).

TorchScript is a program, not just weights: ``torch.jit.load`` runs whatever graph the archive
contains. :func:`load_vocos_script` therefore loads only bytes whose sha256 is in the user's
trust record (``glmtts_desktop.codetrust``: the official Hub's hash, our own dev maker, or an
explicit decision); anything else raises ``UntrustedCodeError`` before a byte is interpreted.
Its architecture is not published, so we keep it as TorchScript rather than re-implement it.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from pathlib import Path

import torch

from glmtts_desktop.codetrust import read_trusted
from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.engine.flow.weights_io import require_file
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

SAMPLE_RATE = 32000
HOP_LENGTH = 640
# The generator's own log-mel is of |STFT| / n_fft (n_fft 2560); the flow's mel is not divided.
MEL_LOGDIFF = -math.log(2560.0)
HINT_32K = (
    "The 32 kHz vocoder (vocos2d/generator_jit.ckpt) is the optional 32 kHz download; "
    "run glmtts-desktop download and choose the 32 kHz option, or use 24000 Hz."
)


def load_vocos_script(path: Path, *, device: torch.device | str = "cpu") -> torch.jit.ScriptModule:
    """``torch.jit.load`` a *trusted* archive (see the module docstring) with typed errors."""
    path = require_file(Path(path), what=N_("32 kHz vocoder (Vocos)"), hint=HINT_32K)
    data = read_trusted(path, what=tr("32 kHz vocoder"))  # raises UntrustedCodeError; nothing has run
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(io.BytesIO(data), map_location=torch.device(device))
    except Exception as exc:  # RuntimeError / ValueError for damaged archives
        raise CorruptWeightsError(
            tr("The 32 kHz vocoder file {path} cannot be read (damaged or incomplete download).", path=path),
            hint=HINT_32K,
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    module.eval()
    log.info("loaded the 32 kHz TorchScript vocoder from %s", path)
    return module


def vocos_input(mel: torch.Tensor) -> torch.Tensor:
    """(B, 80, T) flow mel -> (B, T', 80) generator input; a single frame is doubled as released."""
    if mel.shape[-1] == 1:
        mel = torch.cat((mel, mel), dim=-1)
    return mel.transpose(-1, -2) + MEL_LOGDIFF
