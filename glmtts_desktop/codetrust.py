"""Which weight files that are programs (TorchScript) this person's app may run.

The 32 kHz vocoder ``vocos2d/generator_jit.ckpt`` is a TorchScript archive: loading it runs
whatever graph it holds, so a folder passed around as "the GLM-TTS weights" could run its own
code. Such a file is loaded only when its sha256 is in the trust record, which lives in the
user's configuration folder, never inside a model folder (a shared folder could otherwise
bring its own "trusted" note). Entries are keyed by content hash and say why they were
trusted: the official Hub listed that hash for the official repository, our own checkpoint
maker wrote the file, or the person trusted it explicitly (CLI flag or the app's dialog).

The loader reads the bytes once, hashes them and hands the same bytes to the loader, so the
file cannot be swapped between the check and the load. Qt-free and torch-free: the engine,
the models layer, the CLI and the GUI all use this one module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.fsutil import atomic_write_text
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

TRUST_FILE_ENV = "GLMTTS_TRUST_FILE"
_APP_NAME = "glmtts-desktop"

#: why a hash is trusted
ORIGIN_OFFICIAL = "official-hub"  # the official Hub's record for the official repository
ORIGIN_DEV = "dev-checkpoint"  # written by our own random-checkpoint maker
ORIGIN_USER = "user"  # the person trusted this exact file


class UntrustedCodeError(GlmTtsError):
    """A weight file that runs code is not known to be the officially published one."""

    exit_code = 3

    def __init__(self, message: str, *, sha256: str, path: Path, hint: str = "", detail: str = "") -> None:
        super().__init__(message, hint=hint, detail=detail)
        self.sha256 = sha256
        self.path = Path(path)


@dataclass(frozen=True)
class TrustRecord:
    sha256: str
    origin: str
    note: str  # where it came from (repo@commit, folder) — for the person reading the record
    trusted_at: int


def trust_store_path() -> Path:
    """``GLMTTS_TRUST_FILE`` when set (tests, portable installs), else the user's config folder."""
    env = os.environ.get(TRUST_FILE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(_APP_NAME, appauthor=False)) / "trusted-code.json"


def _read_store() -> dict[str, dict]:
    path = trust_store_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable trust record %s: %s", path, exc)
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lookup(sha256: str) -> TrustRecord | None:
    """The trust record of these exact bytes, or None."""
    entry = _read_store().get(sha256)
    if not isinstance(entry, dict):
        return None
    return TrustRecord(
        sha256=sha256,
        origin=str(entry.get("origin", "")),
        note=str(entry.get("note", "")),
        trusted_at=int(entry.get("trusted_at", 0) or 0),
    )


def record(sha256: str, *, origin: str, note: str = "") -> None:
    """Remember that the file with ``sha256`` may run (an inter-process lock guards the write)."""
    from filelock import FileLock

    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    path = trust_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=30):
        files = _read_store()
        files[sha256] = {"origin": origin, "note": note, "trusted_at": int(time.time())}
        atomic_write_text(path, json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True))
    log.info("trusted code file %s (%s: %s)", sha256, origin, note)


def trust_file(path: Path, *, origin: str = ORIGIN_USER, note: str = "") -> str:
    """Trust the current bytes of ``path``; returns their sha256 (the CLI flag and the GUI call this)."""
    path = Path(path)
    digest = sha256_file(path)
    record(digest, origin=origin, note=note or str(path.resolve()))
    return digest


def file_trust(path: Path) -> TrustRecord | None:
    """The trust record of the file's current bytes; None when untrusted or absent."""
    try:
        return lookup(sha256_file(Path(path)))
    except OSError:
        return None


def read_trusted(path: Path, *, what: str) -> bytes:
    """The bytes of ``path`` if they are trusted, else :class:`UntrustedCodeError` (nothing runs)."""
    path = Path(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    rec = lookup(digest)
    if rec is None:
        raise UntrustedCodeError(
            tr(
                "The {what} file {path} was not loaded: it contains program code, and it is not the "
                "file the official GLM-TTS release published (or that could not be confirmed).",
                what=tr(what),
                path=path,
            ),
            sha256=digest,
            path=path,
            hint=tr(
                "A file from an unknown source could run anything on this computer. Download the "
                "weights again from the official source, check the folder online, or — only if you "
                "know where this file comes from — trust it explicitly (--trust-vocoder). "
                "24 kHz output does not need it."
            ),
            detail=f"sha256 {digest}; trust record {trust_store_path()}",
        )
    log.info("%s: trusted (%s, %s)", path, rec.origin, rec.note)
    return data
