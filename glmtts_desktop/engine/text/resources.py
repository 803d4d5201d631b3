"""Our own text data files (``resources/text``) and a safe way to write files.

The data lives outside the Python package, at the repository root, so the packager copies one
folder; ``GLMTTS_TEXT_RESOURCES`` overrides the location (frozen builds, tests).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from pathlib import Path

from glmtts_desktop import fsutil

log = logging.getLogger(__name__)

ENV_VAR = "GLMTTS_TEXT_RESOURCES"


def resource_dir() -> Path:
    """Folder holding phonemes.json, g2p_keep_chars.json, custom_replace.jsonl."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    from glmtts_desktop.resources import resources_root

    return resources_root() / "text"


def resource_path(name: str) -> Path:
    return resource_dir() / name


@functools.cache
def phoneme_inventory() -> tuple[str, ...]:
    """The 204 phoneme names (``SH``, ``ANG1`` ...) without the ``<|...|>`` wrapping."""
    doc = json.loads(resource_path("phonemes.json").read_text(encoding="utf-8"))
    return tuple(doc["initials"]) + tuple(doc["finals"])


@functools.cache
def custom_replacements() -> tuple[tuple[str, str], ...]:
    """TN pre-replacements (``origin`` -> ``new``), applied in file order."""
    path = resource_path("custom_replace.jsonl")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append((item["origin"], item["new"]))
    return tuple(out)


atomic_write_bytes = fsutil.atomic_write_bytes
atomic_write_text = fsutil.atomic_write_text
