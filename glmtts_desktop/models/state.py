"""Small JSON records kept in ``<model_dir>/.glmtts/``.

``download.json`` remembers the endpoint, the commits being fetched and each file's
expected size/hash, so a download restarted after a crash continues the same bytes and
``verify`` can check unpinned files without the network. ``verified.json`` remembers which
files were fully hashed (with size and mtime), so later starts only compare sizes.
Both are written to a temp file, fsynced and renamed.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from glmtts_desktop.models.layout import state_dir

log = logging.getLogger(__name__)

DOWNLOAD_STATE = "download.json"
VERIFIED = "verified.json"


def read_json(model_dir: Path, name: str) -> dict[str, Any]:
    path = state_dir(model_dir) / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}


def write_json(model_dir: Path, name: str, data: dict[str, Any]) -> None:
    folder = state_dir(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
