"""The provenance sidecar next to a CLI output must not overwrite someone's file either."""

from __future__ import annotations

from pathlib import Path

from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr
from glmtts_desktop.library.provenance import sidecar_path


def check_sidecar_free(output: Path, *, overwrite: bool, inputs: tuple[Path, ...] = ()) -> None:
    """``<output>.json`` will hold the description; refuse when it is an input or, without
    ``overwrite``, already exists."""
    side = sidecar_path(output)
    if any(side.absolute() == p.absolute() for p in inputs):
        raise InvalidInputError(
            tr("{side} is one of the inputs; the description of the output would overwrite it.", side=side),
            hint=tr("Choose another output name."),
        )
    if side.exists() and not overwrite:
        raise InvalidInputError(
            tr("{side} already exists; the output's description would replace it.", side=side),
            hint=tr("Choose another name or pass --overwrite."),
        )
