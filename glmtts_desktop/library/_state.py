"""What every store mixin of ``Library`` may use, declared once.

``Library`` (store.py) is built from mixins (voices, consent, generations, clips, prompt
cache). Each needs the same few things from it: the root folder, the lock, the connection and
the path helpers. Declaring them here, in a base every mixin shares, keeps them in one place and
lets mypy check the mixins; ``Library`` provides the real ones, which come first in its MRO.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class LibraryState:
    """The shared state of ``Library``; the methods here are only placeholders for mypy."""

    root: Path
    app_version: str
    _lock: threading.RLock

    @property
    def conn(self) -> sqlite3.Connection:  # pragma: no cover - provided by Library
        raise NotImplementedError

    def _abs(self, rel: str) -> Path:  # pragma: no cover - provided by Library
        raise NotImplementedError

    def _rel(self, path: Path) -> str:  # pragma: no cover - provided by Library
        raise NotImplementedError

    def _remove_owned(self, rel: str | None) -> None:  # pragma: no cover - provided by Library
        raise NotImplementedError
