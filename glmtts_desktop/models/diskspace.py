"""Free-space checks before a download or import starts.

``free_bytes`` is the single probe the rest of the layer uses, so a test can replace it
to simulate a nearly full disk without needing a real small file system.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.errors import DiskSpaceError

log = logging.getLogger(__name__)

#: head-room kept free beyond the bytes still to fetch (file system metadata, other apps)
MARGIN_BYTES = 64 * 1024 * 1024


def free_bytes(path: Path) -> int:
    """Free bytes on the volume holding ``path`` (the nearest existing parent)."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def check_space(path: Path, needed: int, margin: int = MARGIN_BYTES) -> None:
    """Raise DiskSpaceError with a clear sentence when ``needed`` bytes will not fit."""
    free = free_bytes(path)
    log.info("disk space at %s: need %d (+%d margin), free %d", path, needed, margin, free)
    if needed + margin > free:
        raise DiskSpaceError(
            tr(
                "Not enough free disk space: the weights need {needed} more, but only {free} is free at {path}.",
                needed=human(needed),
                free=human(free),
                path=path,
            ),
            hint=tr(
                "Free at least {value} or choose another folder; what was already downloaded is kept.",
                value=human(needed + margin - free),
            ),
            detail=f"needed={needed} margin={margin} free={free} path={path}",
        )


def disk_full_error(path: Path, exc: OSError) -> DiskSpaceError:
    """The error for a write that failed because the disk filled up during a download."""
    return DiskSpaceError(
        tr("The disk filled up during the download."),
        hint=tr("Free some space and start the download again; it continues where it stopped."),
        detail=f"{path}: {exc}",
    )
