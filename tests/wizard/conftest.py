"""Wizard tests drive the real pages offscreen against the fake Hub of tests/models."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
from fakehub import hub, manifest, manifest_dict, repos  # noqa: E402,F401  (shared fixtures)

from glmtts_desktop.gui.wizard.hardware import HardwareInfo  # noqa: E402
from glmtts_desktop.models.transfer import TransferSettings  # noqa: E402


@pytest.fixture
def fast():
    return TransferSettings(
        stall_timeout_s=2.0, connect_timeout_s=2.0, max_attempts_without_progress=2, backoff_s=(0.05, 0.1)
    )


@pytest.fixture
def fake_gpu():
    return lambda: HardwareInfo("Fake RTX 4090", 24 * 2**30, "12.8", "2.11.0")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
