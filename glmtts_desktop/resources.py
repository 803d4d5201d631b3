"""Finding bundled resources (translations, icons) both from a checkout and a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """``resources/`` next to the package in a checkout, or under ``sys._MEIPASS`` when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)
