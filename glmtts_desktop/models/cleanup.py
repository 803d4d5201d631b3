"""Removal of partial files that nothing will ever resume.

huggingface_hub 2.x writes per-process ``*.incomplete`` files and leaves them behind when
killed (research/ecosystem.md §1.1); other tools leave ``*.tmp``/``*.lock``. We remove
those inside the model folder and in the Hub cache of *our* repositories only, and only
when they are older than a grace period, so another program's running download is not
disturbed. Our own ``.part`` files of manifest entries are kept: they are the resume points.
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
_FOREIGN_SUFFIXES = (".incomplete", ".lock")


def _hub_cache_dirs(repo_ids: Iterable[str]) -> list[Path]:
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface"), "hub"
    )
    return [Path(cache) / ("models--" + r.replace("/", "--")) for r in repo_ids]


def clean_orphans(
    model_dir: Path,
    keep_parts: Iterable[str] = (),
    repo_ids: Iterable[str] = (),
    grace_s: float = GRACE_S,
    now: float | None = None,
) -> list[Path]:
    """Delete stale foreign partial files and our .part files no manifest entry owns."""
    now = time.time() if now is None else now
    model_dir = Path(model_dir)
    keep = {str(Path(model_dir, p + PART_SUFFIX)) for p in keep_parts}
    removed: list[Path] = []
    roots = [model_dir] + [d for d in _hub_cache_dirs(repo_ids) if d.is_dir()]
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != STATE_DIRNAME]
            for name in filenames:
                path = Path(dirpath, name)
                foreign = name.endswith(_FOREIGN_SUFFIXES)
                ours = root == model_dir and name.endswith(PART_SUFFIX) and str(path) not in keep
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
