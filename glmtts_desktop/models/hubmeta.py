"""Metadata from the Hub (or a mirror): the commit to fetch and each file's size and hashes.

Only metadata goes through huggingface_hub (``HfApi(endpoint=...)``); the bytes go through
our own resumable transfer. The plan built here cross-checks the Hub's listing against the
pinned manifest: the manifest wins, and a source whose listing disagrees is refused before
a single byte is fetched.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.models.endpoints import prepare_hub_env
from glmtts_desktop.models.errors import (
    DownloadCancelledError,
    NetworkError,
    NotOfferedError,
    SourceMismatchError,
    StalledError,
)
from glmtts_desktop.models.hashing import Expected
from glmtts_desktop.models.layout import local_path, safe_relpath
from glmtts_desktop.models.manifest import FileSpec, Manifest, Source

log = logging.getLogger(__name__)

#: no byte for this long on a metadata connection -> that request fails
META_TIMEOUT_S = 30.0
#: a whole metadata call (a paginated listing included) may take this long at most
META_DEADLINE_S = 90.0


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str | None  # LFS files only
    git_sha1: str | None  # the git blob id


@dataclass(frozen=True)
class PlanItem:
    spec: FileSpec
    url: str
    dest: Path
    expected: Expected
    commit: str


_ONLINE_LOCK = threading.Lock()
_online_users = 0
_offline_before = False


@contextlib.contextmanager
def hub_online():
    """Allow huggingface_hub to reach the network for one user-started metadata call.

    The app (and the test suite) may run with HF_HUB_OFFLINE=1 so nothing else ever goes
    online; the download the user asked for is the one exception, and only for its duration.
    A count, not a lock held across the call: a call abandoned on cancel (still waiting for
    its own timeout) must not block the next one.
    """
    global _online_users, _offline_before
    prepare_hub_env()
    from huggingface_hub import constants

    with _ONLINE_LOCK:
        if _online_users == 0:
            _offline_before = constants.HF_HUB_OFFLINE
        _online_users += 1
        constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        with _ONLINE_LOCK:
            _online_users -= 1
            if _online_users == 0:
                constants.HF_HUB_OFFLINE = _offline_before


def _bounded_client():
    """huggingface_hub's shared client, but with timeouts: its default waits forever on a stall."""
    import httpx2
    from huggingface_hub.utils._http import hf_request_event_hook

    from glmtts_desktop import __version__

    return httpx2.Client(
        event_hooks={"request": [hf_request_event_hook]},
        follow_redirects=True,
        timeout=httpx2.Timeout(META_TIMEOUT_S, connect=20.0),
        # a fresh connection per call: a kept-alive one that went stale (a proxy, a restarted
        # server) can swallow a request until the read timeout; metadata calls are few
        limits=httpx2.Limits(max_keepalive_connections=0),
        headers={"User-Agent": f"glmtts-desktop/{__version__}"},
    )


_CLIENT_SET = False


def _use_bounded_client() -> None:
    global _CLIENT_SET
    if not _CLIENT_SET:
        from huggingface_hub import set_client_factory

        set_client_factory(_bounded_client)
        _CLIENT_SET = True


def bounded_call(fn, *, what: str, endpoint: str, cancel: threading.Event | None, deadline_s: float):
    """Run one metadata call in a helper thread; return at once on cancel, fail at the deadline.

    The library call cannot be interrupted from outside, so it is left to end on its own
    read timeout (its thread is a daemon); the person is not kept waiting for it.
    """
    result: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name=f"hub-{what}", daemon=True).start()
    cancel = cancel or threading.Event()
    deadline = time.monotonic() + deadline_s
    while not done.wait(0.05):
        if cancel.is_set():
            raise DownloadCancelledError()
        if time.monotonic() >= deadline:
            raise StalledError(
                tr(
                    "{endpoint} did not answer ({what}) within {deadline_s:.0f} seconds.",
                    endpoint=endpoint,
                    what=tr(what),
                    deadline_s=deadline_s,
                ),
                hint=tr(
                    "Check the internet connection or choose another source "
                    "(for example https://hf-mirror.com), then try again."
                ),
                detail=f"{what} at {endpoint}",
            )
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _api(endpoint: str):
    prepare_hub_env()
    _use_bounded_client()
    from huggingface_hub import HfApi

    from glmtts_desktop import __version__

    # token=False: never send a stored Hugging Face token to a mirror or custom address.
    return HfApi(endpoint=endpoint, token=False, library_name="glmtts-desktop", library_version=__version__)


