"""A verified bf16 copy of the speech LLM's weights, kept next to the model: later starts read half.

Why: a GPU run holds the LLM in bf16, but the official checkpoint is fp32 (6.2 GB), so every start
read all of it and converted it. The first bf16 load writes the converted weights once (3.1 GB,
safetensors only, never pickle) with a small JSON manifest; later bf16 loads read that instead.

Never trusted blindly. The manifest records, for each source shard, its name, size, modification
time and the sha256 of its header (all cheap to check at every start; a re-downloaded, replaced or
edited shard changes at least one of them), and the cache file's own size and sha256. The cache is
read only while the sources still match, and its sha256 is computed over every byte as it is read:
if it differs, the caller throws the loaded weights away, reads the shards and rebuilds the cache.
Hashing the whole source shards at each start would cost more than the cache saves, so the sources
are identified by their stamps, not their contents (the download's own verification covers those).

Where: ``<llm>/.glmtts-cache/``, or, when the model folder cannot be written (read-only media,
another user's install), the user's cache folder (``GLMTTS_CACHE_DIR`` overrides it, for tests);
if neither can be written the cache is skipped with one log line. Files are published atomically
(``fsutil``), the cache before its manifest, and the old manifest is removed first, so a crash
never leaves a manifest describing a file that is not the one it names.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import Any

import torch

from glmtts_desktop import fsutil
from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.engine.llm.safetensors_io import read_header, read_into, write_streaming

log = logging.getLogger(__name__)

CACHE_DIRNAME = ".glmtts-cache"
CACHE_NAME = "llm-bf16.safetensors"
MANIFEST_NAME = "llm-bf16.json"
FORMAT = 1
APP_NAME = "glmtts-desktop"
ENV_CACHE_DIR = "GLMTTS_CACHE_DIR"
_HASH_CHUNK = 16 * 1024 * 1024
# Free space left on the disk after the cache is written: a convenience must not fill the disk
# that the library and the user's own files live on.
SPARE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class CacheEntry:
    """A cache file whose manifest matches today's sources; its bytes are still to be verified."""

    path: Path
    sha256: str
    size: int


def source_stamps(shards: Iterable[Path]) -> list[dict[str, Any]]:
    """What identifies the source shards: name, size, mtime (ns) and the sha256 of the header."""
    stamps = []
    for shard in sorted(Path(s) for s in shards):
        st = shard.stat()
        with open(shard, "rb") as f:
            raw_len = f.read(8)
            (n,) = struct.unpack("<Q", raw_len) if len(raw_len) == 8 else (0,)
            header = f.read(min(n, st.st_size))
        stamps.append(
            {
                "name": shard.name,
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "header_sha256": hashlib.sha256(raw_len + header).hexdigest(),
            }
        )
    return stamps


