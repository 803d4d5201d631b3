"""Atomic file publication: temp file in the same folder, fsync, rename, fsync the folder.

Kept private to ``audio`` (the library has its own copy of the pattern) so the two cores do
not import each other. Why the pattern: a crash or a full disk at any moment leaves either
the old file or the complete new one, never a truncated file under the final name.
"""

from __future__ import annotations

import errno
import logging
import os
import uuid
from pathlib import Path

from glmtts_desktop.audio.errors import AudioWriteError, DiskFullError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def _open_for_write(path: Path):  # patched by tests to simulate a full disk
    return open(path, "xb")


def fsync_dir(folder: Path) -> None:
    """Make a rename durable on POSIX; Windows has no directory fsync (and needs none)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either untouched or complete.

    Raises DiskFullError on ENOSPC/EDQUOT and AudioWriteError on other OS errors; in both
    cases the temporary file is removed.
    """
    path = Path(path)
    folder = path.parent
    tmp = folder / f".{path.name}.tmp-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _open_for_write(tmp) as fh:
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                fh.write(view[start : start + _CHUNK])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            raise DiskFullError(
                f"The disk is full; {path.name} was not saved.",
                hint="Free some space on the disk and try again.",
                detail=f"{path}: {exc}",
            ) from exc
        raise AudioWriteError(
            f"Could not save {path.name}.",
            hint="Check that the folder exists and that you may write to it.",
            detail=f"{path}: {exc}",
        ) from exc
    fsync_dir(folder)
