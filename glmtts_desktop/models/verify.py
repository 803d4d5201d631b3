"""Is the model folder complete and intact?

A full check hashes every needed file once and records (size, mtime, hash) in
``.glmtts/verified.json``; later starts call the quick check, which only compares sizes
and modification times with that record, so opening the app stays instant.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.hashing import Expected, StreamHasher, feed_file
from glmtts_desktop.models.layout import local_path
from glmtts_desktop.models.manifest import FileSpec, Manifest
from glmtts_desktop.models.state import DOWNLOAD_STATE, VERIFIED, read_json, write_json

log = logging.getLogger(__name__)


@dataclass
class VerifyReport:
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # size or hash differs
    unchecked: list[str] = field(default_factory=list)  # no hash known here: could not be checked offline
    unverified: list[str] = field(default_factory=list)  # unchecked, but the person chose to use them

    @property
    def complete(self) -> bool:
        return not self.missing and not self.wrong

    def summary(self) -> str:
        """One sentence: "12 files verified, 2 damaged: a, b, 3 could not be checked offline: …"."""
        parts = [tr("{n} file(s) verified", n=len(self.ok))]
        if self.wrong:
            parts.append(
                tr("{n} damaged or a different version: {names}", n=len(self.wrong), names=_few(self.wrong))
            )
        if self.missing:
            parts.append(tr("{n} missing: {names}", n=len(self.missing), names=_few(self.missing)))
        if self.unchecked:
            parts.append(
                tr(
                    "{n} could not be checked offline: {names}",
                    n=len(self.unchecked),
                    names=_few(self.unchecked),
                )
            )
        if self.unverified:
            parts.append(
                tr("{n} used without a check: {names}", n=len(self.unverified), names=_few(self.unverified))
            )
        return ", ".join(parts)


def _few(paths: list[str], limit: int = 3) -> str:
    """A short list for a sentence; the full list goes to the log and the error's detail."""
    if len(paths) <= limit:
        return ", ".join(paths)
    return tr("{names} and {n} more", names=", ".join(paths[:limit]), n=len(paths) - limit)


def expected_for_local(spec: FileSpec, model_dir: Path) -> Expected | None:
    """Pinned values first, then what the last download learned from the Hub; None if unknown."""
    remembered = read_json(model_dir, DOWNLOAD_STATE).get("expected", {}).get(spec.path)
    if spec.sha256 is not None:
        size = spec.size if spec.size is not None else (remembered or {}).get("size")
        if size is None:
            return None
        return Expected(size=int(size), sha256=spec.sha256, pinned=True)
    if remembered:
        exp = Expected.from_json(remembered)
        if spec.size is not None and exp.size != spec.size:
            return Expected(size=spec.size)
        return exp
    if spec.size is not None:
        return Expected(size=spec.size)
    return None


def verify_files(
    model_dir: Path,
    specs: Iterable[FileSpec],
    *,
    full: bool = True,
    rehash: bool = False,
    accept_unverified: bool = False,
    cancel: threading.Event | None = None,
    on_file: Callable[[str, int, int], None] = lambda p, i, n: None,
) -> VerifyReport:
    """Check ``specs`` in ``model_dir``.

    ``full`` hashes files not yet recorded as verified (and records them); ``rehash`` ignores
    the record and hashes everything again; neither: sizes and the record only.
    """
    model_dir = Path(model_dir)
    specs = list(specs)
    record = read_json(model_dir, VERIFIED).get("files", {})
    report = VerifyReport()
    changed = False
    for i, spec in enumerate(specs):
        on_file(spec.path, i, len(specs))
        path = local_path(model_dir, spec.path)
        try:
            st = path.stat()
        except OSError:
            report.missing.append(spec.path)
            record.pop(spec.path, None)
            continue
        exp = expected_for_local(spec, model_dir)
        if exp is not None and st.st_size != exp.size:
            report.wrong.append(spec.path)
            record.pop(spec.path, None)
            changed = True
            continue
        rec: dict = {} if rehash else (record.get(spec.path) or {})
        digest = (exp.sha256 or exp.git_sha1) if exp else None
        same_file = rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns
        if same_file and rec.get("digest") is not None and (digest is None or rec.get("digest") == digest):
            report.ok.append(spec.path)
            continue
        if exp is None or not exp.has_hash:
            # Nothing to hash against (unpinned, and no download here learned the Hub's hash):
            # never counted as verified. It is used only when the person chose to use the
            # folder as it is (recorded, and listed as unverified), else it keeps the folder
            # in "needs setup" until it is checked online (a download into the folder).
            if same_file and rec.get("accepted_unverified"):
                report.unverified.append(spec.path)
            elif accept_unverified:
                report.unverified.append(spec.path)
                record[spec.path] = {
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                    "digest": None,
                    "pinned": False,
                    "accepted_unverified": True,
                    "verified_at": int(time.time()),
                }
                changed = True
            else:
                report.unchecked.append(spec.path)
            continue
        if not full:
            report.unchecked.append(spec.path)
            continue
        hasher = StreamHasher(exp)
        feed_file(hasher, path, cancel=cancel)
        if hasher.matches():
            report.ok.append(spec.path)
            record[spec.path] = {
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "digest": digest,
                "pinned": exp.pinned,
                "verified_at": int(time.time()),
            }
        else:
            report.wrong.append(spec.path)
            record.pop(spec.path, None)
        changed = True
    if changed or full:
        write_json(model_dir, VERIFIED, {"version": 1, "files": record})
    log.info("verify %s: %s", model_dir, report.summary())
    return report


def record_verified(model_dir: Path, path_rel: str, expected: Expected) -> None:
    """Note that a file was just verified while it was written (download or import)."""
    data = read_json(model_dir, VERIFIED)
    files = data.get("files", {})
    st = local_path(model_dir, path_rel).stat()
    files[path_rel] = {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "digest": expected.sha256 or expected.git_sha1,
        "pinned": expected.pinned,
        "verified_at": int(time.time()),
    }
    write_json(model_dir, VERIFIED, {"version": 1, "files": files})


def quick_check(model_dir: Path, manifest: Manifest, sample_rates: Iterable[int]) -> VerifyReport:
    """Start-up check: sizes and the verified record only, never hashing."""
    return verify_files(model_dir, manifest.files_for(sample_rates), full=False)
