"""Without a display the app explains itself instead of letting Qt abort the process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is a Linux/X11 notion")
def test_no_display_gives_a_clear_message_and_exit_code(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run(
        [sys.executable, "-m", "glmtts_desktop", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "No graphical display" in proc.stderr and "glmtts-desktop --help" in proc.stderr
