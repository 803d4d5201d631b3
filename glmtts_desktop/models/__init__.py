"""Weights: where they live, the pinned manifest, download (mirror, resume, verify), import.

Never imports torch or Qt: the first-run wizard and the main window's "do we need setup?"
decision must be instant. huggingface_hub is imported only when metadata is fetched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from glmtts_desktop.models.layout import default_model_dir, parse_sample_rates

log = logging.getLogger(__name__)

__all__ = ["default_model_dir", "needs_setup", "required_files"]


def required_files(sample_rates: Iterable[int] | str = (24000,)) -> list[str]:
    """Local paths (inside the model folder) the chosen output rates need."""
    from glmtts_desktop.models.manifest import load_manifest

    return [f.path for f in load_manifest().files_for(parse_sample_rates(sample_rates))]


def needs_setup(
    model_dir: Path | str | None = None, sample_rates: Iterable[int] | str = (24000,), manifest=None
) -> bool:
    """True when the wizard should run: a needed file is missing, wrong-sized or never verified.

    Only sizes and the verification record are compared, never hashes, so this is quick.
    """
    from glmtts_desktop.models.manifest import load_manifest
    from glmtts_desktop.models.verify import quick_check

    model_dir = Path(model_dir) if model_dir else default_model_dir()
    if not model_dir.is_dir():
        return True
    report = quick_check(model_dir, manifest or load_manifest(), parse_sample_rates(sample_rates))
    return bool(report.missing or report.wrong or report.unchecked)
