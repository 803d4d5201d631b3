"""Import a BagIt archive back into the library: verify everything first, then add it.

Order: open safely (safety.py) → BagIt checksums of every file (``bagit`` validation) → no file
the index does not explain → our index's own checksums → duplicate policy → copy files →
one transaction for every row. Nothing is added unless all of it checks out; ids, dates and
bytes come back exactly as exported.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from glmtts_desktop.i18n import tr
from glmtts_desktop.library.archive.index import ARCHIVE_INDEX, READABLE_FORMATS, voice_clips_of
from glmtts_desktop.library.archive.readme import README_NAME
from glmtts_desktop.library.archive.restore import ImportReport, Restorer
from glmtts_desktop.library.archive.safety import (
    check_folder,
    check_member_name,
    extract_zip,
    find_bag_root,
    folder_size,
    zip_size,
)
from glmtts_desktop.library.errors import (
    ArchiveChecksumError,
    ArchiveError,
    DuplicateVoiceError,
    UnsafeArchiveError,
)
from glmtts_desktop.library.files import sha256_file
from glmtts_desktop.library.progress import CancelCheck, ProgressCallback, TaskProgress
from glmtts_desktop.library.types import Voice

log = logging.getLogger(__name__)

TAG_FILES = {
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "tagmanifest-sha256.txt",
    "manifest-sha512.txt",
    "tagmanifest-sha512.txt",
}
POLICIES = ("ask", "skip", "keep_both")


def import_archive(
    library: Any,
    path: Path,
    *,
    on_duplicate: str = "ask",
    on_progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> ImportReport:
    """Verify, then add the archive's voices, clips and generations (see the module doc).

    ``on_progress(done, total)`` counts bytes extracted, checksummed and copied; ``cancelled()``
    is polled between files until the catalogue is written: then TaskCancelled is raised and
    the library is left exactly as it was (files this import copied are removed)."""
    if on_duplicate not in POLICIES:
        raise ValueError(f"on_duplicate must be one of {POLICIES}")
    path = Path(path)
    if path.is_symlink():
        raise UnsafeArchiveError(tr("{name} is a link; choose the archive itself.", name=path.name))
    if not path.exists():
        raise ArchiveError(
            tr("{path} does not exist.", path=path), hint=tr("Choose the archive folder or .zip file.")
        )
    with tempfile.TemporaryDirectory(prefix=".import-", dir=library.root) as work:
        if path.is_file():
            size = zip_size(path)
            progress = TaskProgress(4 * size, on_progress, cancelled)
            progress.phase(size)
            extract_zip(path, Path(work), progress)
            bag_dir = find_bag_root(Path(work))
        else:
            check_folder(path)
            size = folder_size(path)
            progress = TaskProgress(3 * size, on_progress, cancelled)
            bag_dir = find_bag_root(path)
        index = _verified_index(bag_dir, progress, size)
        plan = _plan(library, index, on_duplicate)
        progress.phase(size)
        report = Restorer(library, bag_dir / "data", index, plan, progress).run()
        progress.complete()
    log.info("archive %s imported: %s", path, report)
    return report


def _validate_bag(bag_dir: Path) -> None:
    import bagit

    for p in bag_dir.iterdir():
        if p.name != "data" and p.name not in TAG_FILES:
            raise UnsafeArchiveError(
                tr("The archive contains an unknown file ({name}); it was not imported.", name=p.name),
                hint=tr("Only import archives made by GLM-TTS Desktop."),
            )
    try:
        bagit.Bag(str(bag_dir)).validate(processes=1)
    except bagit.BagValidationError as exc:
        changed = sorted({str(getattr(d, "path", d)) for d in getattr(exc, "details", [])})
        raise ArchiveChecksumError(
            tr("The archive is damaged or was changed: {files}.", files=", ".join(changed[:5]) or str(exc)),
            hint=tr("Nothing was imported. Use an undamaged copy of the archive."),
            detail=str(exc),
        ) from exc
    except bagit.BagError as exc:
        raise ArchiveError(tr("The archive cannot be read."), detail=str(exc)) from exc


def _verified_index(bag_dir: Path, progress: TaskProgress, size: int) -> dict[str, Any]:
    progress.phase(size)  # bagit checksums every file in one call
    _validate_bag(bag_dir)
    progress.phase(size)
    data = bag_dir / "data"
    try:
        index = json.loads((data / ARCHIVE_INDEX).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(tr("The archive's index (archive.json) cannot be read."), detail=str(exc)) from exc
    if not isinstance(index, dict) or index.get("format") not in READABLE_FORMATS:
        raise ArchiveError(tr("This archive was made by an unknown version of the app."))
    known = {ARCHIVE_INDEX, README_NAME, *index.get("transcripts", {})}
    checked: list[tuple[str, str | None]] = []
    for v in index["voices"]:
        checked.append((v["reference"]["file"], v["reference"]["sha256"]))
        if v.get("original"):
            checked.append((v["original"]["file"], v["original"]["sha256"]))
        for c in voice_clips_of(v):
            checked.append((c["file"], c["sha256"]))
            if c.get("original"):
                checked.append((c["original"]["file"], c["original"]["sha256"]))
        if v.get("photo"):
            checked.append((v["photo"]["file"], v["photo"]["sha256"]))
        if v.get("consent") and v["consent"].get("evidence_file"):
            checked.append((v["consent"]["evidence_file"], v["consent"].get("evidence_sha256")))
    for g in index["generations"]:
        checked.append((g["file"], g["sha256"]))
        known.add(g["file"][: -len(".wav")] + ".json")
    for c in index.get("clips", []):
        checked.append((c["file"], None))
    for rel, digest in checked:
        check_member_name(rel)
        p = data / rel
        if not p.is_file():
            raise ArchiveChecksumError(
                tr("The archive is missing {rel}.", rel=rel), hint=tr("Nothing was imported.")
            )
        if digest is not None and sha256_file(p) != digest:
            raise ArchiveChecksumError(
                tr("{rel} in the archive was changed.", rel=rel), hint=tr("Nothing was imported.")
            )
        progress.advance(p.stat().st_size if digest is not None else 0)
        known.add(rel)
    for p in data.rglob("*"):
        rel = p.relative_to(data).as_posix()
        if p.is_file() and rel not in known:
            raise UnsafeArchiveError(
                tr("The archive contains an unknown file ({rel}); it was not imported.", rel=rel),
                hint=tr("Only import archives made by GLM-TTS Desktop."),
            )
    return index


def _existing_match(library: Any, v: dict[str, Any]) -> Voice | None:
    """The library voice this archive voice duplicates: same id, or same reference audio."""
    for w in library.list_voices(include_deleted=True):
        if w.id == v["id"]:
            return w
    for w in library.list_voices():
        if w.reference_sha256 == v["reference"]["sha256"]:
            return w
    return None


def _plan(library: Any, index: dict[str, Any], on_duplicate: str) -> dict[str, str | None]:
    """Archive voice id → the id to add it under (its own, or "new" for keep-both), or None
    to skip it; "skip:<id>" → the existing voice its generations attach to."""
    plan: dict[str, str | None] = {}
    for v in index["voices"]:
        existing = _existing_match(library, v)
        if existing is None:
            plan[v["id"]] = v["id"]
        elif on_duplicate == "ask":
            raise DuplicateVoiceError(v["name"], existing.id, existing.name)
        elif on_duplicate == "skip":
            plan[v["id"]] = None
            plan["skip:" + v["id"]] = existing.id
        else:
            plan[v["id"]] = "new"
    return plan
