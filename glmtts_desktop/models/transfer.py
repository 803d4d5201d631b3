"""Our own byte transfer: ranged, resumable, watched, cancellable, verified, atomic.

A file downloads into ``<file>.part``. Every new attempt — in this process or after a
restart or reboot — asks for ``Range: bytes=<size of .part>-`` and appends, so nothing
already on disk is fetched twice. A server that answers 200 instead of 206 is handled by
restarting that file from zero; a 206 that starts at the wrong byte is refused. The bytes
are hashed as they arrive (the existing prefix is hashed once on resume), checked against
the expected hash, fsynced and only then renamed into place, so a final file name always
holds verified bytes.

Three parts: ``_Attempt`` is one connection (redirects followed here, hop by hop, so the
watchdog always holds the socket of the connection being read — the real Hub redirects
every large file to a CDN); ``publish_verified`` checks the hash and renames; ``fetch_file``
is the retry loop around them, under an inter-process lock on the ``.part`` so two
downloaders never append to the same file.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from glmtts_desktop import fsutil
from glmtts_desktop.i18n import tr
from glmtts_desktop.models.diskspace import disk_full_error
from glmtts_desktop.models.errors import (
    AlreadyDownloadingError,
    DownloadCancelledError,
    IntegrityError,
    NetworkError,
    StalledError,
)
from glmtts_desktop.models.hashing import Expected, StreamHasher, feed_file
from glmtts_desktop.models.layout import part_path

if TYPE_CHECKING:  # imported when a download starts
    import httpx2

log = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
FSYNC_EVERY = 16 * 1024 * 1024
#: HTTP statuses worth retrying (rate limits, gateway trouble)
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
#: what the wizard and the CLI show while a stalled connection is being replaced
STALL_NOTICE = "The connection stalled, retrying…"


class _Busy(NetworkError):
    """A retryable HTTP status (rate limit, gateway trouble)."""


@dataclass
class TransferSettings:
    stall_timeout_s: float = 20.0  # no byte for this long -> drop the connection, say so, retry
    connect_timeout_s: float = 20.0
    max_attempts_without_progress: int = 4  # a permanent stall gives up after about 1.5 minutes
    backoff_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def make_client(settings: TransferSettings) -> httpx2.Client:
    """An httpx2 client (the HTTP library huggingface_hub 2.x itself uses), honouring proxies.

    Redirects are not followed by the client: ``_Attempt`` follows them itself so that every
    hop's connection is traced and can be cut.
    """
    import httpx2

    from glmtts_desktop import __version__

    timeout = httpx2.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.stall_timeout_s,
        write=settings.connect_timeout_s,
        pool=settings.connect_timeout_s,
    )
    # No keep-alive: every request opens its own connection, so the watchdog always learns the
    # socket from the connect trace (a reused connection would hide it until headers arrive).
    # The cost is one handshake per file, nothing next to gigabytes of weights.
    limits = httpx2.Limits(max_keepalive_connections=0)
    return httpx2.Client(
        follow_redirects=False,
        timeout=timeout,
        trust_env=True,
        limits=limits,
        headers={"User-Agent": f"glmtts-desktop/{__version__}", "Accept-Encoding": "identity"},
    )


class _Watchdog:
    """Cuts the current connection when the user cancels or no byte arrived for ``stall_s``.

    Shutting the socket down is what wakes a read blocked inside the HTTP library at once;
    waiting for the library's own read timeout would keep a cancel waiting for a minute.
    The socket is picked up from the connection trace as soon as it is connected — and
    replaced by each new connection (a redirect), so the one being read is the one cut. A
    server that accepts but never answers is cut too, not only one that stops mid-body.
    """

    def __init__(self, cancel: threading.Event, stall_s: float) -> None:
        self.cancel = cancel
        self.stall_s = stall_s
        self.last = time.monotonic()
        self.stalled = False
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._cut = False
        self._thread = threading.Thread(target=self._run, name="download-watchdog", daemon=True)
        self._thread.start()

    def attach(self, stream) -> None:
        if stream is None:
            return
        try:
            sock = stream.get_extra_info("socket")
        except Exception:  # a transport without sockets
            return
        if sock is None:
            return
        with self._lock:
            self._sock = sock
            if self._cut:  # cancelled while this hop was connecting
                self._shutdown(sock)

    def trace(self, event: str, info: dict) -> None:
        """httpcore trace hook: remember the socket the moment the connection exists."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.attach(info.get("return_value"))

    def touch(self) -> None:
        self.last = time.monotonic()

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _run(self) -> None:
        tick = min(0.1, self.stall_s / 4)
        while not self._done.wait(tick):
            if self.cancel.is_set() or time.monotonic() - self.last > self.stall_s:
                with self._lock:
                    self.stalled = not self.cancel.is_set()
                    self._cut = True
                    if self._sock is not None:
                        self._shutdown(self._sock)
                return

    def stop(self) -> None:
        self._done.set()


