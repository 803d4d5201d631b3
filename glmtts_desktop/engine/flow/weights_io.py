"""Reading and writing ``torch.save`` weight files safely, with errors a person can act on.

The official ``flow.pt`` and ``hift.pt`` are pickles. We only ever open them with
``weights_only=True`` (no code runs while unpickling) and turn every failure into a
:class:`CorruptWeightsError` naming the file, so a truncated download never surfaces as a raw
``RuntimeError`` from deep inside torch. The vocoder package reuses these helpers.
"""

from __future__ import annotations

import logging
import pickle
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from glmtts_desktop import fsutil
from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

REDOWNLOAD_HINT = (
    "Download the model again (glmtts-desktop download) or run glmtts-desktop verify to repair it."
)


def require_file(path: Path, *, what: str, hint: str = REDOWNLOAD_HINT) -> Path:
    """Fail with :class:`MissingWeightsError` unless ``path`` is a regular file."""
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(
            tr("The {what} file {path} is missing.", what=tr(what), path=path), hint=hint
        )
    return path


def read_state_dict(path: Path, *, what: str, hint: str = REDOWNLOAD_HINT) -> dict[str, torch.Tensor]:
    """Load a state dict saved with ``torch.save``: a plain mapping, or ``{"model": mapping}``.

    Zip archives (every ``torch.save`` since torch 1.6) are memory-mapped so a 0.9 GB file does
    not need a second copy in RAM while the module is filled.
    """
    path = require_file(path, what=what, hint=hint)
    try:
        obj = _load(path, mmap=zipfile.is_zipfile(path))
    except pickle.UnpicklingError as exc:
        raise CorruptWeightsError(
            tr(
                "The {what} file {path} contains objects other than tensors, or is damaged; it was not loaded.",
                what=tr(what),
                path=path,
            ),
            hint=hint,
            detail=str(exc),
        ) from exc
    except Exception as exc:  # torch raises RuntimeError/EOFError/ValueError... for damaged files
        raise CorruptWeightsError(
            tr(
                "The {what} file {path} cannot be read (damaged or incomplete download).",
                what=tr(what),
                path=path,
            ),
            hint=hint,
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    if isinstance(obj, Mapping) and isinstance(obj.get("model"), Mapping):
        obj = obj["model"]
    if not isinstance(obj, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise CorruptWeightsError(
            tr("The {what} file {path} does not hold a table of named tensors.", what=tr(what), path=path),
            hint=hint,
            detail=type(obj).__name__,
        )
    return dict(obj)


def _load(path: Path, *, mmap: bool) -> Any:
    try:
        return _load_weights_only(path, mmap=mmap)
    except pickle.UnpicklingError:
        stubs = _inert_stand_ins(path) if mmap else []
        if not stubs:
            raise
    # A training checkpoint keeps more than weights next to "model": epoch, optimiser state, a
    # config object of its own class. Those classes are replaced by inert stand-ins (no
    # constructor or __setstate__ of the file's choosing runs); only the tensors matter here.
    log.info("%s: non-tensor entries of types %s ignored", path, [name for _, name in stubs])
    allowed: list[Callable[..., Any] | tuple[Callable[..., Any], str]] = list(stubs)
    with torch.serialization.safe_globals(allowed):
        return _load_weights_only(path, mmap=mmap)


def _load_weights_only(path: Path, *, mmap: bool) -> Any:
    if mmap:
        try:
            return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except pickle.UnpicklingError:
            raise
        except Exception as exc:  # e.g. an old archive layout that cannot be mapped: read it instead
            log.debug("memory-mapped load of %s failed (%s); reading it into memory", path, exc)
    return torch.load(path, map_location="cpu", weights_only=True)


def _inert_stand_ins(path: Path) -> list[tuple[type, str]]:
    """One do-nothing class per global the archive names that weights-only loading refuses."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception as exc:  # not a torch.save archive, damaged, TorchScript
        log.debug("could not list the globals of %s: %s", path, exc)
        return []
    return [(_inert_class(name), name) for name in names]


def _inert_class(name: str) -> type:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self: Any, state: Any) -> None:
        pass

    def __repr__(self: Any) -> str:
        return f"<not loaded: {name}>"

    return type("NotLoaded", (), {"__init__": __init__, "__setstate__": __setstate__, "__repr__": __repr__})


def check_state_dict(
    expected: Mapping[str, torch.Tensor],
    found: Mapping[str, torch.Tensor],
    *,
    path: Path,
    what: str,
    hint: str = REDOWNLOAD_HINT,
) -> None:
    """Strict key and shape comparison, reporting the first few differences by name."""
    missing = [k for k in expected if k not in found]
    extra = [k for k in found if k not in expected]
    wrong = [
        f"{k} {tuple(found[k].shape)} (expected {tuple(expected[k].shape)})"
        for k in expected
        if k in found and tuple(found[k].shape) != tuple(expected[k].shape)
    ]
    not_float = [k for k in expected if k in found and not found[k].is_floating_point()]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing tensor(s), e.g. {', '.join(missing[:3])}")
    if extra:
        problems.append(f"{len(extra)} unexpected tensor(s), e.g. {', '.join(extra[:3])}")
    if wrong:
        problems.append(f"{len(wrong)} tensor(s) with the wrong shape, e.g. {'; '.join(wrong[:3])}")
    if not_float:
        problems.append(f"non-float tensor(s), e.g. {', '.join(not_float[:3])}")
    if problems:
        raise CorruptWeightsError(
            tr(
                "The {what} file {path} does not match the expected model: {value}.",
                what=tr(what),
                path=path,
                value="; ".join(problems),
            ),
            hint=hint,
            detail="\n".join(missing + extra + wrong + not_float),
        )


def expected_state(module: nn.Module) -> dict[str, torch.Tensor]:
    """The module's state dict (works on the meta device: only names and shapes matter)."""
    return dict(module.state_dict())


atomic_write = fsutil.atomic_write_via


def save_state_dict(state: Mapping[str, torch.Tensor], path: Path) -> None:
    """``torch.save`` a plain state dict (contiguous CPU copies) atomically, as the official files are."""
    plain = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    atomic_write(path, lambda tmp: torch.save(plain, tmp))


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
