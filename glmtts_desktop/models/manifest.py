"""The pinned manifest: which files make up the weights, and what their bytes must be.

The manifest ships in ``resources/models/manifest.json``. It names the source repositories
(with a pinned commit where one is known) and, per file, the local path, the path in the
remote repository, the component it belongs to, and its size and sha256 where known.
A value of ``null`` means "not pinned": the download then takes the value from the Hub's
own metadata for the resolved commit (and says so in the log); a pinned value always wins,
and a source serving anything else is refused.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.errors import ManifestError, UnsafePathError
from glmtts_desktop.models.layout import components_for, safe_relpath

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Source:
    """A Hugging Face repository the weights come from."""

    name: str
    repo_id: str
    revision: str | None  # a 40-hex commit when pinned, else None (resolve ``default_ref``)
    default_ref: str = "main"


@dataclass(frozen=True)
class FileSpec:
    """One file of the weights as the manifest describes it."""

    path: str  # local path inside the model folder (forward slashes)
    source: str  # key into Manifest.sources
    remote_path: str  # path inside the source repository
    component: str  # llm, flow, hift, vocos2d, tokenizer, speech_tokenizer, campplus
    size: int | None
    sha256: str | None

    @property
    def pinned(self) -> bool:
        return self.sha256 is not None


@dataclass(frozen=True)
class Manifest:
    version: int
    sources: dict[str, Source]
    files: tuple[FileSpec, ...]

    def files_for(self, sample_rates: Iterable[int]) -> list[FileSpec]:
        """The files needed for the chosen output rates (see layout.components_for)."""
        wanted = set(components_for(sample_rates))
        return [f for f in self.files if f.component in wanted]

    def by_path(self) -> dict[str, FileSpec]:
        return {f.path: f for f in self.files}


def resources_dir() -> Path:
    """``resources/`` of this installation (checkout, wheel or PyInstaller bundle)."""
    from glmtts_desktop.resources import resources_root

    return resources_root()


def default_manifest_path() -> Path:
    return resources_dir() / "models" / "manifest.json"


def load_manifest(path: Path | None = None) -> Manifest:
    """Read and validate a manifest file (the shipped one by default)."""
    path = Path(path) if path else default_manifest_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(
            tr("The list of model files that comes with the app cannot be read."),
            hint=tr("Reinstall the app."),
            detail=f"{path}: {exc}",
        ) from exc
    return manifest_from_dict(data, origin=str(path))


def manifest_from_dict(data: dict, *, origin: str = "<dict>") -> Manifest:
    """Build a Manifest from its JSON form, refusing anything malformed or unsafe."""

    def bad(msg: str) -> ManifestError:
        return ManifestError(
            tr("The list of model files that comes with the app is damaged."),
            hint=tr("Reinstall the app."),
            detail=f"{origin}: {msg}",
        )

    try:
        version = int(data["version"])
        sources: dict[str, Source] = {}
        for name, s in data["sources"].items():
            rev = s.get("revision")
            if rev is not None and not _COMMIT.match(rev):
                raise bad(f"source {name}: revision must be a 40-hex commit or null")
            sources[name] = Source(
                name=name,
                repo_id=str(s["repo_id"]),
                revision=rev,
                default_ref=str(s.get("default_ref", "main")),
            )
        files = []
        seen = set()
        for f in data["files"]:
            sha = f.get("sha256")
            if sha is not None and not _SHA256.match(sha):
                raise bad(f"{f.get('path')}: sha256 must be 64 lowercase hex or null")
            size = f.get("size")
            if size is not None and (not isinstance(size, int) or size < 0):
                raise bad(f"{f.get('path')}: size must be a non-negative integer or null")
            spec = FileSpec(
                path=safe_relpath(f["path"]),
                source=str(f["source"]),
                remote_path=safe_relpath(f.get("remote_path", f["path"])),
                component=str(f["component"]),
                size=size,
                sha256=sha,
            )
            if spec.source not in sources:
                raise bad(f"{spec.path}: unknown source {spec.source}")
            if spec.path in seen:
                raise bad(f"{spec.path}: listed twice")
            seen.add(spec.path)
            files.append(spec)
    except ManifestError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(f"malformed: {exc!r}") from exc
    except UnsafePathError as exc:
        raise bad(str(exc)) from exc
    return Manifest(version=version, sources=sources, files=tuple(files))