def _write_all(fh, block: bytes) -> None:
    view = memoryview(block)
    while view:
        n = fh.write(view)
        if not n:
            raise OSError(errno.EIO, "write returned 0")
        view = view[n:]


def _next_hop(url: str, location: str | None) -> str:
    """The redirect target, refusing anything but http(s) and any step down from https."""
    if not location:
        raise NetworkError(tr("The server sent a redirect without a target."), detail=url)
    target = urljoin(url, location)
    old, new = urlsplit(url).scheme, urlsplit(target).scheme
    if new not in ("http", "https") or (old == "https" and new != "https"):
        raise NetworkError(
            tr("The server redirected the download to an address the app does not follow."),
            hint=tr("Choose another source."),
            detail=f"{url} -> {target}",
        )
    return target


class _Attempt:
    """One connection's worth of bytes appended to the ``.part`` (and hashed as written)."""

    def __init__(self, fetch: _Fetch, watchdog: _Watchdog) -> None:
        self.f = fetch
        self.watchdog = watchdog
        self.progressed = False
        self.restarted = False  # the .part was emptied; the next attempt starts from byte 0

    def run(self) -> None:
        f = self.f
        url = f.url
        headers = {"Range": f"bytes={f.have}-"} if f.have else {}
        for _hop in range(MAX_REDIRECTS + 1):
            if f.cancel.is_set():
                raise DownloadCancelledError()
            with f.client.stream(
                "GET", url, headers=headers, extensions={"trace": self.watchdog.trace}
            ) as resp:
                self.watchdog.attach(resp.extensions.get("network_stream"))
                if resp.status_code in REDIRECTS:
                    url = _next_hop(url, resp.headers.get("location"))
                    continue
                self._body(resp, url)
                return
        raise NetworkError(tr("The server redirected the download too many times."), detail=f.url)

    def _body(self, resp, url: str) -> None:
        f = self.f
        status = resp.status_code
        if status == 416 and f.have:
            f.reset_part("server refused the range (416)")
            self.restarted = True
            return
        if status in RETRYABLE:
            raise _Busy(
                tr("The server is busy (HTTP {status}).", status=status),
                hint=tr("Wait a moment and try again."),
                detail=url,
            )
        if status not in (200, 206):
            raise NetworkError(
                tr(
                    "The server refused the download of {name} (HTTP {status}).",
                    name=f.dest.name,
                    status=status,
                ),
                hint=tr("Choose another source and try again."),
                detail=url,
            )
        mode = "ab"
        if status == 200 and f.have:
            log.warning("%s: server answered 200 to a Range request", f.dest.name)
            f.reset_part("server ignored the Range request")
            mode = "wb"
        elif status == 206:
            m = _CONTENT_RANGE.match(resp.headers.get("content-range", ""))
            if not m or int(m.group(1)) != f.have:
                f.reset_part(f"server sent the wrong range {resp.headers.get('content-range')!r}")
                self.restarted = True
                return
        elif status == 200:
            mode = "wb"
        length = resp.headers.get("content-length")
        if length is not None and f.have + int(length) > f.expected.size:
            raise NetworkError(
                tr("The server sends a larger {name} than expected.", name=f.dest.name),
                hint=tr("Choose another source."),
                detail=f"{url} length={length}",
            )
        # unbuffered: every received block is in the file at once, so the .part size is
        # exactly the byte a resume will ask for, even if this process is killed now
        with open(f.part, mode, buffering=0) as fh:
            try:
                self._copy(resp, fh, url)
            finally:
                try:
                    os.fsync(fh.fileno())
                except OSError:
                    pass

    def _copy(self, resp, fh, url: str) -> None:
        f = self.f
        since_sync = 0
        for block in resp.iter_raw():  # each network read as it arrives
            if f.cancel.is_set():
                raise DownloadCancelledError()
            if f.have + len(block) > f.expected.size:
                raise NetworkError(
                    tr("The server sent more bytes of {name} than expected.", name=f.dest.name),
                    hint=tr("Choose another source."),
                    detail=url,
                )
            _write_all(fh, block)
            f.hasher.update(block)
            f.have += len(block)
            f.hashed_upto = f.have
            since_sync += len(block)
            self.progressed = True
            self.watchdog.touch()
            f.on_bytes(len(block))
            if since_sync >= FSYNC_EVERY:
                os.fsync(fh.fileno())
                since_sync = 0


