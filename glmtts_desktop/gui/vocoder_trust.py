"""The app's side of the 32 kHz vocoder trust decision (the record itself is ``codetrust``).

Why a question at all: the 32 kHz vocoder is a TorchScript program, and a model folder from a
mirror, a USB stick or a forum may hold any program under that name. The app runs it only when
its hash is known (official release, our own checkpoint maker) or the person said yes here,
after seeing what the file is and its sha256. The hash shown is the hash recorded, so a file
swapped while the question is open is still not trusted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QWidget

from glmtts_desktop import codetrust
from glmtts_desktop.engine.checkpoint import CheckpointLayout
from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

_WHAT_IT_IS = N_(
    "{path} is the 32 kHz vocoder, the part that turns speech into the High-quality (32 kHz) "
    "sound. Unlike the other model files it contains program code, which runs on this "
    "computer when it is used."
)
_WHY_ASKED = N_(
    "Its fingerprint (sha256) is {sha256}. It does not match the fingerprint the official "
    "GLM-TTS release published, or that fingerprint was not recorded when the files came to "
    "this computer. Trust it only if you know where this file comes from; Standard (24 kHz) "
    "works without it."
)


def untrusted_vocoder(model_dir: Path | None) -> Path | None:
    """The folder's 32 kHz vocoder file when it is present and not trusted; else None."""
    if model_dir is None:
        return None
    path = CheckpointLayout(Path(model_dir)).vocos_path
    if not path.is_file():
        return None
    return path if codetrust.file_trust(path) is None else None


def ask_to_trust_vocoder(parent: QWidget | None, path: Path) -> bool:
    """Explain the file and ask; on "Trust" record exactly the bytes whose hash was shown."""
    path = Path(path)
    try:
        digest = codetrust.sha256_file(path)
    except OSError as exc:
        log.warning("cannot read %s to trust it: %s", path, exc)
        ask.ask_choice(
            parent,
            tr("Trust the 32 kHz file?"),
            tr("The file {path} cannot be read, so it cannot be trusted.", path=path),
            [("close", tr("Close"))],
        )
        return False
    text = tr(_WHAT_IT_IS, path=path)
    detail = tr(_WHY_ASKED, sha256=digest)
    answer = ask.ask_choice(
        parent,
        tr("Trust the 32 kHz file?"),
        text,
        [("trust", tr("Trust this file")), ("cancel", tr("Cancel"))],
        detail=detail,
    )
    if answer != "trust":
        return False
    codetrust.record(digest, origin=codetrust.ORIGIN_USER, note=f"{path.resolve()} (trusted in the app)")
    log.info("the person trusted %s (%s)", path, digest)
    return True
