"""Helpers for the CLI robustness tests: error-output checks and a simulated read-only folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest


def assert_one_error_line(err: str) -> str:
    """stderr ends in exactly one ``error:`` line (plus an optional indented detail), no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def make_read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder nothing can be created in. chmod alone does not stop root (this CI runs as root),
    so creating files or folders inside it is also refused at the os level, as the kernel would."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o555)
    root = os.path.realpath(folder)
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path) -> bool:
        p = os.path.realpath(os.fspath(path) if not isinstance(path, int) else "")
        return p == root or p.startswith(root + os.sep)

    def guarded_open(path, flags, *args, **kwargs):
        if flags & (os.O_CREAT | getattr(os, "O_TMPFILE", 0)) and inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):
        if inside(path) and os.path.realpath(os.fspath(path)) != root:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    return folder