@dataclass
class _Fetch:
    """The state of one file's download across attempts."""

    url: str
    dest: Path
    part: Path
    expected: Expected
    client: httpx2.Client
    cancel: threading.Event
    on_bytes: Callable[[int], None]
    on_reset: Callable[[int], None]
    hasher: StreamHasher
    have: int = 0
    hashed_upto: int = 0

    def reset_part(self, reason: str) -> None:
        have = self.part.stat().st_size if self.part.exists() else 0
        log.warning("%s: restarting from byte 0 (%s); dropping %d bytes", self.dest.name, reason, have)
        with open(self.part, "wb") as fh:
            os.fsync(fh.fileno())
        self.hasher, self.hashed_upto, self.have = StreamHasher(self.expected), 0, 0
        if have:
            self.on_reset(have)

    def sync_with_disk(self) -> None:
        """Take the ``.part`` as it is on disk; hash a prefix not hashed yet (a resume)."""
        self.have = self.part.stat().st_size if self.part.exists() else 0
        if self.have > self.expected.size:
            self.reset_part("partial file larger than the real file")
        if self.hashed_upto != self.have:
            if self.hashed_upto > self.have:
                self.hasher, self.hashed_upto = StreamHasher(self.expected), 0
            feed_file(self.hasher, self.part, start=self.hashed_upto, stop=self.have, cancel=self.cancel)
            self.hashed_upto = self.have


def publish_verified(part: Path, dest: Path, hasher: StreamHasher, *, url: str = "") -> None:
    """Rename a complete ``.part`` into place if its hash is right; drop it if not."""
    expected = hasher.expected
    if not hasher.matches():
        fsutil.remove_quietly(part)
        raise IntegrityError(
            tr("The downloaded {name} is damaged (its checksum is wrong).", name=dest.name),
            hint=tr("Start the download again; only this file is fetched again."),
            detail=f"{url}: got {hasher.digest()}, expected {expected.sha256 or expected.git_sha1}",
        )
    if not expected.has_hash:
        log.warning("%s: no hash known; accepted on size only", dest.name)
    os.replace(part, dest)
    fsutil.fsync_dir(dest.parent)
    log.info("%s: verified and in place", dest)


def _give_up(error: BaseException, stalled: bool, dest: Path, url: str, settings: TransferSettings):
    import httpx2

    if stalled or isinstance(error, httpx2.TimeoutException):
        return StalledError(
            tr(
                "The download of {name} stalled: no data arrived for {stall_timeout_s:.0f} seconds, {max_attempts_without_progress} times.",
                name=dest.name,
                stall_timeout_s=settings.stall_timeout_s,
                max_attempts_without_progress=settings.max_attempts_without_progress,
            ),
            hint=tr(
                "Check the connection or choose another source; the download continues where it stopped."
            ),
            detail=f"{url}: {error}",
        )
    if isinstance(error, NetworkError):
        return error
    return NetworkError(
        tr("The download of {name} keeps failing.", name=dest.name),
        hint=tr("Check the connection or choose another source; the download continues where it stopped."),
        detail=f"{url}: {error}",
    )


