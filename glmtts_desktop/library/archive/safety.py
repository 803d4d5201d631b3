"""Opening an archive someone handed us without letting it write outside its folder.

Why so strict: an archive may come from anyone (a relative's USB stick, a download). A zip can
name ``../../.bashrc`` or ``/etc/passwd``, hold symbolic links, or expand a few kilobytes into
terabytes. Every member is checked before anything is extracted, and extraction counts the
bytes it really writes, so a member that lies about its size is caught too.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from glmtts_desktop.i18n import tr
from glmtts_desktop.library.errors import ArchiveError, UnsafeArchiveError
from glmtts_desktop.library.progress import TaskProgress

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 64 * 1024**3  # 64 GiB: decades of voices and speech, far from a bomb's size
MAX_RATIO = 100  # deflated text compresses ~3-10x; audio is stored (ratio 1)
RATIO_FLOOR_BYTES = 1024**2  # small members may compress well without harm
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_member_name(name: str) -> PurePosixPath:
    """The member's path, or UnsafeArchiveError for absolute names and ``..``."""
    if not name or name.startswith(("/", "\\")) or _DRIVE.match(name) or "\x00" in name:
        raise UnsafeArchiveError(
            tr(
                "The archive contains a file with an absolute name ({name}); it was not imported.",
                name=repr(name),
            ),
            hint=tr("Only import archives made by GLM-TTS Desktop or that you trust."),
        )
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise UnsafeArchiveError(
            tr(
                "The archive contains a file that would be written outside its folder ({name}); it was not imported.",
                name=repr(name),
            ),
            hint=tr("Only import archives made by GLM-TTS Desktop or that you trust."),
        )
    return PurePosixPath(*parts)


def _check_zip(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeArchiveError(
            tr("The archive has too many files ({infos}); it was not imported.", infos=len(infos))
        )
    total = 0
    for info in infos:
        check_member_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArchiveError(
                tr(
                    "The archive contains a link ({filename}); links are not imported.",
                    filename=info.filename,
                ),
                hint=tr("Export the archive again without links."),
            )
        if info.flag_bits & 0x1:
            raise ArchiveError(
                tr("The archive is encrypted ({filename}); it cannot be imported.", filename=info.filename)
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchiveError(
                tr("The archive would expand to more than 64 GB; it was not imported."),
                hint=tr("It may be damaged or a decompression bomb."),
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise UnsafeArchiveError(
                tr(
                    "A file in the archive ({filename}) expands {ratio} times; it was not imported.",
                    filename=info.filename,
                    ratio=ratio,
                ),
                hint=tr("It may be damaged or a decompression bomb."),
            )
    return infos


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(tr("{name} is not a readable zip file.", name=path.name), detail=str(exc)) from exc


def zip_size(path: Path) -> int:
    """The bytes a zip archive says it expands to (after the same checks as ``extract_zip``)."""
    with _open_zip(path) as zf:
        return sum(info.file_size for info in _check_zip(zf))


def folder_size(root: Path) -> int:
    """The bytes of the plain files in a folder archive (after ``check_folder``)."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def extract_zip(path: Path, dest: Path, progress: TaskProgress | None = None) -> None:
    """Check every member, then extract, never writing more than each member declared;
    ``progress`` counts the bytes extracted (and may cancel between members)."""
    with _open_zip(path) as zf:
        for info in _check_zip(zf):
            target = dest.joinpath(*check_member_name(info.filename).parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _extract_member(zf, info, target)
            if progress is not None:
                progress.advance(info.file_size)


def _extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    written = 0
    with zf.open(info) as src, open(target, "xb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise UnsafeArchiveError(
                    tr(
                        "A file in the archive ({filename}) is larger than it says; it was not imported.",
                        filename=info.filename,
                    )
                )
            out.write(chunk)


def check_folder(root: Path) -> None:
    """A folder archive: no links and nothing but plain files and folders."""
    for dirpath, dirs, names in os.walk(root, followlinks=False):
        for name in dirs + names:
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = p.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                raise UnsafeArchiveError(
                    tr("The archive contains a link ({rel}); links are not imported.", rel=rel),
                    hint=tr("Replace the link with the file itself, or export the archive again."),
                )
            if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                raise UnsafeArchiveError(
                    tr("The archive contains something that is not a file ({rel}).", rel=rel)
                )


def find_bag_root(folder: Path) -> Path:
    """The folder holding bagit.txt: the folder itself, or its single sub-folder (our zips)."""
    if (folder / "bagit.txt").is_file():
        return folder
    subs = list(folder.iterdir())
    if len(subs) == 1 and subs[0].is_dir() and (subs[0] / "bagit.txt").is_file():
        return subs[0]
    raise ArchiveError(
        tr("This is not a GLM-TTS Desktop archive (no bagit.txt found)."),
        hint=tr("Choose the archive folder or .zip file that the app exported."),
    )
