"""The download against a fake Hub: complete run, resume, misbehaving mirrors, failures."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time

import pytest

from glmtts_desktop import models
from glmtts_desktop.models import diskspace, transfer
from glmtts_desktop.models.download import Downloader, test_connection
from glmtts_desktop.models.errors import (
    DiskSpaceError,
    DownloadCancelledError,
    IntegrityError,
    SourceMismatchError,
    StalledError,
    UnsafePathError,
)
from glmtts_desktop.models.layout import part_path

SHARD = "llm/model-00001-of-00002.safetensors"


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def run(tmp_path, hub, manifest, fast, rates="both", **kw):
    return Downloader(
        tmp_path / "models", endpoint=hub.url, manifest=manifest, sample_rates=rates, settings=fast, **kw
    ).run()


def resolve_gets(hub, path=""):
    return [r for r in hub.requests("GET", "/resolve/") if r["path"].endswith(path)]


def test_complete_download_uses_real_hub_metadata_and_verifies(tmp_path, hub, repos, manifest, fast):
    report = run(tmp_path, hub, manifest, fast)
    assert report.complete and not report.unchecked
    glm, cam = repos
    root = tmp_path / "models"
    for spec in manifest.files:
        data = glm.files[spec.path] if spec.source == "glm-tts" else cam.files[spec.remote_path]
        assert sha((root / spec.path).read_bytes()) == sha(data), spec.path
    assert (root / "frontend/campplus.onnx").is_file()
    assert not list(root.rglob("*.part"))
    # the real huggingface_hub client asked for the revision and the recursive tree
    paths = [r["path"] for r in hub.log]
    assert "/api/models/zai-org/GLM-TTS/revision/main" in paths
    assert f"/api/models/zai-org/GLM-TTS/tree/{glm.commit}" in paths
    assert not models.needs_setup(root, "both", manifest=manifest)
    # a second run fetches nothing
    before = len(resolve_gets(hub))
    assert run(tmp_path, hub, manifest, fast).complete
    assert len(resolve_gets(hub)) == before


def test_24k_choice_fetches_hift_not_vocos(tmp_path, hub, manifest, fast):
    run(tmp_path, hub, manifest, fast, rates=24000)
    assert resolve_gets(hub, "hift/hift.pt") and not resolve_gets(hub, "vocos2d/generator_jit.ckpt")
    assert models.needs_setup(tmp_path / "models", 32000, manifest=manifest)


def test_connection_cut_midway_resumes_with_range_from_that_byte(tmp_path, hub, repos, manifest, fast):
    hub.knobs.cut_after[SHARD] = 123_457
    run(tmp_path, hub, manifest, fast)
    gets = resolve_gets(hub, SHARD)
    assert [g["range"] for g in gets] == [None, "bytes=123457-"]
    assert gets[1]["status"] == 206
    assert sha((tmp_path / "models" / SHARD).read_bytes()) == sha(repos[0].files[SHARD])


def test_mirror_answering_200_to_range_restarts_that_file_cleanly(tmp_path, hub, repos, manifest, fast):
    data = repos[0].files[SHARD]
    dest = tmp_path / "models" / SHARD
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(data[:50_000])  # left by an earlier run
    hub.knobs.ignore_range.add(SHARD)
    run(tmp_path, hub, manifest, fast)
    gets = resolve_gets(hub, SHARD)
    assert gets[0]["range"] == "bytes=50000-" and gets[0]["status"] == 200
    assert dest.read_bytes() == data


def test_stalled_mirror_gives_clear_error_keeps_bytes_then_resumes(tmp_path, hub, repos, manifest, fast):
    fast.stall_timeout_s = 0.4
    fast.max_attempts_without_progress = 2
    hub.knobs.stall_at[SHARD] = 200_000
    with pytest.raises(StalledError) as ei:
        run(tmp_path, hub, manifest, fast)
    assert "stalled" in ei.value.message and ei.value.hint
    part = part_path(tmp_path / "models" / SHARD)
    assert part.stat().st_size == 200_000
    # first try made progress, then two tries without progress -> give up
    assert [g["range"] for g in resolve_gets(hub, SHARD)] == [None, "bytes=200000-", "bytes=200000-"]
    hub.knobs.stall_at.clear()
    hub.knobs.released.set()
    run(tmp_path, hub, manifest, fast)
    assert resolve_gets(hub, SHARD)[-1]["range"] == "bytes=200000-"
    assert (tmp_path / "models" / SHARD).read_bytes() == repos[0].files[SHARD]


def test_flipped_byte_on_disk_is_found_and_only_that_file_refetched(tmp_path, hub, repos, manifest, fast):
    run(tmp_path, hub, manifest, fast)
    target = tmp_path / "models" / "flow/flow.pt"
    with open(target, "r+b") as fh:
        fh.seek(1234)
        b = fh.read(1)
        fh.seek(1234)
        fh.write(bytes([b[0] ^ 1]))
    before = len(resolve_gets(hub))
    run(tmp_path, hub, manifest, fast)
    new = resolve_gets(hub)[before:]
    assert [g["path"].split("/resolve/")[1].split("/", 1)[1] for g in new] == ["flow/flow.pt"]
    assert target.read_bytes() == repos[0].files["flow/flow.pt"]


def test_corrupt_bytes_from_server_are_refused_and_fetched_again(tmp_path, hub, repos, manifest, fast):
    hub.knobs.corrupt["flow/flow.pt"] = 999
    hub.knobs.corrupt_times = 1
    run(tmp_path, hub, manifest, fast)
    assert len(resolve_gets(hub, "flow/flow.pt")) == 2
    assert (tmp_path / "models/flow/flow.pt").read_bytes() == repos[0].files["flow/flow.pt"]


def test_server_always_corrupt_fails_clearly_and_keeps_other_files(tmp_path, hub, manifest, fast):
    hub.knobs.corrupt["flow/flow.pt"] = 5
    with pytest.raises(IntegrityError) as ei:
        run(tmp_path, hub, manifest, fast)
    assert "damaged" in ei.value.message
    root = tmp_path / "models"
    assert not (root / "flow/flow.pt").exists() and not part_path(root / "flow/flow.pt").exists()
    assert (root / SHARD).is_file()  # earlier files stay


def test_mirror_serving_different_bytes_than_pinned_is_refused(tmp_path, hub, repos, manifest, fast):
    repos[0].files["vq32k-phoneme-tokenizer/tokenizer.model"] = os.urandom(50_000)  # pinned file
    with pytest.raises(SourceMismatchError) as ei:
        run(tmp_path, hub, manifest, fast)
    assert "different" in ei.value.message
    assert resolve_gets(hub) == []  # refused before any byte was fetched


def test_pinned_hash_wins_even_if_listing_agrees_with_bad_bytes(tmp_path, hub, repos, manifest, fast):
    # a mirror whose listing has no LFS info for the pinned file but serves other bytes
    repos[1].lfs.discard("campplus.onnx")
    repos[1].files["campplus.onnx"] = os.urandom(len(repos[1].files["campplus.onnx"]))
    with pytest.raises(IntegrityError):
        run(tmp_path, hub, manifest, fast)
    assert not (tmp_path / "models/frontend/campplus.onnx").exists()


@pytest.mark.parametrize("bad", ["../evil.bin", "/etc/evil.bin", "llm/../../evil.bin", "C:\\evil.bin"])
def test_unsafe_names_in_metadata_are_refused(tmp_path, hub, repos, manifest, fast, bad):
    repos[0].extra_tree.append({"type": "file", "path": bad, "size": 3, "oid": "0" * 40})
    with pytest.raises(UnsafePathError):
        run(tmp_path, hub, manifest, fast)
    assert not (tmp_path / "evil.bin").exists()
    assert resolve_gets(hub) == []


def test_not_enough_space_is_a_clear_message_and_keeps_parts(
    tmp_path, hub, repos, manifest, fast, monkeypatch
):
    dest = tmp_path / "models" / SHARD
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(repos[0].files[SHARD][:1000])
    monkeypatch.setattr(diskspace, "free_bytes", lambda p: 10_000)
    with pytest.raises(DiskSpaceError) as ei:
        run(tmp_path, hub, manifest, fast)
    assert "Not enough free disk space" in ei.value.message and "kept" in ei.value.hint
    assert part_path(dest).stat().st_size == 1000
    assert resolve_gets(hub) == []


def test_disk_filling_up_midway_keeps_what_was_written(tmp_path, hub, repos, manifest, fast, monkeypatch):
    real_open = open

    class Full:
        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, b):
            if self.n + len(b) > 100_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.n += len(b)
            return self.fh.write(b)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return self.fh.__exit__(*a)

    def fake_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        return (
            Full(fh)
            if str(path).endswith(SHARD + ".part")
            and "a" in mode
            or (str(path).endswith(SHARD + ".part") and "w" in mode)
            else fh
        )

    monkeypatch.setattr(transfer, "open", fake_open, raising=False)
    with pytest.raises(DiskSpaceError) as ei:
        run(tmp_path, hub, manifest, fast)
    assert "filled up" in ei.value.message
    kept = part_path(tmp_path / "models" / SHARD).stat().st_size
    assert 0 < kept <= 100_000
    monkeypatch.undo()
    run(tmp_path, hub, manifest, fast)
    assert resolve_gets(hub, SHARD)[-1]["range"] == f"bytes={kept}-"


def test_cancel_stops_quickly_and_resume_continues_from_that_byte(tmp_path, hub, repos, manifest, fast):
    cancel = threading.Event()
    hub.knobs.pause_after[SHARD] = 300_000  # hold the stream so cancel hits a blocked read
    seen = {}

    def on_progress(p):
        if p.file == SHARD and p.file_done >= 300_000:
            seen["at"] = p.file_done
            cancel.set()

    with pytest.raises(DownloadCancelledError):
        Downloader(
            tmp_path / "models",
            endpoint=hub.url,
            manifest=manifest,
            sample_rates="both",
            settings=fast,
            cancel=cancel,
            on_progress=on_progress,
            progress_interval_s=0,
        ).run()
    part = part_path(tmp_path / "models" / SHARD)
    assert part.stat().st_size == 300_000
    hub.knobs.pause_after.clear()
    hub.knobs.released.set()
    run(tmp_path, hub, manifest, fast)
    assert resolve_gets(hub, SHARD)[-1]["range"] == "bytes=300000-"


def test_progress_reports_overall_and_per_file(tmp_path, hub, manifest, fast):
    seen = []
    Downloader(
        tmp_path / "m",
        endpoint=hub.url,
        manifest=manifest,
        sample_rates=24000,
        settings=fast,
        on_progress=seen.append,
        progress_interval_s=0,
    ).run()
    total = seen[-1].total
    assert seen[-1].phase == "done" and seen[-1].done == total > 0
    dl = [p for p in seen if p.phase == "downloading"]
    assert all(0 <= p.file_done <= p.file_total for p in dl)
    assert [p.done for p in dl] == sorted(p.done for p in dl)


def test_test_connection_reports_speed(hub, manifest):
    report = test_connection(hub.url, manifest)
    assert report.bytes == 180 and report.speed_bps > 0
    assert hub.url in report.sentence()


def test_cancel_while_server_never_answers_is_immediate(tmp_path, hub, manifest, fast):
    fast.stall_timeout_s = 30.0  # the watchdog, not the stall timeout, must end this
    hub.knobs.hang_headers.add("flow/flow.pt")
    cancel = threading.Event()
    result = {}

    def go():
        try:
            run(tmp_path, hub, manifest, fast, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            result["exc"] = exc

    t = threading.Thread(target=go)
    t.start()
    deadline = time.monotonic() + 20
    while not resolve_gets(hub, "flow/flow.pt") and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a real condition: the request reached the server
    t0 = time.monotonic()
    cancel.set()
    t.join(5)
    assert not t.is_alive() and time.monotonic() - t0 < 2.0
    assert isinstance(result.get("exc"), DownloadCancelledError)


def test_killed_between_last_byte_and_rename_finishes_without_network(tmp_path, hub, repos, manifest, fast):
    dest = tmp_path / "models" / SHARD
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(repos[0].files[SHARD])  # every byte arrived, rename never happened
    run(tmp_path, hub, manifest, fast)
    assert resolve_gets(hub, SHARD) == []
    assert dest.read_bytes() == repos[0].files[SHARD] and not part_path(dest).exists()


def test_garbage_in_a_leftover_part_is_caught_and_that_file_refetched(tmp_path, hub, repos, manifest, fast):
    data = bytearray(repos[0].files[SHARD][:300_000])
    data[1000] ^= 0x55  # e.g. a power cut left junk in the partial file
    dest = tmp_path / "models" / SHARD
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(bytes(data))
    run(tmp_path, hub, manifest, fast)
    assert [g["range"] for g in resolve_gets(hub, SHARD)] == ["bytes=300000-", None]
    assert dest.read_bytes() == repos[0].files[SHARD]


def test_remembered_commit_gone_from_mirror_resolves_again_and_drops_stale_parts(
    tmp_path, hub, repos, manifest, fast
):
    fast.max_attempts_without_progress = 1
    hub.knobs.stall_at[SHARD] = 100_000
    with pytest.raises(StalledError):
        run(tmp_path, hub, manifest, fast)
    assert part_path(tmp_path / "models" / SHARD).stat().st_size == 100_000
    # the repo moves on: new commit, the shard changed; the old commit is unknown to the server
    hub.knobs.stall_at.clear()
    hub.knobs.released.set()
    glm = repos[0]
    glm.commit = "3" * 40
    glm.files[SHARD] = os.urandom(len(glm.files[SHARD]))
    run(tmp_path, hub, manifest, fast)
    assert (tmp_path / "models" / SHARD).read_bytes() == glm.files[SHARD]
    assert resolve_gets(hub, SHARD)[-1]["range"] is None  # the stale partial was not continued


def test_throttled_progress_still_shows_the_last_bytes_when_the_stream_stops(tmp_path, hub, manifest, fast):
    hub.knobs.pause_after[SHARD] = 250_000
    cancel = threading.Event()
    seen = []

    def on_progress(p):
        seen.append(p)
        if p.file == SHARD and p.file_done == 250_000:
            cancel.set()  # only reachable if the trailing snapshot is delivered

    with pytest.raises(DownloadCancelledError):
        Downloader(
            tmp_path / "m",
            endpoint=hub.url,
            manifest=manifest,
            sample_rates=24000,
            settings=fast,
            cancel=cancel,
            on_progress=on_progress,
            progress_interval_s=0.5,
        ).run()
    assert seen[-1].file_done == 250_000
