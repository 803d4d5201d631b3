"""Fixtures for the weights tests: a fake Hub on 127.0.0.1 and a manifest for its files."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from fakehub import LFS_SUFFIXES, FakeHub, FakeRepo, make_files  # noqa: E402

from glmtts_desktop.models.manifest import manifest_from_dict  # noqa: E402
from glmtts_desktop.models.transfer import TransferSettings  # noqa: E402

GLM_COMMIT = "1" * 40
CAM_COMMIT = "2" * 40


def build_repos(seed: int = 1) -> list[FakeRepo]:
    files = make_files(seed)
    glm = FakeRepo("zai-org/GLM-TTS", GLM_COMMIT, files,
                   lfs={p for p in files if p.endswith(LFS_SUFFIXES)})
    cam_bytes = make_files(seed + 100)["flow/flow.pt"][:70_000]
    cam = FakeRepo("FunAudioLLM/CosyVoice2-0.5B", CAM_COMMIT, {"campplus.onnx": cam_bytes, "flow.pt": b"x" * 10},
                   lfs={"campplus.onnx", "flow.pt"})
    return [glm, cam]


def manifest_dict_for(repos: list[FakeRepo]) -> dict:
    """Same shape as the shipped manifest: GLM-TTS unpinned commit, a few pinned values."""
    glm, cam = repos
    shipped = json.loads((Path(__file__).parents[2] / "resources/models/manifest.json").read_text())
    files = []
    for f in shipped["files"]:
        f = dict(f)
        if f["source"] == "glm-tts":
            data = glm.files[f["path"]]
            if f["sha256"] is not None:  # pinned in the real manifest -> pinned here too
                f["sha256"] = hashlib.sha256(data).hexdigest()
            if f["size"] is not None:
                f["size"] = len(data)
        else:
            data = cam.files[f["remote_path"]]
            f["sha256"] = hashlib.sha256(data).hexdigest()
            f["size"] = len(data)
        files.append(f)
    return {"version": 1,
            "sources": {"glm-tts": {"repo_id": glm.repo_id, "revision": None, "default_ref": "main"},
                        "campplus": {"repo_id": cam.repo_id, "revision": CAM_COMMIT}},
            "files": files}


@pytest.fixture
def repos():
    return build_repos()


@pytest.fixture
def hub(repos):
    h = FakeHub(repos).start()
    yield h
    h.stop()


@pytest.fixture
def manifest_dict(repos):
    return manifest_dict_for(repos)


@pytest.fixture
def manifest(manifest_dict):
    return manifest_from_dict(manifest_dict)


@pytest.fixture
def manifest_path(tmp_path, manifest_dict):
    p = tmp_path / "manifest.json"
    p.write_text(json.dumps(manifest_dict))
    return p


@pytest.fixture
def fast():
    return TransferSettings(stall_timeout_s=1.0, connect_timeout_s=2.0,
                            max_attempts_without_progress=3, backoff_s=(0.05, 0.1))


@pytest.fixture(autouse=True)
def _isolated_hf_home(tmp_path, monkeypatch):
    """Keep every test away from the real Hugging Face cache and tokens."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
