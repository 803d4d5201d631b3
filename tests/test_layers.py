"""The layer rules of ARCHITECTURE.md, checked by importing each core with its forbidden deps blocked."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCK = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError('blocked by the layer test: ' + name)
sys.meta_path.insert(0, Blocker())
import importlib, pkgutil
pkg = importlib.import_module({package!r})
for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
    importlib.import_module(mod.name)
print('ok')
"""


@pytest.mark.parametrize(
    "package, blocked",
    [
        ("glmtts_desktop.engine", {"PySide6", "shiboken6", "pyqtgraph"}),
        ("glmtts_desktop.audio", {"PySide6", "shiboken6", "pyqtgraph", "torch"}),
        ("glmtts_desktop.library", {"PySide6", "shiboken6", "pyqtgraph", "torch"}),
        ("glmtts_desktop.models", {"PySide6", "shiboken6", "pyqtgraph", "torch"}),
        # the studio runs the engine it is given; importing it must not load torch or Qt
        ("glmtts_desktop.studio", {"PySide6", "shiboken6", "pyqtgraph", "torch"}),
    ],
)
def test_core_packages_import_without_forbidden_dependencies(package, blocked):
    code = BLOCK.format(blocked=sorted(blocked), package=package)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-2000:]


def test_engine_value_types_do_not_import_torch():
    code = "import sys; import glmtts_desktop.engine.types, glmtts_desktop.engine.errors; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr
