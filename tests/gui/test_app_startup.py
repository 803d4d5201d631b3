"""Start-up rules: the window opens without torch, fast; every UI string has a Chinese entry."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules whose import alone costs a second or more (or pulls in a native runtime).
_HEAVY = (
    "torch",
    "torchaudio",
    "onnxruntime",
    "transformers",
    "librosa",
    "numba",
    "scipy",
    "jieba",
    "wetext",
    "av",
)
_PROBE = (
    f"HEAVY = {_HEAVY!r}\n"
    + r"""
import sys, time, tempfile
from pathlib import Path
t0, c0 = time.perf_counter(), time.process_time()
from glmtts_desktop.gui.app import create_main_window
from glmtts_desktop.audio import NullBackend
w = create_main_window(data_dir=Path(tempfile.mkdtemp()), model_dir=None, backend=NullBackend("test"),
                       show_wizard_on_failure=False)
w.show()
from PySide6.QtWidgets import QApplication
QApplication.processEvents()
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
heavy = sorted(m for m in HEAVY if m in sys.modules)
w.shutdown()
print("RESULT", cpu, wall, ",".join(heavy))
"""
)


def test_window_opens_without_torch_and_quickly(tmp_path):
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_DATA_HOME=str(tmp_path / "d"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    _, cpu, wall, heavy = (line.split(" ") + [""])[:4]
    assert heavy == "", f"opening the window imported {heavy}"
    # The promise is < 2 s on a desktop. What the app controls is the work it does, so this
    # measures the process's CPU time: wall time on a shared CI machine measures the neighbours
    # (6.1 s wall for 1.5 s CPU was seen here). Work in a background thread counts too.
    assert float(cpu) < 4.0, f"opening the window took {float(cpu):.2f} s of CPU ({float(wall):.2f} s wall)"


def _ui_strings() -> set[str]:
    keys: set[str] = set()
    for path in (ROOT / "glmtts_desktop" / "gui").rglob("*.py"):
        if "wizard" in path.parts:  # the wizard keeps its own strings
            continue
        src = path.read_text(encoding="utf-8")
        # the syntax tree, not a regex: a literal split over lines ("…" "…") is one key
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            index = {"tr": 0, "bind": 1, "_action": 1}.get(name)
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
        keys.update(re.findall(r'^MSG_[A-Z_]+ = "((?:[^"\\]|\\.)+)"', src, re.M))
    return keys


def test_every_ui_string_has_a_chinese_translation():
    table = {}  # zh_CN.json plus the per-area part files (zh_CN.<part>.json), as the app merges them
    for part in sorted((ROOT / "resources" / "i18n").glob("zh_CN*.json")):
        table.update(json.loads(part.read_text(encoding="utf-8")))
    keys = _ui_strings()
    assert len(keys) > 80
    missing = sorted(k for k in keys if k not in table)
    assert not missing, f"missing zh_CN entries: {missing}"
    bad = [k for k, v in table.items() if set(re.findall(r"\{(\w+)", k)) != set(re.findall(r"\{(\w+)", v))]
    assert not bad, f"placeholders differ between English and Chinese: {bad}"


def test_self_test_flag_exits_zero(tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_DATA_HOME=str(tmp_path / "d"),
    )
    env.pop("QT_QPA_PLATFORM", None)  # --self-test must go headless by itself
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "glmtts_desktop", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert "self-test: OK" in proc.stdout
