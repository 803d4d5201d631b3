"""Every network wait is bounded and every download can be cancelled at once (issue 11, items 3-5, 10, 11).

Against the fake Hub on 127.0.0.1. Synchronisation waits on conditions (a request reached the
server, a progress snapshot arrived); the only clocks are the bounds under test.
"""

from __future__ import annotations

import threading
import time

import pytest

from glmtts_desktop import __version__
from glmtts_desktop.models import hubmeta
from glmtts_desktop.models.download import Downloader
from glmtts_desktop.models.errors import AlreadyDownloadingError, DownloadCancelledError, StalledError
from glmtts_desktop.models.layout import part_path
from glmtts_desktop.models.transfer import STALL_NOTICE

SHARD = "llm/model-00001-of-00002.safetensors"


def wait_for(cond, what: str, limit_s: float = 20.0) -> None:
    end = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)  # polling a real condition


class Background:
    """Run a Downloader in a thread and keep what it raised."""

    def __init__(self, downloader: Downloader) -> None:
        self.d = downloader
        self.exc: BaseException | None = None
        self.thread = threading.Thread(target=self._go, daemon=True)
        self.thread.start()

    def _go(self) -> None:
        try:
            self.d.run()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            self.exc = exc

    def cancel_and_time(self) -> float:
        t0 = time.monotonic()
        self.d.cancel.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        return time.monotonic() - t0


def make(tmp_path, hub, manifest, settings, **kw) -> Downloader:
    return Downloader(
        tmp_path / "models", endpoint=hub.url, manifest=manifest, sample_rates=24000, settings=settings, **kw
    )


@pytest.mark.parametrize("call", ["tree", "revision"])
def test_stalled_metadata_call_gives_up_within_its_bound(tmp_path, hub, manifest, fast, monkeypatch, call):
    monkeypatch.setattr(hubmeta, "META_DEADLINE_S", 1.0)
    hub.knobs.hang_api.add(call)
    t0 = time.monotonic()
    with pytest.raises(StalledError) as info:
        make(tmp_path, hub, manifest, fast).run()
    assert time.monotonic() - t0 < 5.0
    assert hub.url in info.value.message


def test_cancel_during_a_stalled_listing_is_immediate(tmp_path, hub, manifest, fast):
    hub.knobs.hang_api.add("tree")
    bg = Background(make(tmp_path, hub, manifest, fast))
    wait_for(lambda: hub.requests("GET", "/tree/"), "the listing request reached the server")
    assert bg.cancel_and_time() < 1.0
    assert isinstance(bg.exc, DownloadCancelledError)


def test_redirected_download_completes_through_the_cdn_hop(tmp_path, hub, repos, manifest, fast):
    hub.knobs.redirect = True
    report = make(tmp_path, hub, manifest, fast).run()
    assert report.complete
    first_hops = [r for r in hub.requests("GET", "/resolve/") if not r["path"].startswith("/cdn/")]
    assert hub.requests("GET", "/cdn/") and first_hops and all(r["status"] == 302 for r in first_hops)
    assert (tmp_path / "models" / SHARD).read_bytes() == repos[0].files[SHARD]


def test_cancel_stops_a_stalled_redirected_download_within_a_second(tmp_path, hub, manifest, fast):
    fast.stall_timeout_s = 60.0  # only the cancel may end this
    hub.knobs.redirect = True
    hub.knobs.stall_at[SHARD] = 200_000
    seen = threading.Event()

    def on_progress(p):
        if p.file == SHARD and p.file_done >= 200_000:
            seen.set()

    bg = Background(make(tmp_path, hub, manifest, fast, on_progress=on_progress, progress_interval_s=0))
    wait_for(seen.is_set, "200 000 bytes of the shard arrived through the redirect")
    assert bg.cancel_and_time() < 1.0
    assert isinstance(bg.exc, DownloadCancelledError)
    assert part_path(tmp_path / "models" / SHARD).stat().st_size == 200_000  # kept for the resume


def test_stall_is_reported_then_the_download_gives_up_clearly(tmp_path, hub, manifest, fast):
    fast.stall_timeout_s = 0.5
    fast.max_attempts_without_progress = 3
    hub.knobs.redirect = True
    hub.knobs.stall_at[SHARD] = 100_000
    notices: list[tuple[float, str]] = []
    start = {}

    def on_progress(p):
        if p.file == SHARD and p.file_done >= 100_000 and "t" not in start:
            start["t"] = time.monotonic()
        if p.notice:
            notices.append((time.monotonic(), p.notice))

    with pytest.raises(StalledError) as info:
        make(tmp_path, hub, manifest, fast, on_progress=on_progress, progress_interval_s=0).run()
    assert notices and notices[0][1] == STALL_NOTICE
    assert notices[0][0] - start["t"] < 0.5 + 2.0  # reported at the stall bound, not at the give-up
    assert "stalled" in info.value.message and "continues where it stopped" in info.value.hint


def test_second_downloader_into_the_same_folder_is_told_already_downloading(tmp_path, hub, manifest, fast):
    hub.knobs.pause_after[SHARD] = 100_000
    first_has_bytes = threading.Event()

    def on_progress(p):
        if p.file == SHARD and p.file_done >= 100_000:
            first_has_bytes.set()

    first = Background(make(tmp_path, hub, manifest, fast, on_progress=on_progress, progress_interval_s=0))
    wait_for(first_has_bytes.is_set, "the first downloader is inside the shard")
    with pytest.raises(AlreadyDownloadingError) as info:
        make(tmp_path, hub, manifest, fast).run()
    assert "already being downloaded" in info.value.message
    size_seen_by_second = part_path(tmp_path / "models" / SHARD).stat().st_size
    assert size_seen_by_second == 100_000  # the second one appended nothing
    hub.knobs.pause_after.clear()
    hub.knobs.released.set()
    first.thread.join(30)
    assert first.exc is None
    assert make(tmp_path, hub, manifest, fast).run().complete  # the lock is free again


def test_requests_carry_the_real_version_in_the_user_agent(tmp_path, hub, manifest, fast):
    make(tmp_path, hub, manifest, fast).run()
    agents = {r["user_agent"] for r in hub.log}
    api = {r["user_agent"] for r in hub.requests("GET", "/api/")}
    assert api and all(f"glmtts-desktop/{__version__}" in ua for ua in agents)
    assert not any("None" in ua for ua in api)
