"""Deciding whether the weight files that are programs may run: the Hub's word for the official repo.

The 32 kHz vocoder is TorchScript (see ``glmtts_desktop.codetrust``). Its bytes are trusted
when their sha256 is the one the official Hub lists for the official repository: learned
while downloading from the official Hub, or asked of it for a folder that came from
elsewhere (a mirror, a USB stick, a forum) when the person checks the folder online. A
mirror's or a custom address's own listing is not enough: it could list any hash.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop import codetrust
from glmtts_desktop.i18n import tr
from glmtts_desktop.models.endpoints import OFFICIAL
from glmtts_desktop.models.errors import NetworkError
from glmtts_desktop.models.layout import local_path
from glmtts_desktop.models.manifest import FileSpec, Manifest

log = logging.getLogger(__name__)

#: components whose file is a program, not only weights
CODE_COMPONENTS = frozenset({"vocos2d"})
#: the repository whose published files are trusted, and the Hub that speaks for it
OFFICIAL_REPO = "zai-org/GLM-TTS"
OFFICIAL_HUB = OFFICIAL  # tests point this at their local fake Hub


@dataclass(frozen=True)
class CodeCheck:
    path: str
    trusted: bool
    reason: str  # one sentence for the person


def code_specs(manifest: Manifest, specs: list[FileSpec] | None = None) -> list[FileSpec]:
    return [s for s in (specs if specs is not None else manifest.files) if s.component in CODE_COMPONENTS]


def trust_downloaded(
    manifest: Manifest, spec: FileSpec, sha256: str | None, *, endpoint: str, commit: str, pinned: bool
) -> bool:
    """After a verified download: trust the bytes when the official Hub (or our manifest) vouched."""
    if spec.component not in CODE_COMPONENTS or not sha256:
        return False
    repo = manifest.sources[spec.source].repo_id
    if pinned:
        codetrust.record(
            sha256, origin=codetrust.ORIGIN_OFFICIAL, note=f"{spec.path}: pinned in the manifest"
        )
        return True
    if endpoint.rstrip("/") == OFFICIAL_HUB.rstrip("/") and repo == OFFICIAL_REPO:
        codetrust.record(sha256, origin=codetrust.ORIGIN_OFFICIAL, note=f"{repo}@{commit}:{spec.remote_path}")
        return True
    try:
        official = official_sha256(manifest, spec)
    except NetworkError as exc:
        log.warning("%s: could not ask the official Hub for its hash (%s); not trusted", spec.path, exc)
        return False
    if official == sha256:
        codetrust.record(
            sha256, origin=codetrust.ORIGIN_OFFICIAL, note=f"{repo}:{spec.remote_path} (confirmed)"
        )
        return True
    log.warning("%s: hash %s differs from the official %s; not trusted", spec.path, sha256, official)
    return False


def official_sha256(
    manifest: Manifest, spec: FileSpec, *, endpoint: str | None = None, cancel: threading.Event | None = None
) -> str | None:
    """The sha256 the official Hub lists for ``spec`` at the official repo's current commit."""
    endpoint = endpoint or OFFICIAL_HUB
    from glmtts_desktop.models.hubmeta import list_remote_files, resolve_commit
    from glmtts_desktop.models.layout import safe_relpath

    source = manifest.sources[spec.source]
    if source.repo_id != OFFICIAL_REPO:
        return None
    commit = resolve_commit(endpoint, source, cancel=cancel)
    listing = list_remote_files(endpoint, source.repo_id, commit, cancel=cancel)
    remote = listing.get(safe_relpath(spec.remote_path))
    return remote.sha256 if remote else None


def check_code_files(
    model_dir: Path,
    manifest: Manifest,
    specs: list[FileSpec],
    *,
    online: bool,
    endpoint: str | None = None,
    cancel: threading.Event | None = None,
) -> list[CodeCheck]:
    """For each program file present: is it trusted; when ``online``, ask the official Hub first."""
    out = []
    for spec in code_specs(manifest, specs):
        path = local_path(model_dir, spec.path)
        if not path.is_file():
            continue
        digest = codetrust.sha256_file(path)
        if codetrust.lookup(digest) is not None:
            out.append(CodeCheck(spec.path, True, tr("the file published by the official GLM-TTS release")))
            continue
        if not online:
            out.append(CodeCheck(spec.path, False, tr("could not be checked offline; 32 kHz stays off")))
            continue
        try:
            official = official_sha256(manifest, spec, endpoint=endpoint, cancel=cancel)
        except NetworkError as exc:
            out.append(CodeCheck(spec.path, False, tr("could not be checked: {reason}", reason=exc.message)))
            continue
        if official and official == digest:
            codetrust.record(
                digest, origin=codetrust.ORIGIN_OFFICIAL, note=f"{spec.remote_path} (checked online)"
            )
            out.append(CodeCheck(spec.path, True, tr("matches the official GLM-TTS release")))
        else:
            out.append(
                CodeCheck(
                    spec.path, False, tr("differs from the official GLM-TTS release; it will not be run")
                )
            )
    return out
