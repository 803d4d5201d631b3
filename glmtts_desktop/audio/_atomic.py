"""Atomic file publication for the audio layer, with its own typed errors.

The pattern itself lives in ``glmtts_desktop.fsutil`` (shared by every layer); this module only
turns OS errors into the audio layer's user-facing errors.
"""

from __future__ import annotations

from pathlib import Path

from glmtts_desktop import fsutil
from glmtts_desktop.audio.errors import AudioWriteError, DiskFullError
from glmtts_desktop.i18n import tr

fsync_dir = fsutil.fsync_dir


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either untouched or complete.

    Raises DiskFullError on ENOSPC/EDQUOT and AudioWriteError on other OS errors; in both
    cases the temporary file is removed.
    """
    path = Path(path)
    try:
        fsutil.atomic_write_bytes(path, data)
    except OSError as exc:
        if fsutil.is_disk_full(exc):
            raise DiskFullError(
                tr("The disk is full; {name} was not saved.", name=path.name),
                hint=tr("Free some space on the disk and try again."),
                detail=f"{path}: {exc}",
            ) from exc
        raise AudioWriteError(
            tr("Could not save {name}.", name=path.name),
            hint=tr("Check that the folder exists and that you may write to it."),
            detail=f"{path}: {exc}",
        ) from exc
