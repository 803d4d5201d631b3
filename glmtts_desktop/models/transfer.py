"""Our own byte transfer: ranged, resumable, watched, cancellable, verified, atomic.

A file downloads into ``<file>.part``. Every new attempt — in this process or after a
restart or reboot — asks for ``Range: bytes=<size of .part>-`` and appends, so nothing
already on disk is fetched twice. A server that answers 200 instead of 206 is handled by
restarting that file from zero; a 206 that starts at the wrong byte is refused. The bytes
are hashed as they arrive (the existing prefix is hashed once on resume), checked against
the expected hash, fsynced and only then renamed into place, so a final file name always
holds verified bytes.
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

from glmtts_desktop.models.diskspace import disk_full_error
from glmtts_desktop.models.errors import DownloadCancelledError, IntegrityError, NetworkError, StalledError
from glmtts_desktop.models.hashing import Expected, StreamHasher, feed_file
from glmtts_desktop.models.layout import part_path

log = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
FSYNC_EVERY = 16 * 1024 * 1024
#: HTTP statuses worth retrying (rate limits, gateway trouble)
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class _Busy(NetworkError):
    """A retryable HTTP status (rate limit, gateway trouble)."""


@dataclass
class TransferSettings:
    stall_timeout_s: float = 60.0  # no byte for this long -> drop the connection, retry
    connect_timeout_s: float = 20.0
    max_attempts_without_progress: int = 6
    backoff_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def make_client(settings: TransferSettings):
    """An httpx2 client (the HTTP library huggingface_hub 2.x itself uses), honouring proxies."""
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
        follow_redirects=True,
        timeout=timeout,
        trust_env=True,
        limits=limits,
        headers={"User-Agent": f"glmtts-desktop/{__version__}", "Accept-Encoding": "identity"},
    )


class _Watchdog:
    """Cuts the connection when the user cancels or no byte arrived for ``stall_s``.

    Shutting the socket down is what wakes a read blocked inside the HTTP library at once;
    waiting for the library's own read timeout would keep a cancel waiting for a minute.
    The socket is picked up from the connection trace as soon as it is connected, so a
    server that accepts but never answers is cut too, not only one that stops mid-body.
    """

    def __init__(self, cancel: threading.Event, stall_s: float) -> None:
        self.cancel = cancel
        self.stall_s = stall_s
        self.last = time.monotonic()
        self.stalled = False
        self._done = threading.Event()
        self._sock = None
        self._thread = threading.Thread(target=self._run, name="download-watchdog", daemon=True)
        self._thread.start()

    def attach(self, stream) -> None:
        if stream is None or self._sock is not None:
            return
        try:
            self._sock = stream.get_extra_info("socket")
        except Exception:  # a transport without sockets
            self._sock = None

    def trace(self, event: str, info: dict) -> None:
        """httpcore trace hook: remember the socket the moment the connection exists."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.attach(info.get("return_value"))

    def touch(self) -> None:
        self.last = time.monotonic()

    def _run(self) -> None:
        tick = min(0.25, self.stall_s / 4)
        while not self._done.wait(tick):
            if self.cancel.is_set() or time.monotonic() - self.last > self.stall_s:
                self.stalled = not self.cancel.is_set()
                if self._sock is not None:
                    try:
                        self._sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
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


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fetch_file(
    url: str,
    dest: Path,
    expected: Expected,
    *,
    client,
    cancel: threading.Event,
    on_bytes: Callable[[int], None] = lambda n: None,
    on_reset: Callable[[int], None] = lambda n: None,
    settings: TransferSettings | None = None,
) -> None:
    """Download ``url`` to ``dest`` with resume; raise a ModelsError subclass on failure.

    ``on_bytes(n)`` reports newly written bytes, ``on_reset(n)`` that ``n`` bytes already
    counted were thrown away (server ignored Range, or a bad .part). The .part is kept on
    every failure except a hash mismatch, where it is worthless.
    """
    import httpx2

    settings = settings or TransferSettings()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    hasher = StreamHasher(expected)
    hashed_upto = 0
    attempts_without_progress = 0

    def reset_part(reason: str) -> None:
        nonlocal hasher, hashed_upto
        have = part.stat().st_size if part.exists() else 0
        log.warning("%s: restarting from byte 0 (%s); dropping %d bytes", dest.name, reason, have)
        with open(part, "wb") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        hasher, hashed_upto = StreamHasher(expected), 0
        if have:
            on_reset(have)

    while True:
        if cancel.is_set():
            raise DownloadCancelledError()
        have = part.stat().st_size if part.exists() else 0
        if have > expected.size:
            reset_part("partial file larger than the real file")
            have = 0
        if hashed_upto != have:  # resume after a restart: hash the prefix once
            if hashed_upto > have:
                hasher, hashed_upto = StreamHasher(expected), 0
            feed_file(hasher, part, start=hashed_upto, stop=have, cancel=cancel)
            hashed_upto = have
        if have == expected.size:
            break
        headers = {"Range": f"bytes={have}-"} if have else {}
        progressed = False
        watchdog = _Watchdog(cancel, settings.stall_timeout_s)
        error: BaseException | None = None
        try:
            with client.stream("GET", url, headers=headers, extensions={"trace": watchdog.trace}) as resp:
                watchdog.attach(resp.extensions.get("network_stream"))
                status = resp.status_code
                if status == 416 and have:
                    reset_part("server refused the range (416)")
                    continue
                if status in RETRYABLE:
                    raise _Busy(
                        f"The server is busy (HTTP {status}).",
                        hint="Wait a moment and try again.",
                        detail=url,
                    )
                if status not in (200, 206):
                    raise NetworkError(
                        f"The server refused the download of {dest.name} (HTTP {status}).",
                        hint="Choose another source and try again.",
                        detail=url,
                    )
                mode = "ab"
                if status == 200 and have:
                    log.warning("%s: server answered 200 to a Range request", dest.name)
                    reset_part("server ignored the Range request")
                    have = 0
                    mode = "wb"
                elif status == 206:
                    m = _CONTENT_RANGE.match(resp.headers.get("content-range", ""))
                    if not m or int(m.group(1)) != have:
                        reset_part(f"server sent the wrong range {resp.headers.get('content-range')!r}")
                        continue
                elif status == 200:
                    mode = "wb"
                length = resp.headers.get("content-length")
                if length is not None and have + int(length) > expected.size:
                    raise NetworkError(
                        f"The server sends a larger {dest.name} than expected.",
                        hint="Choose another source.",
                        detail=f"{url} length={length}",
                    )
                since_sync = 0
                # unbuffered: every received block is in the file at once, so the .part size is
                # exactly the byte a resume will ask for, even if this process is killed now
                with open(part, mode, buffering=0) as fh:
                    try:
                        for block in resp.iter_raw():  # each network read as it arrives
                            if cancel.is_set():
                                raise DownloadCancelledError()
                            if have + len(block) > expected.size:
                                raise NetworkError(
                                    f"The server sent more bytes of {dest.name} than expected.",
                                    hint="Choose another source.",
                                    detail=url,
                                )
                            _write_all(fh, block)
                            hasher.update(block)
                            have += len(block)
                            hashed_upto = have
                            since_sync += len(block)
                            progressed = True
                            watchdog.touch()
                            on_bytes(len(block))
                            if since_sync >= FSYNC_EVERY:
                                fh.flush()
                                os.fsync(fh.fileno())
                                since_sync = 0
                    finally:
                        try:
                            fh.flush()
                            os.fsync(fh.fileno())
                        except OSError:
                            pass
        except OSError as exc:  # local write failure
            if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
                raise disk_full_error(part, exc) from exc
            raise
        except httpx2.TransportError as exc:
            error = exc
        except _Busy as exc:
            error = exc
        finally:
            watchdog.stop()
        if cancel.is_set():
            raise DownloadCancelledError()
        if error is None:
            if have == expected.size:
                continue  # loop top verifies bookkeeping and breaks
            error = NetworkError("The connection ended early.", detail=f"{url} at byte {have}")
        stalled = watchdog.stalled
        attempts_without_progress = 0 if progressed else attempts_without_progress + 1
        log.info(
            "%s: attempt ended at byte %d/%d (%s%s)",
            dest.name,
            have,
            expected.size,
            type(error).__name__,
            ", stalled" if stalled else "",
        )
        if attempts_without_progress >= settings.max_attempts_without_progress:
            if stalled or isinstance(error, httpx2.TimeoutException):
                raise StalledError(
                    f"The download of {dest.name} stalled: no data arrived for "
                    f"{settings.stall_timeout_s:.0f} seconds, several times.",
                    hint="Check the connection or choose another source; the download "
                    "continues where it stopped.",
                    detail=f"{url}: {error}",
                ) from error
            if isinstance(error, NetworkError):
                raise error
            raise NetworkError(
                f"The download of {dest.name} keeps failing.",
                hint="Check the connection or choose another source; the download "
                "continues where it stopped.",
                detail=f"{url}: {error}",
            ) from error
        delay = (
            settings.backoff_s[min(attempts_without_progress, len(settings.backoff_s) - 1)]
            if attempts_without_progress
            else 0.0
        )
        if delay and cancel.wait(delay):
            raise DownloadCancelledError()

    if not hasher.matches():
        try:
            part.unlink()
        except OSError:
            pass
        raise IntegrityError(
            f"The downloaded {dest.name} is damaged (its checksum is wrong).",
            hint="Start the download again; only this file is fetched again.",
            detail=f"{url}: got {hasher.digest()}, expected {expected.sha256 or expected.git_sha1}",
        )
    if not expected.has_hash:
        log.warning("%s: no hash known; accepted on size only", dest.name)
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    log.info("%s: verified and in place", dest)
