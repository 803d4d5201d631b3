"""verify (hash once, then sizes) and import-weights (copy/link, exact report of gaps)."""

from __future__ import annotations

import os
import shutil

import pytest

from glmtts_desktop import models
from glmtts_desktop.models import hashing
from glmtts_desktop.models import verify as verify_mod
from glmtts_desktop.models.download import Downloader
from glmtts_desktop.models.errors import ImportWeightsError
from glmtts_desktop.models.importer import import_weights
from glmtts_desktop.models.verify import quick_check, verify_files


@pytest.fixture
def downloaded(tmp_path, hub, manifest, fast):
    d = tmp_path / "dl"
    Downloader(d, endpoint=hub.url, manifest=manifest, sample_rates="both", settings=fast).run()
    return d


def test_verify_hashes_once_then_only_checks_sizes(downloaded, manifest, monkeypatch):
    (downloaded / ".glmtts" / "verified.json").unlink()
    calls = []
    real = verify_mod.feed_file
    monkeypatch.setattr(verify_mod, "feed_file", lambda *a, **k: (calls.append(a[1]), real(*a, **k)))
    assert verify_files(downloaded, manifest.files_for("both")).complete
    assert len(calls) == len(manifest.files)
    calls.clear()
    assert verify_files(downloaded, manifest.files_for("both")).complete  # remembered
    assert quick_check(downloaded, manifest, "both").complete
    assert calls == []
    assert verify_files(downloaded, manifest.files_for("both"), rehash=True).complete
    assert len(calls) == len(manifest.files)


def test_verify_notices_a_changed_file(downloaded, manifest):
    target = downloaded / "hift/hift.pt"
    data = bytearray(target.read_bytes())
    data[10] ^= 0xFF
    target.write_bytes(bytes(data))
    report = verify_files(downloaded, manifest.files_for(24000))
    assert report.wrong == ["hift/hift.pt"] and not report.missing
    assert models.needs_setup(downloaded, 24000, manifest=manifest)


def test_import_copies_verifies_and_records(tmp_path, downloaded, manifest):
    stick = tmp_path / "usb"
    shutil.copytree(downloaded, stick / "ckpt", ignore=shutil.ignore_patterns(".glmtts", "frontend"))
    shutil.copy(downloaded / "frontend/campplus.onnx", stick / "campplus.onnx")
    # the target folder remembers the expected hashes of unpinned files from an earlier plan
    target = tmp_path / "target"
    (target / ".glmtts").mkdir(parents=True)
    shutil.copy(downloaded / ".glmtts/download.json", target / ".glmtts/download.json")
    report = import_weights(stick, target, sample_rates="both", manifest=manifest)
    assert report.complete and not report.unchecked
    for spec in manifest.files:
        assert (target / spec.path).read_bytes() == (downloaded / spec.path).read_bytes()
    assert not models.needs_setup(target, "both", manifest=manifest)


def test_import_hard_link(tmp_path, downloaded, manifest):
    target = tmp_path / "linked"
    import_weights(
        downloaded, target, sample_rates=24000, manifest=manifest, link=True, accept_unverified=True
    )
    a, b = downloaded / "flow/flow.pt", target / "flow/flow.pt"
    assert os.path.samefile(a, b)


def test_import_reports_exactly_missing_and_wrong(tmp_path, downloaded, manifest):
    stick = tmp_path / "usb"
    shutil.copytree(downloaded, stick, ignore=shutil.ignore_patterns(".glmtts"))
    (stick / "flow/flow.pt").unlink()
    tok = stick / "vq32k-phoneme-tokenizer/tokenizer.model"  # a pinned file, damaged
    data = bytearray(tok.read_bytes())
    data[0] ^= 1
    tok.write_bytes(bytes(data))
    target = tmp_path / "target"
    with pytest.raises(ImportWeightsError) as ei:
        import_weights(stick, target, sample_rates=24000, manifest=manifest)
    err = ei.value
    assert err.missing == ["flow/flow.pt"]
    assert err.wrong == ["vq32k-phoneme-tokenizer/tokenizer.model"]
    assert "flow/flow.pt" in err.message and "tokenizer.model" in err.message
    # the good files were kept
    assert (target / "hift/hift.pt").read_bytes() == (downloaded / "hift/hift.pt").read_bytes()
    assert not (target / "vq32k-phoneme-tokenizer/tokenizer.model").exists()


