"""Where the library lives by default; every caller may pass its own folder instead."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "glmtts-desktop"
DB_FILENAME = "library.sqlite3"
AUDIO_DIRNAME = "audio"


def default_library_root() -> Path:
    """``$GLMTTS_LIBRARY_DIR`` or the platform's per-user data folder + ``library``
    (e.g. ~/.local/share/glmtts-desktop/library, %LOCALAPPDATA%\\glmtts-desktop\\library)."""
    env = os.environ.get("GLMTTS_LIBRARY_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library"