def _network_error(what: str, endpoint: str, exc: BaseException) -> NetworkError:
    text = f"{type(exc).__name__}: {exc}"
    name = type(exc).__name__
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status == 404 or name in (
        "RepositoryNotFoundError",
        "RevisionNotFoundError",
        "EntryNotFoundError",
        "RemoteEntryNotFoundError",
    ):
        return NotOfferedError(
            tr(
                "The source {endpoint} does not offer the GLM-TTS files ({what}).",
                endpoint=endpoint,
                what=tr(what),
            ),
            hint=tr("Choose another source (official or mirror) and try again."),
            detail=text,
        )
    return NetworkError(
        tr("Could not reach {endpoint} ({what}).", endpoint=endpoint, what=tr(what)),
        hint=tr(
            "Check the internet connection or choose another source "
            "(for example https://hf-mirror.com), then try again."
        ),
        detail=text,
    )


def resolve_commit(endpoint: str, source: Source, *, cancel: threading.Event | None = None) -> str:
    """The commit to download: the pinned one, or the current commit of ``default_ref``."""
    if source.revision:
        return source.revision
    api = _api(endpoint)

    def call():
        with hub_online():
            return api.model_info(source.repo_id, revision=source.default_ref, timeout=META_TIMEOUT_S)

    try:
        info = bounded_call(
            call, what=N_("revision"), endpoint=endpoint, cancel=cancel, deadline_s=META_DEADLINE_S
        )
    except (DownloadCancelledError, StalledError):
        raise
    except Exception as exc:  # httpx2 / HfHubHTTPError / ValueError from bad JSON
        raise _network_error("revision", endpoint, exc) from exc
    sha = getattr(info, "sha", None)
    if not sha or len(sha) != 40:
        raise NetworkError(
            tr(
                "The source {endpoint} gave no usable commit for {repo_id}.",
                endpoint=endpoint,
                repo_id=source.repo_id,
            ),
            hint=tr("Choose another source and try again."),
            detail=repr(sha),
        )
    log.warning(
        "source %s is not pinned to a commit; resolved %s@%s to %s",
        source.name,
        source.repo_id,
        source.default_ref,
        sha,
    )
    return sha


def list_remote_files(
    endpoint: str, repo_id: str, commit: str, *, cancel: threading.Event | None = None
) -> dict[str, RemoteFile]:
    """All files of ``repo_id`` at ``commit``; any unsafe name refuses the whole listing."""
    api = _api(endpoint)
    out: dict[str, RemoteFile] = {}

    def call():
        with hub_online():
            return list(api.list_repo_tree(repo_id, revision=commit, recursive=True))

    try:
        entries = bounded_call(
            call, what=N_("file list"), endpoint=endpoint, cancel=cancel, deadline_s=META_DEADLINE_S
        )
    except (DownloadCancelledError, StalledError):
        raise
    except Exception as exc:
        raise _network_error("file list", endpoint, exc) from exc
    for e in entries:
        path = safe_relpath(getattr(e, "path", ""))
        if not hasattr(e, "size"):  # a folder
            continue
        lfs = getattr(e, "lfs", None)
        out[path] = RemoteFile(
            path=path,
            size=int(e.size),
            sha256=(lfs.sha256 if lfs else None),
            git_sha1=getattr(e, "blob_id", None),
        )
    return out