def test_orphans_in_our_folder_are_cleaned_but_our_parts_and_every_lock_kept(tmp_path, manifest):
    import time

    from glmtts_desktop.models.cleanup import clean_orphans

    d = tmp_path / "m"
    hf_inc = d / ".cache/huggingface/download/llm/x.incomplete"
    cache_inc = tmp_path / "hf-home/hub/models--zai-org--GLM-TTS/blobs/abc.1234.incomplete"
    cache_lock = tmp_path / "hf-home/hub/.locks/models--zai-org--GLM-TTS/abc.lock"
    local_lock = d / ".cache/huggingface/download/llm/x.lock"
    stray = d / "llm/old-name.bin.part"
    ours = d / "flow/flow.pt.part"  # a resume point of a manifest file: kept
    fresh = d / "flow/busy.incomplete"  # another program's download in progress: kept
    for p in (hf_inc, cache_inc, cache_lock, local_lock, stray, ours, fresh):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * 10)
    old = time.time() - 3600
    for p in (hf_inc, cache_inc, cache_lock, local_lock, stray, ours):
        os.utime(p, (old, old))
    removed = clean_orphans(d, keep_parts=[f.path for f in manifest.files])
    assert sorted(removed) == sorted([hf_inc, stray])
    # other programs' files outside our folder, and any lock file anywhere, are never touched
    assert cache_inc.exists() and cache_lock.exists() and local_lock.exists()
    assert ours.exists() and fresh.exists()


def test_git_blob_hash_matches_git(tmp_path):
    import subprocess

    f = tmp_path / "a.json"
    f.write_bytes(b'{"a": 1}\n')
    try:
        out = subprocess.run(["git", "hash-object", str(f)], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git not available")
    exp = hashing.Expected(size=f.stat().st_size, git_sha1=out.stdout.strip())
    assert hashing.file_matches(f, exp)
    assert not hashing.file_matches(f, hashing.Expected(size=exp.size, git_sha1="0" * 40))


def test_import_from_a_hugging_face_cache_folder(tmp_path, downloaded, manifest):
    snap = tmp_path / "hub/models--zai-org--GLM-TTS/snapshots" / ("1" * 40)
    shutil.copytree(downloaded, snap, ignore=shutil.ignore_patterns(".glmtts", "frontend"))
    shutil.copy(downloaded / "frontend/campplus.onnx", tmp_path / "hub/campplus.onnx")
    report = import_weights(
        tmp_path / "hub", tmp_path / "target", sample_rates=24000, manifest=manifest, accept_unverified=True
    )
    assert report.complete and report.unverified  # unpinned files: used as they are, marked
    assert (tmp_path / "target/flow/flow.pt").read_bytes() == (downloaded / "flow/flow.pt").read_bytes()


def test_tampered_unpinned_file_in_a_fresh_folder_is_not_installed_silently(
    tmp_path, downloaded, hub, manifest, fast
):
    stick = tmp_path / "forum-download"
    shutil.copytree(downloaded, stick, ignore=shutil.ignore_patterns(".glmtts"))
    flow = stick / "flow/flow.pt"  # unpinned in the manifest: only the Hub knows its hash
    data = bytearray(flow.read_bytes())
    data[1000] ^= 0xFF  # same size, different bytes
    flow.write_bytes(bytes(data))
    target = tmp_path / "fresh"
    with pytest.raises(ImportWeightsError) as ei:
        import_weights(stick, target, sample_rates=24000, manifest=manifest)
    text = ei.value.message
    assert "2 file(s) verified" in text and "could not be checked offline" in text
    assert "and 8 more" in text  # a short sentence, not a wall of paths
    assert "flow/flow.pt" in ei.value.detail
    assert "online" in ei.value.hint and "--accept-unverified" in ei.value.hint
    # not counted as verified: the app still asks for setup, a later verify still says unchecked
    assert models.needs_setup(target, 24000, manifest=manifest)
    assert "flow/flow.pt" in verify_files(target, manifest.files_for(24000)).unchecked
    # repair online: a download into the same folder checks against the Hub and fetches only that file
    before = len(hub.requests("GET", "/resolve/"))
    report = Downloader(target, endpoint=hub.url, manifest=manifest, sample_rates=24000, settings=fast).run()
    assert report.complete and not report.unchecked
    assert (target / "flow/flow.pt").read_bytes() == (downloaded / "flow/flow.pt").read_bytes()
    fetched = [r["path"] for r in hub.requests("GET", "/resolve/")[before:]]
    assert fetched and all(p.endswith("flow/flow.pt") for p in fetched)
    assert not models.needs_setup(target, 24000, manifest=manifest)


def test_a_folder_used_as_it_is_stays_marked_unverified(tmp_path, downloaded, manifest):
    stick = tmp_path / "stick"
    shutil.copytree(downloaded, stick, ignore=shutil.ignore_patterns(".glmtts"))
    target = tmp_path / "fresh"
    report = import_weights(stick, target, sample_rates=24000, manifest=manifest, accept_unverified=True)
    assert report.complete and "flow/flow.pt" in report.unverified
    assert "used without a check" in report.summary()
    assert not models.needs_setup(target, 24000, manifest=manifest)
    assert "flow/flow.pt" in quick_check(target, manifest, [24000]).unverified
    (target / "flow/flow.pt").write_bytes(b"x" * (target / "flow/flow.pt").stat().st_size)  # changed later
    assert models.needs_setup(target, 24000, manifest=manifest)  # the acceptance was for those bytes
