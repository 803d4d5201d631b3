"""Removal of partial files that nothing will ever resume — inside our own model folder only.

huggingface_hub 2.x writes per-process ``*.incomplete`` files and leaves them behind when
killed (research/ecosystem.md §1.1), e.g. when someone ran ``hf download --local-dir`` into
the model folder. We remove those inside the model folder when they are older than a grace
period, and our own ``.part`` files no manifest entry owns. Nothing outside the model folder
is touched — not the user's global Hugging Face cache, which other programs share — and no
``*.lock`` file ever: a lock another program holds need not be fresh to be in use. Our own
``.part`` files of manifest entries are kept: they are the resume points.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from glmtts_desktop.models.layout import PART_SUFFIX, STATE_DIRNAME

log = logging.getLogger(__name__)

GRACE_S = 15 * 60
_FOREIGN_SUFFIXES = (".incomplete",)


def clean_orphans(
    model_dir: Path,
    keep_parts: Iterable[str] = (),
    grace_s: float = GRACE_S,
    now: float | None = None,
) -> list[Path]:
    """Delete stale foreign partial files and our .part files no manifest entry owns."""
    now = time.time() if now is None else now
    model_dir = Path(model_dir)
    keep = {str(Path(model_dir, p + PART_SUFFIX)) for p in keep_parts}
    removed: list[Path] = []
    if not model_dir.is_dir():
        return removed
    for dirpath, dirnames, filenames in os.walk(model_dir):
        dirnames[:] = [d for d in dirnames if d != STATE_DIRNAME]
        for name in filenames:
            path = Path(dirpath, name)
            foreign = name.endswith(_FOREIGN_SUFFIXES)
            ours = name.endswith(PART_SUFFIX) and str(path) not in keep
            if not (foreign or ours):
                continue
            try:
                if now - path.stat().st_mtime < grace_s:
                    continue
                path.unlink()
                removed.append(path)
            except OSError as exc:
                log.debug("could not remove %s: %s", path, exc)
    if removed:
        log.info("removed %d orphaned partial file(s): %s", len(removed), [str(p) for p in removed])
    return removed
