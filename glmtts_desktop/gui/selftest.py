"""``glmtts-desktop --self-test``: start headless, check imports and resources, exit 0 or 1.

It is the smoke test of a frozen build: it proves the bundle has every module (torch included,
though nothing is loaded onto a GPU), the translation table and icons, that a window can be
built offscreen, and that a job makes the round trip through the inference thread.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

MODULES = (
    "numpy",
    "soundfile",
    "soxr",
    "pyqtgraph",
    "pypinyin",
    "jieba",
    "platformdirs",
    "glmtts_desktop.audio",
    "glmtts_desktop.library",
    "glmtts_desktop.models",
    "glmtts_desktop.gui.main_window",
    "glmtts_desktop.gui.wizard",
)
HEAVY_MODULES = ("torch", "onnxruntime", "glmtts_desktop.engine.engine")


def _check_modules() -> None:
    for name in MODULES + HEAVY_MODULES:
        importlib.import_module(name)
    import torch

    assert float(torch.ones(2).sum()) == 2.0


def _check_signals() -> None:
    """PySide6 6.12.0 on Python < 3.12 loses a reference to True per emit() and later aborts."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(object)

    e = Emitter()
    before = sys.getrefcount(True)
    for _ in range(200):
        e.ping.emit(1)
    if sys.getrefcount(True) - before < -50:
        raise RuntimeError("this PySide6 build corrupts reference counts on Signal.emit(); use 6.11.x")


def _check_resources() -> None:
    from glmtts_desktop.gui.i18n import load_table
    from glmtts_desktop.gui.resources import resource_path

    table = load_table("zh_CN")
    if len(table) < 50:
        raise RuntimeError(f"zh_CN translation table has only {len(table)} entries")
    icon = resource_path("icons", "app.svg")
    if not icon.is_file():
        raise RuntimeError(f"missing {icon}")


def _check_window() -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from glmtts_desktop.audio import NullBackend
    from glmtts_desktop.gui.app import create_main_window
    from glmtts_desktop.gui.inference import NormalizeJob

    with tempfile.TemporaryDirectory(prefix="glmtts-selftest-") as tmp:
        window = create_main_window(
            data_dir=Path(tmp), model_dir=None, backend=NullBackend("self-test"), show_wizard_on_failure=False
        )
        window.show()
        loop = QEventLoop()
        outcome: list[str] = []
        window.client.jobFailed.connect(lambda *_: (outcome.append("failed"), loop.quit()))
        window.client.jobFinished.connect(lambda *_: (outcome.append("finished"), loop.quit()))
        QTimer.singleShot(10000, loop.quit)
        window.client.submit(NormalizeJob(text="你好"))  # no model: must come back as "failed"
        loop.exec()
        ok = window.shutdown()
        window.close()
        if outcome != ["failed"]:
            raise RuntimeError(f"inference thread round trip gave {outcome}")
        if not ok or window.client.thread.isRunning():
            raise RuntimeError("inference thread still running after shutdown")


def run_self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from glmtts_desktop.gui.app import ensure_app

    ensure_app()
    checks: list[tuple[str, Callable[[], None]]] = [
        ("imports", _check_modules),
        ("signals", _check_signals),
        ("resources", _check_resources),
        ("window", _check_window),
    ]
    failed = 0
    for name, check in checks:
        t0 = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - report every failure, then exit 1
            failed += 1
            log.debug("self-test %s failed", name, exc_info=True)
            sys.stdout.write(f"self-test {name}: FAILED ({type(exc).__name__}: {exc})\n")
        else:
            sys.stdout.write(f"self-test {name}: ok ({time.perf_counter() - t0:.2f} s)\n")
    sys.stdout.write("self-test: OK\n" if not failed else f"self-test: {failed} check(s) failed\n")
    sys.stdout.flush()
    return 0 if not failed else 1
