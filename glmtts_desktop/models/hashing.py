"""Hashes that decide whether a file's bytes are the right ones.

Large (LFS) files are checked by sha256 — pinned in the manifest or, when not pinned,
the Hub's LFS sha256. Small non-LFS files that the manifest does not pin are checked by
the git blob sha1 the Hub lists for them (``sha1(b"blob <size>\\0" + content)``), so no
file is ever accepted on its size alone when metadata was available.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.errors import DownloadCancelledError

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Expected:
    """What a file must be: its size and at least one content hash where known."""

    size: int
    sha256: str | None = None
    git_sha1: str | None = None
    pinned: bool = False  # True when the hash comes from our own manifest

    @property
    def has_hash(self) -> bool:
        return bool(self.sha256 or self.git_sha1)

    def to_json(self) -> dict:
        return {"size": self.size, "sha256": self.sha256, "git_sha1": self.git_sha1, "pinned": self.pinned}

    @classmethod
    def from_json(cls, d: dict) -> Expected:
        return cls(
            size=int(d["size"]),
            sha256=d.get("sha256"),
            git_sha1=d.get("git_sha1"),
            pinned=bool(d.get("pinned", False)),
        )


class StreamHasher:
    """Feeds bytes to whichever hash ``Expected`` asks for, so a download hashes as it writes."""

    def __init__(self, expected: Expected) -> None:
        self.expected = expected
        self._sha256 = hashlib.sha256() if expected.sha256 else None
        self._sha1 = None
        if expected.git_sha1 and not expected.sha256:
            self._sha1 = hashlib.sha1()
            self._sha1.update(b"blob %d\x00" % expected.size)
        self.count = 0

    def update(self, data: bytes) -> None:
        if self._sha256 is not None:
            self._sha256.update(data)
        if self._sha1 is not None:
            self._sha1.update(data)
        self.count += len(data)

    def matches(self) -> bool:
        if self.count != self.expected.size:
            return False
        if self._sha256 is not None:
            return self._sha256.hexdigest() == self.expected.sha256
        if self._sha1 is not None:
            return self._sha1.hexdigest() == self.expected.git_sha1
        return True  # nothing to compare with: size only (callers log this)

    def digest(self) -> str:
        if self._sha256 is not None:
            return self._sha256.hexdigest()
        if self._sha1 is not None:
            return self._sha1.hexdigest()
        return ""


def feed_file(
    hasher: StreamHasher,
    path: Path,
    start: int = 0,
    stop: int | None = None,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> None:
    """Hash ``path[start:stop]`` into ``hasher`` in chunks, checking cancel between chunks."""
    with open(path, "rb") as fh:
        fh.seek(start)
        remaining = None if stop is None else stop - start
        while remaining is None or remaining > 0:
            if cancel is not None and cancel.is_set():
                raise DownloadCancelledError(tr("Check stopped."))
            want = CHUNK if remaining is None else min(CHUNK, remaining)
            block = fh.read(want)
            if not block:
                break
            hasher.update(block)
            if remaining is not None:
                remaining -= len(block)
            if on_bytes is not None:
                on_bytes(len(block))


def file_matches(
    path: Path,
    expected: Expected,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> bool:
    """True when ``path`` has the expected size and hash."""
    try:
        if path.stat().st_size != expected.size:
            return False
    except OSError:
        return False
    hasher = StreamHasher(expected)
    feed_file(hasher, path, cancel=cancel, on_bytes=on_bytes)
    return hasher.matches()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()
