"""The 32 kHz vocoder is trusted only on the official Hub's word: at download, or asked for an imported folder."""

from __future__ import annotations

import shutil

import pytest

from glmtts_desktop import codetrust
from glmtts_desktop.cli import main
from glmtts_desktop.models import codecheck
from glmtts_desktop.models.download import Downloader

VOCOS = "vocos2d/generator_jit.ckpt"


@pytest.fixture(autouse=True)
def _own_trust_record(tmp_path, monkeypatch):
    """The fake Hub serves the same bytes in every test: each test starts with no trust at all."""
    monkeypatch.setenv(codetrust.TRUST_FILE_ENV, str(tmp_path / "trust.json"))


def download(tmp_path, hub, manifest, fast, name="dl"):
    d = tmp_path / name
    Downloader(d, endpoint=hub.url, manifest=manifest, sample_rates="both", settings=fast).run()
    return d


def test_download_from_the_official_hub_records_the_vocoder_as_trusted(
    tmp_path, hub, manifest, fast, monkeypatch
):
    monkeypatch.setattr(codecheck, "OFFICIAL_HUB", hub.url)  # the fake Hub plays the official one
    d = download(tmp_path, hub, manifest, fast)
    rec = codetrust.file_trust(d / VOCOS)
    assert rec is not None and rec.origin == codetrust.ORIGIN_OFFICIAL and "zai-org/GLM-TTS@" in rec.note


def test_download_from_another_source_is_not_trusted_when_the_official_hub_cannot_confirm(
    tmp_path, hub, manifest, fast
):
    d = download(tmp_path, hub, manifest, fast)  # the official Hub is unreachable in this test
    assert (d / VOCOS).is_file() and codetrust.file_trust(d / VOCOS) is None


def test_imported_folder_is_checked_online_on_request(
    tmp_path, hub, manifest, fast, manifest_path, monkeypatch, capsys
):
    stick = tmp_path / "stick"
    shutil.copytree(download(tmp_path, hub, manifest, fast), stick, ignore=shutil.ignore_patterns(".glmtts"))
    common = ["--manifest", str(manifest_path), "--sample-rate", "both", "--accept-unverified"]
    assert main(["import-weights", str(stick), "--model-dir", str(tmp_path / "a"), *common]) == 0
    assert f"{VOCOS}: could not be checked offline; 32 kHz stays off." in capsys.readouterr().out

    tampered = tmp_path / "tampered"
    shutil.copytree(stick, tampered)
    data = bytearray((tampered / VOCOS).read_bytes())
    data[500] ^= 0xFF
    (tampered / VOCOS).write_bytes(bytes(data))

    monkeypatch.setattr(codecheck, "OFFICIAL_HUB", hub.url)
    assert (
        main(["import-weights", str(tampered), "--model-dir", str(tmp_path / "b"), *common, "--online"]) == 0
    )
    assert "differs from the official GLM-TTS release; it will not be run" in capsys.readouterr().out
    assert codetrust.file_trust(tmp_path / "b" / VOCOS) is None

    assert main(["import-weights", str(stick), "--model-dir", str(tmp_path / "c"), *common, "--online"]) == 0
    assert f"{VOCOS}: matches the official GLM-TTS release." in capsys.readouterr().out
    assert codetrust.file_trust(tmp_path / "c" / VOCOS).origin == codetrust.ORIGIN_OFFICIAL
