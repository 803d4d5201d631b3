"""The whole download: plan, check space, fetch each missing file, verify, remember.

One file at a time (mirrors rate-limit parallel downloads). Progress goes to one callback
as ``DownloadProgress`` snapshots, throttled to about ten per second, from the thread that
runs ``Downloader.run``; the GUI forwards them through a queued signal, the CLI to tqdm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models import diskspace
from glmtts_desktop.models.cleanup import clean_orphans
from glmtts_desktop.models.codecheck import CODE_COMPONENTS, trust_downloaded
from glmtts_desktop.models.endpoints import Endpoint, normalize_endpoint
from glmtts_desktop.models.errors import IntegrityError, NetworkError
from glmtts_desktop.models.hashing import Expected, file_matches
from glmtts_desktop.models.hubmeta import PlanItem, build_plan, resolve_commit
from glmtts_desktop.models.layout import parse_sample_rates, part_path, state_dir
from glmtts_desktop.models.manifest import Manifest, load_manifest
from glmtts_desktop.models.state import DOWNLOAD_STATE, VERIFIED, read_json, write_json
from glmtts_desktop.models.transfer import TransferSettings, fetch_file, make_client
from glmtts_desktop.models.verify import VerifyReport, record_verified, verify_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadProgress:
    phase: str  # "metadata" | "checking" | "downloading" | "done"
    file: str
    file_index: int
    file_count: int
    file_done: int
    file_total: int
    done: int
    total: int
    speed_bps: float
    eta_s: float | None
    notice: str = ""  # e.g. "The connection stalled, retrying…" until bytes flow again


# DownloadProgress's fields up to ``total``: what a throttled report keeps until it is sent
_Snapshot = tuple[str, str, int, int, int, int, int, int]


class _Meter:
    """Smoothed speed over the last few seconds, for a steady 'time left'."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window = window_s
        self.samples: list[tuple[float, int]] = []
        self.count = 0

    def add(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        self.samples.append((now, self.count))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.pop(0)

    def speed(self) -> float:
        """Bytes per second over the window up to now, so a stall shows as falling speed."""
        if len(self.samples) < 2:
            return 0.0
        now = time.monotonic()
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.pop(0)
        (t0, c0), (_, c1) = self.samples[0], self.samples[-1]
        return (c1 - c0) / (now - t0) if now > t0 else 0.0


class Downloader:
    """Gets the weights for ``sample_rates`` from ``endpoint`` into ``model_dir``."""

    def __init__(
        self,
        model_dir: Path,
        *,
        endpoint: str | Endpoint | None = None,
        sample_rates: Iterable[int] | str = (24000,),
        manifest: Manifest | None = None,
        settings: TransferSettings | None = None,
        on_progress: Callable[[DownloadProgress], None] = lambda p: None,
        cancel: threading.Event | None = None,
        client=None,
        progress_interval_s: float = 0.1,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else normalize_endpoint(endpoint)
        self.sample_rates = parse_sample_rates(sample_rates)
        self.manifest = manifest or load_manifest()
        self.settings = settings or TransferSettings()
        self.on_progress = on_progress
        self.cancel = cancel or threading.Event()
        self._client = client
        self._interval = progress_interval_s
        self._last_emit = 0.0
        self._meter = _Meter()
        self._lock = threading.Lock()
        self._pending: _Snapshot | None = None  # a throttled snapshot the ticker still has to send
        self._last_args: _Snapshot | None = None
        self._notice = ""

    # -- planning ---------------------------------------------------------------------
    def plan(self) -> list[PlanItem]:
        """Fetch metadata, cross-check with the manifest, remember it for resume and verify."""
        self._emit("metadata", "", 0, 0, 0, 0, 0, 0, force=True)
        specs = self.manifest.files_for(self.sample_rates)
        state = read_json(self.model_dir, DOWNLOAD_STATE)
        remembered_commits = (
            {
                k: v
                for k, v in state.get("commits", {}).items()
                if state.get("repos", {}).get(k) == self.manifest.sources[k].repo_id
            }
            if isinstance(state.get("commits"), dict)
            else {}
        )
        items, commits = build_plan(
            self.manifest,
            specs,
            self.endpoint.url,
            self.model_dir,
            commits=remembered_commits,
            cancel=self.cancel,
        )
        old_expected = state.get("expected", {})
        for item in items:
            old = old_expected.get(item.spec.path)
            if old and Expected.from_json(old) != item.expected:
                part = part_path(item.dest)
                if part.exists():
                    log.warning(
                        "%s: expected bytes changed since the last run; dropping its .part", item.spec.path
                    )
                    part.unlink()
        expected = dict(old_expected)
        expected.update({i.spec.path: i.expected.to_json() for i in items})
        write_json(
            self.model_dir,
            DOWNLOAD_STATE,
            {
                "version": 1,
                "endpoint": self.endpoint.url,
                "commits": commits,
                "repos": {k: self.manifest.sources[k].repo_id for k in commits},
                "expected": expected,
            },
        )
        return items

    # -- running ----------------------------------------------------------------------
    def run(self) -> VerifyReport:
        """Download what is missing and return the final verification report."""
        self.model_dir.mkdir(parents=True, exist_ok=True)
        clean_orphans(
            self.model_dir,
            keep_parts=[f.path for f in self.manifest.files],
        )
        items = self.plan()
        todo = self._still_needed(items)
        total = sum(i.expected.size for i in items)
        done = total - sum(i.expected.size for i in todo)
        have_parts = sum(
            min(part_path(i.dest).stat().st_size, i.expected.size) for i in todo if part_path(i.dest).exists()
        )
        diskspace.check_space(self.model_dir, sum(i.expected.size for i in todo) - have_parts)
        owns_client = self._client is None
        client = self._client or make_client(self.settings)
        stop_ticker = threading.Event()
        ticker = threading.Thread(
            target=self._tick, args=(stop_ticker,), name="download-progress", daemon=True
        )
        ticker.start()
        try:
            for idx, item in enumerate(todo):
                done = self._fetch_one(client, item, idx, len(todo), done, total)
        finally:
            stop_ticker.set()
            ticker.join()
            if owns_client:
                client.close()
        self._emit("done", "", len(todo), len(todo), 0, 0, total, total, force=True)
        return verify_files(
            self.model_dir, self.manifest.files_for(self.sample_rates), full=True, cancel=self.cancel
        )

    def _still_needed(self, items: list[PlanItem]) -> list[PlanItem]:
        record = read_json(self.model_dir, VERIFIED).get("files", {})
        todo = []
        for i, item in enumerate(items):
            try:
                st = item.dest.stat()
            except OSError:
                todo.append(item)
                continue
            rec = record.get(item.spec.path)
            digest = item.expected.sha256 or item.expected.git_sha1
            if (
                rec
                and rec.get("size") == st.st_size
                and rec.get("mtime_ns") == st.st_mtime_ns
                and rec.get("digest") == digest
            ):
                continue
            self._emit("checking", item.spec.path, i, len(items), 0, item.expected.size, 0, 0, force=True)
            if file_matches(item.dest, item.expected, cancel=self.cancel):
                record_verified(self.model_dir, item.spec.path, item.expected)
                continue
            log.warning("%s is present but wrong; it will be fetched again", item.spec.path)
            todo.append(item)
        return todo

    def _fetch_one(self, client, item: PlanItem, idx: int, count: int, done: int, total: int) -> int:
        part = part_path(item.dest)
        state = {
            "file_done": min(part.stat().st_size, item.expected.size) if part.exists() else 0,
            "done": done + (min(part.stat().st_size, item.expected.size) if part.exists() else 0),
        }

        def on_bytes(n: int) -> None:
            if self._notice:
                self._notice = ""  # bytes flow again
            state["file_done"] += n
            state["done"] += n
            self._meter.add(n)
            self._emit(
                "downloading",
                item.spec.path,
                idx,
                count,
                state["file_done"],
                item.expected.size,
                state["done"],
                total,
            )

        def on_reset(n: int) -> None:
            state["file_done"] -= n
            state["done"] -= n

        def report_now() -> None:
            self._emit(
                "downloading",
                item.spec.path,
                idx,
                count,
                state["file_done"],
                item.expected.size,
                state["done"],
                total,
                force=True,
            )

        def on_stall(message: str) -> None:
            log.warning("%s: %s", item.spec.path, message)
            self._notice = message
            report_now()

        report_now()
        for attempt in (1, 2):
            try:
                fetch_file(
                    item.url,
                    item.dest,
                    item.expected,
                    client=client,
                    cancel=self.cancel,
                    on_bytes=on_bytes,
                    on_reset=on_reset,
                    on_stall=on_stall,
                    settings=self.settings,
                    lock_path=state_dir(self.model_dir)
                    / "locks"
                    / (item.spec.path.replace("/", "__") + ".lock"),
                )
                break
            except IntegrityError:
                on_reset(state["file_done"])
                if attempt == 2:
                    raise
                log.warning("%s failed its checksum; fetching this file once more", item.spec.path)
        record_verified(self.model_dir, item.spec.path, item.expected)
        if item.spec.component in CODE_COMPONENTS:
            trust_downloaded(
                self.manifest,
                item.spec,
                item.expected.sha256,
                endpoint=self.endpoint.url,
                commit=item.commit,
                pinned=item.expected.pinned,
            )
        return done + item.expected.size

    def _emit(
        self,
        phase: str,
        file: str,
        idx: int,
        count: int,
        file_done: int,
        file_total: int,
        done: int,
        total: int,
        force: bool = False,
    ) -> None:
        args: _Snapshot = (phase, file, idx, count, file_done, file_total, done, total)
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_emit < self._interval:
                self._pending = args  # sent by the ticker unless a newer one comes first
                return
            self._pending = None
            self._last_emit = now
            self._send(args)

    def _send(self, args: _Snapshot) -> None:
        self._last_args = args
        speed = self._meter.speed()
        done, total = args[6], args[7]
        eta = (total - done) / speed if speed > 0 and total >= done else None
        self.on_progress(DownloadProgress(*args, speed, eta, self._notice))

    def _tick(self, stop: threading.Event) -> None:
        """Send the last throttled snapshot, and a fresh speed while bytes are not arriving."""
        period = max(self._interval, 0.05)
        while not stop.wait(period):
            with self._lock:
                args, self._pending = self._pending, None
                if (
                    args is None
                    and self._last_args is not None
                    and self._last_args[0] == "downloading"
                    and time.monotonic() - self._last_emit >= 1.0
                ):
                    args = self._last_args  # nothing new for a while: speed and time left stay honest
                if args is not None:
                    self._last_emit = time.monotonic()
                    self._send(args)


@dataclass(frozen=True)
class ConnectionReport:
    endpoint: str
    seconds: float
    bytes: int
    speed_bps: float

    def sentence(self) -> str:
        return tr(
            "Connected to {endpoint}: fetched {size} bytes in {seconds:.2f} s ({speed}/s).",
            endpoint=self.endpoint,
            size=self.bytes,
            seconds=self.seconds,
            speed=diskspace.human(self.speed_bps),
        )


def test_connection(
    endpoint: str | Endpoint, manifest: Manifest | None = None, timeout_s: float = 20.0
) -> ConnectionReport:
    """Fetch the smallest file of the weights from ``endpoint`` and time it."""
    from huggingface_hub import hf_hub_url

    ep = endpoint if isinstance(endpoint, Endpoint) else normalize_endpoint(endpoint)
    manifest = manifest or load_manifest()
    spec = min((f for f in manifest.files), key=lambda f: f.size if f.size is not None else 1 << 62)
    source = manifest.sources[spec.source]
    start = time.monotonic()
    commit = resolve_commit(ep.url, source)
    url = hf_hub_url(source.repo_id, spec.remote_path, revision=commit, endpoint=ep.url)
    client = make_client(TransferSettings(stall_timeout_s=timeout_s, connect_timeout_s=timeout_s))
    try:
        resp = client.get(url, follow_redirects=True)
    except Exception as exc:
        raise NetworkError(
            tr("Could not reach {url}.", url=ep.url),
            hint=tr("Check the internet connection or choose another source."),
            detail=f"{url}: {exc}",
        ) from exc
    finally:
        client.close()
    if resp.status_code != 200:
        raise NetworkError(
            tr(
                "{url} answered with an error (HTTP {status_code}).", url=ep.url, status_code=resp.status_code
            ),
            hint=tr("Choose another source."),
            detail=url,
        )
    seconds = max(time.monotonic() - start, 1e-6)
    return ConnectionReport(ep.url, seconds, len(resp.content), len(resp.content) / seconds)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name
