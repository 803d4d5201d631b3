"""Plain audio files written so that a crash or a full disk never leaves a half file.

Pattern: temp file in the destination folder, write, flush, fsync, ``os.replace``, fsync
the folder (POSIX). Also hashing and copying of originals, which must stay byte-for-byte.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from glmtts_desktop import fsutil
from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library.errors import DiskFullError, InvalidEntryError, StorageError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
fsync_dir = fsutil.fsync_dir


def storage_error(exc: OSError, what: str, path: Path) -> StorageError:
    """The right typed error for an OS error while writing ``what``."""
    if fsutil.is_disk_full(exc):
        return DiskFullError(
            tr("The disk is full; the {what} was not saved.", what=tr(what)),
            hint=tr("Free some space on the disk and try again."),
            detail=f"{path}: {exc}",
        )
    return StorageError(
        tr("Could not save the {what}.", what=tr(what)),
        hint=tr("Check that the library folder exists and that you may write to it."),
        detail=f"{path}: {exc}",
    )


def atomic_write_bytes(path: Path, data: bytes, *, what: str = N_("file")) -> None:
    """Publish ``data`` at ``path`` completely or not at all."""
    try:
        fsutil.atomic_write_bytes(path, data)
    except OSError as exc:
        raise storage_error(exc, what, path) from exc


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_content_addressed(
    src: Path, folder: Path, *, what: str = N_("original recording")
) -> tuple[str, Path, int]:
    """Copy ``src`` byte-for-byte to ``folder/<sha[:2]>/<sha><suffix>``; returns (sha256, path, size).

    The name comes from the content, so the same file imported twice is stored once, and a
    stored original can be checked against its name at any time.
    """
    try:
        src_fh = open(src, "rb")
    except OSError as exc:
        raise InvalidEntryError(tr("Could not read {name}.", name=src.name), detail=f"{src}: {exc}") from exc
    folder.mkdir(parents=True, exist_ok=True)
    tmp = fsutil.temp_name(folder, src.name)
    h = hashlib.sha256()
    size = 0
    try:
        with src_fh, fsutil.open_for_write(tmp) as out:
            for chunk in iter(lambda: src_fh.read(_CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        dest = folder / digest[:2] / f"{digest}{src.suffix.lower()}"
        if dest.exists() and dest.stat().st_size == size:
            fsutil.remove_quietly(tmp)
            return digest, dest, size
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
    except OSError as exc:
        fsutil.remove_quietly(tmp)
        raise storage_error(exc, what, src) from exc
    fsync_dir(dest.parent)
    return digest, dest, size


def encode_wav(
    samples: np.ndarray,
    sample_rate: int,
    *,
    subtype: str = "PCM_16",
    title: str = "",
    comment: str = "",
    software: str = "",
) -> bytes:
    """WAV bytes (mono or (n, ch)), float input clipped to [-1, 1], with RIFF INFO tags."""
    x = np.asarray(samples)
    if x.ndim not in (1, 2) or x.size == 0:
        raise InvalidEntryError(tr("The audio is empty."), detail=f"shape {x.shape}")
    if sample_rate <= 0:
        raise InvalidEntryError(tr("Invalid sample rate {sample_rate}.", sample_rate=sample_rate))
    if np.issubdtype(x.dtype, np.floating):
        if not np.all(np.isfinite(x)):
            raise InvalidEntryError(tr("The audio contains invalid values (NaN or infinity)."))
        x = np.clip(x, -1.0, 1.0).astype(np.float32, copy=False)
    buf = io.BytesIO()
    channels = 1 if x.ndim == 1 else x.shape[1]
    with sf.SoundFile(
        buf, "w", samplerate=int(sample_rate), channels=channels, format="WAV", subtype=subtype
    ) as f:
        if title:
            f.title = title
        if comment:
            f.comment = comment
        if software:
            f.software = software
        f.write(x)
    return buf.getvalue()


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """(float32 samples, rate) of a library file; mono files come back 1-D."""
    try:
        data, sr = sf.read(str(path), dtype="float32")
    except FileNotFoundError as exc:
        raise StorageError(
            tr("The audio file {name} is missing from the library.", name=path.name),
            hint=tr("Restore the library folder from a backup."),
            detail=str(path),
        ) from exc
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise StorageError(
            tr("The audio file {name} is damaged.", name=path.name),
            hint=tr("Restore the library folder from a backup."),
            detail=f"{path}: {exc}",
        ) from exc
    return data, int(sr)


def remove_file(path: Path | None) -> None:
    """Delete a file we own; a missing file is fine (purge is idempotent)."""
    if path is None:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


def remove_empty_dirs(folder: Path, stop: Path) -> None:
    """Remove empty folders from ``folder`` up to (not including) ``stop``."""
    folder, stop = folder.resolve(), stop.resolve()
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


__all__ = [
    "atomic_write_bytes",
    "sha256_file",
    "copy_content_addressed",
    "encode_wav",
    "read_audio",
    "remove_file",
    "remove_empty_dirs",
    "fsync_dir",
    "storage_error",
]