def expected_for(spec: FileSpec, remote: RemoteFile | None, endpoint: str) -> Expected:
    """Merge manifest and remote metadata; refuse a source that contradicts the manifest."""
    if remote is None:
        raise SourceMismatchError(
            tr(
                "The source {endpoint} does not have the file {remote_path}.",
                endpoint=endpoint,
                remote_path=spec.remote_path,
            ),
            hint=tr("Choose another source (official or mirror)."),
            detail=f"{spec.source}:{spec.remote_path}",
        )
    if spec.size is not None and remote.size != spec.size:
        raise SourceMismatchError(
            tr(
                "The source {endpoint} offers a different {path} than the app expects.",
                endpoint=endpoint,
                path=spec.path,
            ),
            hint=tr("This source may be outdated or altered; choose another source."),
            detail=f"size manifest={spec.size} remote={remote.size}",
        )
    if spec.sha256 is not None and remote.sha256 is not None and remote.sha256 != spec.sha256:
        raise SourceMismatchError(
            tr(
                "The source {endpoint} offers a different {path} than the app expects.",
                endpoint=endpoint,
                path=spec.path,
            ),
            hint=tr("This source may be outdated or altered; choose another source."),
            detail=f"sha256 manifest={spec.sha256} remote={remote.sha256}",
        )
    if spec.sha256 is not None:
        return Expected(size=remote.size, sha256=spec.sha256, pinned=True)
    if remote.sha256:
        log.warning(
            "%s: sha256 not pinned in the manifest; using the Hub's LFS sha256 %s", spec.path, remote.sha256
        )
        return Expected(size=remote.size, sha256=remote.sha256, pinned=False)
    log.warning(
        "%s: not pinned and not an LFS file; using the Hub's git blob id %s", spec.path, remote.git_sha1
    )
    return Expected(size=remote.size, git_sha1=remote.git_sha1, pinned=False)


def build_plan(
    manifest: Manifest,
    specs: Iterable[FileSpec],
    endpoint: str,
    model_dir: Path,
    commits: dict[str, str] | None = None,
    *,
    cancel: threading.Event | None = None,
) -> tuple[list[PlanItem], dict[str, str]]:
    """Resolve commits, list files, cross-check, and return what to fetch from where.

    ``commits`` holds commits remembered from an earlier (interrupted) run, so a resumed
    download continues the very same bytes even when the branch moved meanwhile.
    """
    from huggingface_hub import hf_hub_url

    specs = list(specs)
    commits = dict(commits or {})
    listings: dict[str, dict[str, RemoteFile]] = {}
    for name in dict.fromkeys(s.source for s in specs):
        source = manifest.sources[name]
        if source.revision:
            commits[name] = source.revision
        elif name not in commits:
            commits[name] = resolve_commit(endpoint, source, cancel=cancel)
        try:
            listings[name] = list_remote_files(endpoint, source.repo_id, commits[name], cancel=cancel)
        except NotOfferedError:
            if source.revision:
                raise
            # the commit remembered from an earlier run is unknown here (a lagging mirror, or
            # the branch was rewritten): take the current one; changed files restart cleanly
            log.warning("remembered commit %s not available at %s; resolving again", commits[name], endpoint)
            commits[name] = resolve_commit(endpoint, source, cancel=cancel)
            listings[name] = list_remote_files(endpoint, source.repo_id, commits[name], cancel=cancel)
    items = []
    for spec in specs:
        remote = listings[spec.source].get(safe_relpath(spec.remote_path))
        expected = expected_for(spec, remote, endpoint)
        source = manifest.sources[spec.source]
        url = hf_hub_url(source.repo_id, spec.remote_path, revision=commits[spec.source], endpoint=endpoint)
        items.append(
            PlanItem(
                spec=spec,
                url=url,
                dest=local_path(model_dir, spec.path),
                expected=expected,
                commit=commits[spec.source],
            )
        )
    return items, commits
