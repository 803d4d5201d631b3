"""Import weights from a folder someone brought (USB stick, network share, another PC).

Accepts the model-folder layout (``llm/…``), the official code's ``ckpt/`` layout, a
Hugging Face cache folder (``models--zai-org--GLM-TTS/snapshots/<commit>/``), and
``campplus.onnx`` at the top or under ``frontend/``. Each file is copied (or hard-linked
when asked and possible) into ``<file>.part``, hashed on the way, and renamed only when it
matches; good files are kept even when others are missing, and the error lists exactly
which files are missing or wrong.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models import diskspace
from glmtts_desktop.models.errors import DownloadCancelledError, ImportWeightsError, InvalidInputError
from glmtts_desktop.models.hashing import CHUNK, Expected, StreamHasher, feed_file
from glmtts_desktop.models.layout import local_path, parse_sample_rates, part_path
from glmtts_desktop.models.manifest import FileSpec, Manifest, load_manifest
from glmtts_desktop.models.verify import VerifyReport, expected_for_local, record_verified, verify_files

log = logging.getLogger(__name__)


def _roots(src: Path) -> list[Path]:
    """The folder itself, an official-code ``ckpt/``, and Hugging Face cache snapshots."""
    roots = [src, src / "ckpt"]
    for snaps in (src / "snapshots", src / "models--zai-org--GLM-TTS" / "snapshots"):
        if snaps.is_dir():
            roots += sorted(p for p in snaps.iterdir() if p.is_dir())
    return roots


def _candidates(src: Path, spec: FileSpec) -> list[Path]:
    rel = Path(*spec.path.split("/"))
    out = [root / rel for root in _roots(src)]
    if spec.component == "campplus":
        out += [src / "campplus.onnx", src / "frontend" / "campplus.onnx"]
    return out


def find_source_file(src: Path, spec: FileSpec) -> Path | None:
    for c in _candidates(src, spec):
        if c.is_file():
            return c
    return None


def _copy_hashing(
    src: Path, part: Path, hasher: StreamHasher, cancel: threading.Event, on_bytes: Callable[[int], None]
) -> None:
    with open(src, "rb") as fin, open(part, "wb") as fout:
        for block in iter(lambda: fin.read(CHUNK), b""):
            if cancel.is_set():
                raise DownloadCancelledError(tr("Import stopped. Start it again to continue."))
            fout.write(block)
            hasher.update(block)
            on_bytes(len(block))
        fout.flush()
        os.fsync(fout.fileno())


def import_weights(
    src: Path,
    model_dir: Path,
    *,
    sample_rates: Iterable[int] | str = (24000,),
    manifest: Manifest | None = None,
    link: bool = False,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] = lambda n: None,
    on_file: Callable[[str, int, int], None] = lambda p, i, n: None,
    accept_unverified: bool = False,
) -> VerifyReport:
    """Bring the needed files from ``src`` into ``model_dir``; raise listing any gaps."""
    src, model_dir = Path(src).expanduser(), Path(model_dir)
    if not src.is_dir():
        raise InvalidInputError(
            tr("The folder {src} does not exist.", src=src), hint=tr("Choose the folder with the weights.")
        )
    manifest = manifest or load_manifest()
    cancel = cancel or threading.Event()
    specs = manifest.files_for(parse_sample_rates(sample_rates))
    by_path = {spec.path: spec for spec in specs}
    model_dir.mkdir(parents=True, exist_ok=True)
    same = src.resolve() == model_dir.resolve()
    if not same:
        found = [(s, find_source_file(src, s)) for s in specs]
        need = sum(
            p.stat().st_size for s, p in found if p is not None and not local_path(model_dir, s.path).exists()
        )
        if not link:
            diskspace.check_space(model_dir, need)
        for i, (spec, path) in enumerate(found):
            on_file(spec.path, i, len(found))
            dest = local_path(model_dir, spec.path)
            if path is None or dest.exists():
                continue  # missing is reported below; an existing file is verified below
            exp = expected_for_local(spec, model_dir)
            if exp is not None and path.stat().st_size != exp.size:
                log.warning("import: %s has the wrong size; not copied", path)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = part_path(dest)
            hasher = StreamHasher(exp) if exp is not None else None
            linked = False
            if link:
                try:
                    if part.exists():
                        part.unlink()
                    os.link(path, part)
                    linked = True
                    if hasher is not None:
                        feed_file(hasher, part, cancel=cancel, on_bytes=on_bytes)
                except OSError as exc:
                    log.info("hard link not possible (%s); copying instead", exc)
            if not linked:
                try:
                    _copy_hashing(path, part, hasher or StreamHasher(_size_only(path)), cancel, on_bytes)
                except OSError as exc:
                    if getattr(exc, "errno", None) == 28:
                        raise diskspace.disk_full_error(part, exc) from exc
                    raise
            if hasher is not None and exp is not None and exp.has_hash and not hasher.matches():
                log.warning("import: %s does not match its hash; not used", path)
                part.unlink()
                continue
            os.replace(part, dest)
            if exp is not None and exp.has_hash:
                record_verified(model_dir, spec.path, exp)
    report = verify_files(model_dir, specs, full=True, accept_unverified=accept_unverified, cancel=cancel)
    # a file the folder has but that failed its hash was not copied: damaged, not missing
    damaged_src = [p for p in report.missing if find_source_file(src, by_path[p]) is not None]
    report.missing = [p for p in report.missing if p not in damaged_src]
    report.wrong = sorted(set(report.wrong) | set(damaged_src))
    log.info(
        "import from %s: %s (missing %s, damaged %s, unchecked %s)",
        src,
        report.summary(),
        report.missing,
        report.wrong,
        report.unchecked,
    )
    if not report.complete:
        raise ImportWeightsError(
            tr("Imported from {src}: {summary}.", src=src, summary=report.summary()),
            missing=report.missing,
            wrong=report.wrong,
            hint=tr(
                "The good files were kept. Copy the listed files again, or repair the folder online "
                "(a download into the same folder fetches only what is missing or damaged)."
            ),
            detail=f"missing: {report.missing}; damaged: {report.wrong}; unchecked: {report.unchecked}",
        )
    if report.unchecked:
        raise ImportWeightsError(
            tr("Imported from {src}: {summary}.", src=src, summary=report.summary()),
            hint=tr(
                "Those files are not used yet. Check them online (a download into the same folder "
                "fetches the official hashes and only what differs), or use them as they are "
                "(--accept-unverified; they stay marked as unverified)."
            ),
            detail=f"unchecked: {report.unchecked}",
        )
    return report


def _size_only(path: Path) -> Expected:
    return Expected(size=path.stat().st_size)
