"""Publishing files atomically, shared by every layer.

A crash, a power cut or a full disk at any moment must leave either the old file or the
complete new one under the final name, never a truncated file: write a temporary file in the
same folder, fsync it, rename it over the target, fsync the folder. Errors stay plain
``OSError``s here; each layer turns them into its own typed, user-facing error.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

_CHUNK = 1 << 20


def open_for_write(path: Path) -> BinaryIO:
    """Create a new file for writing (tests patch this to simulate a full disk)."""
    return open(path, "xb")


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))


_MAX_NAME_BYTES = 255  # one file name on ext4, APFS, NTFS (UTF-16 units; bytes are never fewer)


def temp_name(folder: Path, name: str) -> Path:
    """A hidden, unique sibling name: never collides with a reader or another writer.

    The target's name is shortened inside it when needed, so any name the file system accepts
    can be written (a 244-byte name used to fail because its temporary name was too long)."""
    suffix = f".tmp-{uuid.uuid4().hex}"
    room = _MAX_NAME_BYTES - 1 - len(suffix)
    short = name.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return Path(folder) / f".{short}{suffix}"


def remove_quietly(path: Path) -> None:
    try:
        Path(path).unlink()
    except OSError:
        pass


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
    """Publish ``data`` at ``path`` completely or not at all; the temporary file never survives."""
    path = Path(path)
    folder = path.parent
    tmp = temp_name(folder, path.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open_for_write(tmp) as fh:
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                fh.write(view[start : start + _CHUNK])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(folder)


def atomic_write_via(path: Path, writer: Callable[[Path], Any]) -> None:
    """Let ``writer(tmp)`` produce the file under a temporary name (for libraries that want a
    path, e.g. torch.save), then fsync and publish it like ``atomic_write_bytes``."""
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(folder, path.name)
    try:
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(folder)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
