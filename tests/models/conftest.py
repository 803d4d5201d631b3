"""Fixtures for the weights tests: a fake Hub on 127.0.0.1 and a manifest for its files."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from fakehub import hub, manifest, manifest_dict, repos  # noqa: E402,F401,F811  (shared fixtures)

from glmtts_desktop.models.transfer import TransferSettings  # noqa: E402


@pytest.fixture
def manifest_path(tmp_path, manifest_dict):  # noqa: F811
    p = tmp_path / "manifest.json"
    p.write_text(json.dumps(manifest_dict))
    return p


@pytest.fixture
def fast():
    return TransferSettings(
        stall_timeout_s=1.0, connect_timeout_s=2.0, max_attempts_without_progress=3, backoff_s=(0.05, 0.1)
    )


@pytest.fixture(autouse=True)
def _isolated_hf_home(tmp_path, monkeypatch):
    """Keep every test away from the real Hugging Face cache and tokens."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
