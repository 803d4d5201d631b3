"""Export voices and their generations as a BagIt archive (a folder, or a zip).

Why BagIt: it is a standard (RFC 8493) that archivists and a plain ``sha256sum`` can check,
and the ``bagit`` library writes and validates it. Everything is staged in a hidden sibling
folder and published by one rename, so an interrupted export never leaves a half archive
under the chosen name. Files are copied byte for byte from the library.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from glmtts_desktop import fsutil
from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library.archive.index import ARCHIVE_INDEX, build_index
from glmtts_desktop.library.archive.readme import README_NAME, readme_text
from glmtts_desktop.library.errors import ArchiveError, StorageError
from glmtts_desktop.library.files import storage_error
from glmtts_desktop.library.progress import CancelCheck, ProgressCallback, TaskProgress
from glmtts_desktop.library.types import utc_now

log = logging.getLogger(__name__)

STORED_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".jpg", ".jpeg", ".png", ".webp", ".pdf", ".zip"}


def export_archive(
    library: Any,
    out: Path,
    voice_ids: list[str] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> Path:
    """Write the archive to ``out`` (a new folder, or a .zip file); returns ``out``.

    ``on_progress(done, total)`` counts bytes copied, checksummed and zipped; ``cancelled()``
    is polled between files: then TaskCancelled is raised and nothing is left under ``out``
    (the staging folder and a half zip are removed)."""
    import bagit

    out = Path(out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise ArchiveError(
            tr("{out} already exists.", out=out), hint=tr("Choose a new name for the archive.")
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = fsutil.temp_name(out.parent, out.name + ".bag")
    try:
        stage.mkdir()
        index, files = build_index(library, voice_ids)
        size = sum(Path(src).stat().st_size for _rel, src in files)
        zipped = out.suffix.lower() == ".zip"
        progress = TaskProgress(size * (3 if zipped else 2), on_progress, cancelled)
        progress.phase(size)  # copy
        for rel, src in files:
            dest = stage / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            progress.advance(dest.stat().st_size)
        progress.phase(size)  # bagit checksums every payload file in one call
        for rel, text in index["transcripts"].items():
            (stage / rel).write_text(text + "\n", encoding="utf-8")
        now = utc_now()
        (stage / ARCHIVE_INDEX).write_text(
            json.dumps(index, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
        (stage / README_NAME).write_text(readme_text(library.app_version, now[:10]), encoding="utf-8")
        bagit.make_bag(
            str(stage),
            bag_info={
                "Source-Organization": "GLM-TTS Desktop (personal voice archive)",
                "External-Description": "Voices, original recordings, consent records and AI-generated "
                "speech exported from GLM-TTS Desktop; see data/README.txt",
                "Bagging-Date": now[:10],
            },
            checksums=["sha256"],
        )
        _fsync_tree(stage)
        progress.finish_phase()
        if zipped:
            progress.phase(size)
            _zip_atomically(stage, out, progress)
        else:
            progress.check()  # the last moment a cancel still leaves nothing behind
            if out.exists():
                out.rmdir()
            os.replace(stage, out)
            fsutil.fsync_dir(out.parent)
        progress.complete()
    except OSError as exc:
        raise storage_error(exc, N_("archive"), out) from exc
    except bagit.BagError as exc:
        raise StorageError(tr("Could not write the archive."), detail=str(exc)) from exc
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    log.info(
        "archive exported to %s (%d voices, %d generations)",
        out,
        len(index["voices"]),
        len(index["generations"]),
    )
    return out


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsutil.fsync_dir(Path(dirpath))


def _zip_atomically(stage: Path, out: Path, progress: TaskProgress) -> None:
    """Audio and images are stored (already compressed or barely compressible: a stored member
    has ratio 1, which the importer's bomb check relies on); text is deflated."""
    base = out.stem
    tmp = fsutil.temp_name(out.parent, out.name)
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for path in sorted(p for p in stage.rglob("*") if p.is_file()):
                rel = f"{base}/{path.relative_to(stage).as_posix()}"
                method = (
                    zipfile.ZIP_STORED if path.suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                )
                zf.write(path, rel, compress_type=method)
                progress.advance(path.stat().st_size)
        progress.check()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        fsutil.remove_quietly(tmp)
        raise
    fsutil.fsync_dir(out.parent)