def user_cache_folder(llm_dir: Path) -> Path:
    """The fallback place for one model folder's cache, in the user's cache directory."""
    base = os.environ.get(ENV_CACHE_DIR)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    key = hashlib.sha256(str(Path(llm_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(base) / "weights" / key


def candidate_folders(llm_dir: Path) -> list[Path]:
    """Where a cache may live, in the order it is looked for and written."""
    return [Path(llm_dir) / CACHE_DIRNAME, user_cache_folder(llm_dir)]


def find(llm_dir: Path, sources: list[dict[str, Any]]) -> CacheEntry | None:
    """The first cache whose manifest matches ``sources`` (from ``source_stamps``), or None."""
    for folder in candidate_folders(llm_dir):
        manifest = folder / MANIFEST_NAME
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            cache = data["cache"]
            entry = CacheEntry(folder / CACHE_NAME, str(cache["sha256"]), int(cache["size"]))
            matches = data["format"] == FORMAT and data["dtype"] == "BF16" and data["sources"] == sources
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("ignoring the unreadable weight-cache manifest %s (%s)", manifest, exc)
            continue
        if not matches:
            log.info(
                "the bf16 weight cache in %s was made from other weight files; it will be rebuilt", folder
            )
            continue
        try:
            if entry.path.stat().st_size != entry.size:
                log.info("the bf16 weight cache %s has the wrong size; it will be rebuilt", entry.path)
                continue
        except OSError:
            continue
        return entry
    return None


class _HashingReader:
    """A read-only file that hashes every byte it hands out, in file order.

    Forward seeks hash the skipped bytes (the header, any padding), so the digest always covers
    the file from its first byte; a backward seek is refused (it would hash bytes twice)."""

    def __init__(self, raw: BufferedReader) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.pos = 0

    def readinto(self, buf) -> int:
        n = self._raw.readinto(buf) or 0
        self.digest.update(memoryview(buf)[:n])
        self.pos += n
        return n

    def seek(self, offset: int) -> None:
        if offset < self.pos:
            raise OSError("the weight cache was read out of order")
        self._skip(offset - self.pos)

    def read_to_end(self) -> None:
        self._skip(None)

    def _skip(self, count: int | None) -> None:
        while count is None or count > 0:
            chunk = self._raw.read(_HASH_CHUNK if count is None else min(count, _HASH_CHUNK))
            if not chunk:
                return
            self.digest.update(chunk)
            self.pos += len(chunk)
            if count is not None:
                count -= len(chunk)


def read_verified(
    entry: CacheEntry,
    params: dict[str, torch.Tensor],
    *,
    scratch: torch.Tensor | None = None,
    on_tensor: Callable[[], None] | None = None,
) -> bool:
    """Read the cache into ``params`` (checkpoint name -> tensor); True only when every tensor
    was there with its shape and the file's sha256 and size are the manifest's. On False the
    tensors may hold anything: the caller must load them from the sources."""
    try:
        header = read_header(entry.path)
        if set(header) != set(params) or any(
            info.dtype != "BF16" or info.shape != tuple(params[name].shape) for name, info in header.items()
        ):
            log.warning("the bf16 weight cache %s does not fit the model; rebuilding it", entry.path)
            return False
        with open(entry.path, "rb") as raw:
            f = _HashingReader(raw)
            for name, info in sorted(header.items(), key=lambda item: item[1].start):
                read_into(f, info, params[name], entry.path, scratch=scratch)
                if on_tensor is not None:
                    on_tensor()
            f.read_to_end()
    except (OSError, CorruptWeightsError) as exc:
        log.warning("the bf16 weight cache %s cannot be read (%s); rebuilding it", entry.path, exc)
        return False
    if f.pos != entry.size or f.digest.hexdigest() != entry.sha256:
        log.warning("the bf16 weight cache %s does not match its recorded hash; rebuilding it", entry.path)
        return False
    log.info("read the speech LLM from the verified bf16 cache %s", entry.path)
    return True


def write(llm_dir: Path, sources: list[dict[str, Any]], params: dict[str, torch.Tensor]) -> Path | None:
    """Write ``params`` as the bf16 cache of ``llm_dir`` in the first writable place; None if none."""
    specs = [(name, tuple(t.shape), torch.bfloat16) for name, t in params.items()]
    needed = sum(2 * t.numel() for t in params.values())
    failures = []
    for folder in candidate_folders(llm_dir):
        manifest = folder / MANIFEST_NAME
        path = folder / CACHE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if shutil.disk_usage(folder).free < needed + SPARE_BYTES:
                failures.append(f"{folder}: not enough free space")
                continue
            manifest.unlink(missing_ok=True)
            write_streaming(path, specs, lambda name, _shape: params[name].detach().to("cpu"))
            sha256, size = _file_sha256(path)
            record = {
                "format": FORMAT,
                "dtype": "BF16",
                "what": "bf16 copy of the speech LLM weights, made by GLM-TTS Desktop from the sources below",
                "sources": sources,
                "cache": {"name": CACHE_NAME, "size": size, "sha256": sha256},
            }
            fsutil.atomic_write_text(manifest, json.dumps(record, indent=2) + "\n")
        except OSError as exc:
            failures.append(f"{folder}: {exc}")
            continue
        log.info("wrote the bf16 weight cache %s (%d bytes)", path, size)
        return path
    log.info("no bf16 weight cache was written (%s); later starts read the shards", "; ".join(failures))
    return None


def _file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
