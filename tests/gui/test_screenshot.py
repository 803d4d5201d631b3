"""A real screenshot of the main window under Xvfb, kept in artifacts/ for a human to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HELPER = Path(__file__).with_name("screenshot_main.py")


@pytest.fixture
def xvfb_display():
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:  # Xvfb writes the display number once it accepts clients
        number = fh.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_main_window_screenshot(xvfb_display, tmp_path, tiny_checkpoint, language):
    from PySide6.QtGui import QImage

    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"main-window-{language}.png"
    out.unlink(missing_ok=True)
    env = dict(
        os.environ,
        DISPLAY=xvfb_display,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_DATA_HOME=str(tmp_path / "share"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    args = [sys.executable, str(HELPER), str(out), str(tmp_path / "data"), language]
    if language == "en":
        args.append(str(tiny_checkpoint))  # one shot with the model loaded (status bar: ready)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 23) for y in range(0, image.height(), 19)}
    assert len(colours) > 20, "the screenshot is (nearly) blank"