def part_lock(part: Path, lock_path: Path | None = None):
    """An inter-process lock owning ``part``: a second downloader is told at once, not let in."""
    from filelock import FileLock, Timeout

    path = lock_path or part.with_name(part.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AlreadyDownloadingError(
            tr(
                "{name} is already being downloaded by another window or command.",
                name=part.name[: -len(".part")],
            ),
            hint=tr("Wait for that download to finish (or stop it), then try again."),
            detail=str(path),
        ) from None
    return lock


def fetch_file(
    url: str,
    dest: Path,
    expected: Expected,
    *,
    client,
    cancel: threading.Event,
    on_bytes: Callable[[int], None] = lambda n: None,
    on_reset: Callable[[int], None] = lambda n: None,
    on_stall: Callable[[str], None] = lambda msg: None,
    settings: TransferSettings | None = None,
    lock_path: Path | None = None,
) -> None:
    """Download ``url`` to ``dest`` with resume; raise a ModelsError subclass on failure.

    ``on_bytes(n)`` reports newly written bytes, ``on_reset(n)`` that ``n`` bytes already
    counted were thrown away (server ignored Range, or a bad .part), ``on_stall(msg)`` that
    the connection stalled and is being replaced. The .part is kept on every failure except
    a hash mismatch, where it is worthless.
    """
    settings = settings or TransferSettings()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    lock = part_lock(part, lock_path)
    try:
        f = _Fetch(url, dest, part, expected, client, cancel, on_bytes, on_reset, StreamHasher(expected))
        _retry_loop(f, settings, on_stall)
        publish_verified(part, dest, f.hasher, url=url)
    finally:
        lock.release()


def _retry_loop(f: _Fetch, settings: TransferSettings, on_stall: Callable[[str], None]) -> None:
    import httpx2

    attempts_without_progress = 0
    while True:
        if f.cancel.is_set():
            raise DownloadCancelledError()
        f.sync_with_disk()
        if f.have == f.expected.size:
            return
        watchdog = _Watchdog(f.cancel, settings.stall_timeout_s)
        attempt = _Attempt(f, watchdog)
        error: BaseException | None = None
        try:
            attempt.run()
        except OSError as exc:  # local write failure
            if fsutil.is_disk_full(exc):
                raise disk_full_error(f.part, exc) from exc
            raise
        except (httpx2.TransportError, _Busy) as exc:
            error = exc
        finally:
            watchdog.stop()
        if f.cancel.is_set():
            raise DownloadCancelledError()
        if error is None and attempt.restarted:
            attempts_without_progress += 1  # a server that keeps refusing ranges must not loop forever
            if attempts_without_progress >= settings.max_attempts_without_progress:
                raise NetworkError(
                    tr("The server keeps sending the wrong part of {name}.", name=f.dest.name), detail=f.url
                )
            continue
        if error is None:
            if f.have == f.expected.size:
                continue  # the loop top checks and returns
            error = NetworkError(tr("The connection ended early."), detail=f"{f.url} at byte {f.have}")
        stalled = watchdog.stalled
        attempts_without_progress = 0 if attempt.progressed else attempts_without_progress + 1
        log.info(
            "%s: attempt ended at byte %d/%d (%s%s)",
            f.dest.name,
            f.have,
            f.expected.size,
            type(error).__name__,
            ", stalled" if stalled else "",
        )
        if attempts_without_progress >= settings.max_attempts_without_progress:
            raise _give_up(error, stalled, f.dest, f.url, settings) from error
        if stalled or isinstance(error, httpx2.TimeoutException):
            on_stall(tr("The connection stalled, retrying…"))  # = STALL_NOTICE, translated
        delay = (
            settings.backoff_s[min(attempts_without_progress, len(settings.backoff_s) - 1)]
            if attempts_without_progress
            else 0.0
        )
        if delay and f.cancel.wait(delay):
            raise DownloadCancelledError()
