"""`synth` and `batch` make no network call at all, watched from outside the process with strace.

Any connect/sendto to an internet address, and any name lookup (glibc's resolver talks to
port 53 or to nscd), counts. onnxruntime's telemetry did exactly that at exit of every run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STRACE = shutil.which("strace")
_INET = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(\d+, .*sa_family=AF_INET6?\b")
_NSCD = re.compile(r"connect\(\d+, \{sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"")


def _strace_works() -> bool:
    if STRACE is None:
        return False
    probe = subprocess.run([STRACE, "-f", "-e", "trace=none", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _strace_works(), reason="strace is not installed or may not trace here"),
]


def network_calls(tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / "strace.txt"
    env = dict(os.environ)
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app itself must switch it off
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [
            STRACE,
            "-f",
            "-qq",
            "-e",
            "trace=network",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "glmtts_desktop",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    lines = log.read_text(errors="replace").splitlines()
    return proc, [ln for ln in lines if _INET.search(ln) or _NSCD.search(ln)]


def test_synth_makes_no_network_call(tiny_checkpoint, reference_wav, tmp_path):
    out = tmp_path / "out.wav"
    proc, calls = network_calls(
        tmp_path,
        [
            "synth",
            "--model-dir",
            str(tiny_checkpoint),
            "--reference",
            str(reference_wav),
            "--reference-text",
            "Hello, this is me.",
            "--text",
            "Nice to meet you.",
            "-o",
            str(out),
            "--device",
            "cpu",
        ],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.is_file()
    assert calls == []


def test_batch_makes_no_network_call(tiny_checkpoint, reference_wav, tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    job = {"uttid": "one", "prompt_text": "Hello, this is me.", "prompt_speech": str(reference_wav)}
    jobs.write_text(json.dumps({**job, "syn_text": "Nice to meet you."}) + "\n", encoding="utf-8")
    proc, calls = network_calls(
        tmp_path,
        [
            "batch",
            str(jobs),
            "--model-dir",
            str(tiny_checkpoint),
            "--out",
            str(tmp_path / "out"),
            "--device",
            "cpu",
        ],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert calls == []
