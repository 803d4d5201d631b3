"""The command line speaks the terminal's language: LANG=zh_CN.UTF-8 gives Chinese errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _run(args: list[str], lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}}
    env["LANG"] = lang
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "glmtts_desktop", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
        cwd=ROOT,
    )


def test_cli_errors_follow_lang(tmp_path):
    args = ["voices", "remove", "Nobody", "--data-dir", str(tmp_path / "data")]
    chinese = _run(args, "zh_CN.UTF-8")
    assert chinese.returncode != 0
    line = chinese.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and HAN.search(line), chinese.stderr
    # the hint too: no English fragment ("none yet") inside the Chinese sentence
    assert not re.search(r"[A-Za-z]{3}", line.removeprefix("error: ").replace("Nobody", "")), line

    english = _run(args, "C.UTF-8")
    assert english.returncode == chinese.returncode
    assert not HAN.search(english.stderr) and "no voice called" in english.stderr


def test_cli_status_lines_follow_lang(tmp_path):
    """Status lines a person reads (not --json, not the per-file lines scripts parse) are in the
    terminal's language: the exact sentences of the zh_CN table."""
    data = ["--data-dir", str(tmp_path / "data")]
    listed = _run(["voices", "list", *data], "zh_CN.UTF-8")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "还没有保存的声音。"
    trash = _run(["voices", "list", "--trash", *data], "zh_CN.UTF-8")
    assert trash.stdout.strip() == "回收站是空的。"
    checked = _run(["archive", "check", *data], "zh_CN.UTF-8")
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip().splitlines()[-1] == "声音库中的每个文件都与其校验和一致。"
    as_json = _run(["voices", "list", "--json", *data], "zh_CN.UTF-8")
    assert as_json.stdout.strip() == "[]"  # machine output stays as it is

    english = _run(["archive", "check", *data], "C.UTF-8")
    assert english.stderr.strip().splitlines()[-1] == "Every file in the library matches its checksum."
