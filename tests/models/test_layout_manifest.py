"""Paths, sample-rate choices, endpoints and the shipped manifest."""

from __future__ import annotations

import json

import pytest

from glmtts_desktop.models import required_files
from glmtts_desktop.models.endpoints import MIRROR, OFFICIAL, normalize_endpoint
from glmtts_desktop.models.errors import EndpointError, InvalidInputError, ManifestError, UnsafePathError
from glmtts_desktop.models.layout import local_path, parse_sample_rates, safe_relpath
from glmtts_desktop.models.manifest import default_manifest_path, load_manifest, manifest_from_dict


@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "a/../../x", "a\\b", "C:/x", "", "a//b", "./a", "a/."]
)
def test_unsafe_relpaths_refused(bad):
    with pytest.raises(UnsafePathError):
        safe_relpath(bad)


def test_local_path_stays_inside(tmp_path):
    assert local_path(tmp_path, "llm/config.json") == (tmp_path / "llm/config.json").resolve()
    (tmp_path / "link").symlink_to("/")
    with pytest.raises(UnsafePathError):
        local_path(tmp_path, "link/etc/passwd")


def test_sample_rate_choices():
    assert parse_sample_rates("both") == (24000, 32000)
    assert parse_sample_rates("32000") == (32000,)
    with pytest.raises(InvalidInputError):
        parse_sample_rates("44100")


def test_shipped_manifest_sets():
    m = load_manifest()
    r24, r32 = set(required_files(24000)), set(required_files(32000))
    assert "hift/hift.pt" in r24 and "vocos2d/generator_jit.ckpt" not in r24
    assert "vocos2d/generator_jit.ckpt" in r32 and "hift/hift.pt" not in r32
    assert r24 - {"hift/hift.pt"} == r32 - {"vocos2d/generator_jit.ckpt"}
    for need in (
        "llm/model-00001-of-00002.safetensors",
        "flow/flow.pt",
        "speech_tokenizer/model.safetensors",
        "vq32k-phoneme-tokenizer/tokenizer.model",
        "frontend/campplus.onnx",
    ):
        assert need in r24
    cam = m.by_path()["frontend/campplus.onnx"]
    assert (
        m.sources[cam.source].repo_id == "FunAudioLLM/CosyVoice2-0.5B" and cam.remote_path == "campplus.onnx"
    )
    assert cam.pinned and m.by_path()["vq32k-phoneme-tokenizer/tokenizer.model"].pinned
    raw = json.loads(default_manifest_path().read_text())
    assert all("sha256" in f and "size" in f for f in raw["files"])  # unknown values are explicit nulls


def test_manifest_refuses_bad_entries():
    base = {"version": 1, "sources": {"s": {"repo_id": "a/b", "revision": None}}}
    with pytest.raises(ManifestError):
        manifest_from_dict(
            {
                **base,
                "files": [{"path": "../x", "source": "s", "component": "llm", "size": 1, "sha256": None}],
            }
        )
    with pytest.raises(ManifestError):
        manifest_from_dict(
            {
                **base,
                "files": [{"path": "x", "source": "s", "component": "llm", "size": 1, "sha256": "nothex"}],
            }
        )
    with pytest.raises(ManifestError):
        manifest_from_dict(
            {"version": 1, "sources": {"s": {"repo_id": "a/b", "revision": "main"}}, "files": []}
        )


def test_endpoints():
    assert normalize_endpoint("mirror").url == MIRROR
    assert normalize_endpoint(None).url == OFFICIAL
    assert normalize_endpoint("https://example.org/hf/").url == "https://example.org/hf"
    assert normalize_endpoint("https://example.org").warning == ""
    assert "http" in normalize_endpoint("http://192.168.1.5:8080").warning
    for bad in ("ftp://x", "hf-mirror.com", "https://", "https://u:p@x.org", "https://x.org/?a=1"):
        with pytest.raises(EndpointError):
            normalize_endpoint(bad)
