"""The install cannot produce a broken torch/torchaudio pair, and a wheel carries resources/.

``pip install .`` once picked torch 2.11.0 with torchaudio 2.11.1, whose compiled library
refuses to load next to another torch. The pins in pyproject must be exact and equal, the
installed pair must match them, and ``import torchaudio`` must load its library. Resolving the
whole install against the registry needs the network: opt in with GLMTTS_TEST_RESOLVE=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^(torch|torchaudio)\s*==\s*([0-9][0-9A-Za-z.+]*)\s*$")


def torch_pins(pyproject_text: str) -> dict[str, str]:
    """{'torch': '2.11.0', 'torchaudio': '2.11.0'} from the dependency list; only exact pins count."""
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    deps = tomllib.loads(pyproject_text)["project"]["dependencies"]
    pins = {}
    for dep in deps:
        name = re.split(r"[\s<>=!~;\[]", dep, maxsplit=1)[0].lower()
        if name in ("torch", "torchaudio"):
            m = _PIN.match(dep.strip())
            pins[name] = m.group(2) if m and "*" not in dep else f"not exact: {dep}"
    return pins


def test_pyproject_pins_torch_and_torchaudio_to_the_same_exact_release():
    pins = torch_pins((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(pins) == {"torch", "torchaudio"}
    assert pins["torch"] == pins["torchaudio"], pins
    assert not pins["torch"].startswith("not exact"), pins


@pytest.mark.parametrize(
    "deps, ok",
    [
        (['"torch==2.11.0"', '"torchaudio==2.11.0"'], True),
        (['"torch==2.11.0"', '"torchaudio>=2.11.0"'], False),
        (['"torch==2.11.0"', '"torchaudio==2.11.1"'], False),
        (['"torch==2.11.*"', '"torchaudio==2.11.*"'], False),
        (['"torch>=2.11"', '"torchaudio"'], False),
    ],
)
def test_the_pin_check_itself_tells_good_from_bad(deps, ok):
    text = "[project]\nname = 'x'\ndependencies = [" + ", ".join(deps) + "]\n"
    pins = torch_pins(text)
    good = pins.get("torch") == pins.get("torchaudio") and not str(pins.get("torch", "not")).startswith("not")
    assert good is ok


def test_installed_pair_matches_the_pins_and_torchaudio_loads_its_library():
    pins = torch_pins((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for name in ("torch", "torchaudio"):
        assert metadata.version(name).split("+")[0] == pins[name], (
            f"{name} {metadata.version(name)} != {pins}"
        )
    code = (
        "import torch, torchaudio, torchaudio.compliance.kaldi as k;"
        "x = torch.randn(1, 16000);"
        "print(k.fbank(x, num_mel_bins=80).shape[1], torchaudio.functional.resample(x, 16000, 24000).shape[1])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["80", "24000"]


@pytest.mark.slow
def test_wheel_carries_resources_and_finds_them_when_installed(tmp_path):
    """A plain ``pip install .`` (a wheel) must find the manifest, text data and translations."""
    dist = tmp_path / "dist"
    src = tmp_path / "src"  # a clean copy: an in-tree build/ from earlier runs must not help
    skip = (".git", ".venv", "build", "dist", "*.egg-info", "artifacts", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*skip))
    env = {**os.environ, "PIP_NO_INDEX": "1"}  # everything needed is already installed
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert not re.search(r"deprecat", build.stdout + build.stderr, re.IGNORECASE), "packaging metadata warns"
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("models/manifest.json", "text/phonemes.json", "i18n/zh_CN.json"):
        assert f"glmtts_desktop/_resources/{needed}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # what pip would unpack, without touching the venv
    code = (
        "import glmtts_desktop.resources as r, glmtts_desktop.models.manifest as m, json;"
        "from glmtts_desktop.engine.text.resources import resource_dir;"
        "print(json.dumps([str(r.resources_root()), len(m.load_manifest().files), str(resource_dir())]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    root, nfiles, text_dir = json.loads(proc.stdout)
    assert Path(root) == site / "glmtts_desktop" / "_resources" and nfiles > 10
    assert Path(text_dir) == Path(root) / "text"


@pytest.mark.skipif(
    os.environ.get("GLMTTS_TEST_RESOLVE") != "1", reason="needs the registry: GLMTTS_TEST_RESOLVE=1"
)
def test_resolving_the_install_picks_the_matching_pair(tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    chosen = {
        i["metadata"]["name"].lower(): i["metadata"]["version"]
        for i in json.loads(report.read_text())["install"]
    }
    assert chosen["torch"].split("+")[0] == chosen["torchaudio"].split("+")[0], chosen
