"""Where the weights live and which files each choice of sample rate needs.

Kept free of torch and Qt so the first-run wizard can decide instantly whether it must
show itself. Paths inside a model folder always use forward slashes in manifests and are
checked here before they touch the file system, so a hostile name in remote metadata
(``../x``, ``/etc/x``, ``C:\\x``) can never write outside the folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.errors import InvalidInputError, UnsafePathError

log = logging.getLogger(__name__)

APP_NAME = "glmtts-desktop"
SAMPLE_RATES = (24000, 32000)

#: components every choice needs
COMMON_COMPONENTS = ("llm", "flow", "tokenizer", "speech_tokenizer", "campplus")
#: the vocoder that differs per output rate
VOCODER_FOR_RATE = {24000: "hift", 32000: "vocos2d"}

#: our bookkeeping folder inside a model folder (state, verification record)
STATE_DIRNAME = ".glmtts"
PART_SUFFIX = ".part"


def default_model_dir() -> Path:
    """The platform's per-user data folder for weights (e.g. ~/.local/share/glmtts-desktop/models)."""
    env = os.environ.get("GLMTTS_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def components_for(sample_rates: Iterable[int]) -> tuple[str, ...]:
    """Component names needed for the given output rates, in a stable order."""
    rates = parse_sample_rates(sample_rates)
    comps = list(COMMON_COMPONENTS)
    for rate in rates:
        comps.append(VOCODER_FOR_RATE[rate])
    return tuple(dict.fromkeys(comps))


def parse_sample_rates(value: Iterable[int] | str | int) -> tuple[int, ...]:
    """Accept 24000, "32000", "both", [24000, 32000]; refuse anything else clearly."""
    items: Iterable[int | str]
    if isinstance(value, str):
        items = SAMPLE_RATES if value.strip().lower() == "both" else [value]
    elif isinstance(value, int):
        items = [value]
    else:
        items = value
    out: list[int] = []
    for item in items:
        try:
            rate = int(item)
        except (TypeError, ValueError):
            rate = -1
        if rate not in SAMPLE_RATES:
            raise InvalidInputError(
                tr("Sample rate {item} is not offered.", item=repr(item)),
                hint=tr("Choose 24000, 32000 or both."),
            )
        if rate not in out:
            out.append(rate)
    if not out:
        raise InvalidInputError(tr("No sample rate chosen."), hint=tr("Choose 24000, 32000 or both."))
    return tuple(sorted(out))


def safe_relpath(name: str) -> str:
    """Validate a relative path from a manifest or remote metadata and return it normalised.

    Refuses absolute paths, drive letters, backslashes, empty parts, ``.`` and ``..``,
    so joining it to the model folder can never leave that folder.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise UnsafePathError(
            tr("A file name in the weights metadata is empty or invalid."),
            hint=tr("The download source may be broken; try another source."),
            detail=repr(name),
        )
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafePathError(
            tr("A file name in the weights metadata points outside the model folder."),
            hint=tr("The download source is not trustworthy; choose another source."),
            detail=repr(name),
        )
    parts = PurePosixPath(name).parts
    if any(p in ("", ".", "..") for p in parts) or any(p in ("", ".", "..") for p in name.split("/")):
        raise UnsafePathError(
            tr("A file name in the weights metadata points outside the model folder."),
            hint=tr("The download source is not trustworthy; choose another source."),
            detail=repr(name),
        )
    return "/".join(parts)


def local_path(model_dir: Path, relpath: str) -> Path:
    """The on-disk path of a manifest entry, after checking it stays inside ``model_dir``."""
    rel = safe_relpath(relpath)
    root = Path(model_dir).resolve()
    target = (root / Path(*rel.split("/"))).resolve()
    if root != target and root not in target.parents:
        raise UnsafePathError(
            tr("A file name in the weights metadata points outside the model folder."),
            hint=tr("Choose another source."),
            detail=f"{relpath} -> {target}",
        )
    return target


def part_path(target: Path) -> Path:
    return target.with_name(target.name + PART_SUFFIX)


def state_dir(model_dir: Path) -> Path:
    return Path(model_dir) / STATE_DIRNAME
