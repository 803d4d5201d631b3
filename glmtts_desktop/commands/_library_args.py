"""The library folder option and the one place the CLI builds GenerationSettings.

Why shared: ``synth``, ``batch``, ``voices`` and ``archive`` must find the same library as the
app (``<data dir>/library``) and build settings the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.library import Library, Voice
    from glmtts_desktop.studio import GenerationSettings


def add_data_dir_option(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: given after the sub-command it wins, otherwise the global --data-dir stays
    p.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="the app's data folder; the library is its 'library' sub-folder (default: user data folder)",
    )


def add_history_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--no-history",
        action="store_true",
        help=f"do not keep {what} in the library's history (by default it is kept there, like a "
        "generation made in the app, so 'Again' can make it again)",
    )


def library_root(args: argparse.Namespace) -> Path:
    data_dir = getattr(args, "data_dir", None)
    if data_dir:
        return Path(data_dir).expanduser() / "library"
    from glmtts_desktop.library import default_library_root

    return default_library_root()


def open_library(args: argparse.Namespace) -> Library:
    from glmtts_desktop.library import Library

    return Library(library_root(args))


def find_voice(library: Library, name: str) -> Voice:
    """The live voice called ``name`` (case-insensitive), or a clear error listing the names."""
    key = " ".join(name.split()).casefold()
    voices = library.list_voices()
    for v in voices:
        if v.name.casefold() == key:
            return v
    names = ", ".join(v.name for v in voices)
    raise InvalidInputError(
        tr("There is no voice called “{name}” in the library.", name=name),
        hint=tr("Saved voices: {names}.", names=names) if names else tr("There are no saved voices yet."),
    )


def settings_from_args(args: argparse.Namespace) -> GenerationSettings:
    """The generation options of ``add_generation_options``/``add_engine_options`` as settings."""
    from glmtts_desktop.studio import GenerationSettings

    return GenerationSettings(
        sample_rate=int(args.sample_rate),
        method=args.method,
        seed=int(args.seed),
        use_phoneme=bool(args.phoneme),
        use_prompt_cache=not args.no_prompt_cache,
    )
