"""A real separate download process is killed mid-file; the next run continues from that byte."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from glmtts_desktop.models.download import Downloader
from glmtts_desktop.models.layout import part_path

SHARD = "llm/model-00001-of-00002.safetensors"
ROOT = Path(__file__).resolve().parents[2]


def wait_for(cond, timeout_s: float, what: str, proc=None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"process ended (rc={proc.returncode}) before {what}: "
                f"{proc.stderr.read().decode(errors='replace')[-2000:]}"
            )
        time.sleep(0.02)  # polling a real condition (file size), not sleeping for synchronisation
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_download_process_resumes_from_exact_byte(tmp_path, hub, repos, manifest, manifest_path, fast):
    model_dir = tmp_path / "models"
    cut = 345_678
    hub.knobs.pause_after[SHARD] = cut  # the server holds the stream here, the client waits
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glmtts_desktop",
            "download",
            "--endpoint",
            hub.url,
            "--model-dir",
            str(model_dir),
            "--manifest",
            str(manifest_path),
            "--sample-rate",
            "24000",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    part = part_path(model_dir / SHARD)
    try:
        wait_for(lambda: part.exists() and part.stat().st_size == cut, 30, ".part to reach the cut", proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert part.stat().st_size == cut
    assert not (model_dir / SHARD).exists()
    done_before = {
        p.relative_to(model_dir).as_posix()
        for p in model_dir.rglob("*")
        if p.is_file() and ".glmtts" not in p.parts and not p.name.endswith(".part")
    }

    hub.knobs.pause_after.clear()
    hub.knobs.released.set()
    first = len(hub.log)
    report = Downloader(
        model_dir, endpoint=hub.url, manifest=manifest, sample_rates=24000, settings=fast
    ).run()
    assert report.complete
    resumed = [r for r in hub.log[first:] if r["method"] == "GET" and "/resolve/" in r["path"]]
    shard_reqs = [r for r in resumed if r["path"].endswith(SHARD)]
    assert [(r["range"], r["status"]) for r in shard_reqs] == [(f"bytes={cut}-", 206)]
    # files finished before the kill were not fetched again
    fetched = {r["path"].split("/resolve/")[1].split("/", 1)[1] for r in resumed}
    assert not (fetched & done_before)
    data = (model_dir / SHARD).read_bytes()
    assert hashlib.sha256(data).digest() == hashlib.sha256(repos[0].files[SHARD]).digest()


def test_real_small_tmpfs_is_refused_up_front_with_a_clear_message(tmp_path, hub, manifest_path):
    """A real 1 MB tmpfs (in a user+mount namespace, so no root needed) as the model folder."""
    import shutil as _sh

    import pytest

    if _sh.which("unshare") is None:
        pytest.skip("unshare not available")
    probe = subprocess.run(["unshare", "-r", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user/mount namespaces not permitted here")
    model_dir = tmp_path / "small"
    model_dir.mkdir()
    script = 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"'
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            "unshare",
            "-r",
            "-m",
            "sh",
            "-c",
            script,
            "sh",
            str(model_dir),
            sys.executable,
            "-m",
            "glmtts_desktop",
            "download",
            "--endpoint",
            hub.url,
            "--model-dir",
            str(model_dir),
            "--manifest",
            str(manifest_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 6, proc.stderr
    assert "Not enough free disk space" in proc.stderr and "Free at least" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not [r for r in hub.log if "/resolve/" in r["path"]]
