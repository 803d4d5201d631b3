"""Finding bundled resources (manifest, text data, translations, icons): checkout, wheel or PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The one place that knows where ``resources/`` is.

    Under ``sys._MEIPASS`` when frozen (PyInstaller); next to the package in a source checkout
    or an editable install; inside the package as ``_resources`` in an installed wheel (setup.py
    copies it there, since a wheel has no "next to the package").
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parent
    checkout = here.parent / "resources"
    if (checkout / "models" / "manifest.json").is_file():
        return checkout
    installed = here / "_resources"
    return installed if installed.is_dir() else checkout


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)
