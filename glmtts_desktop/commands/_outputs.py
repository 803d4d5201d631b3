"""Checks on where the CLI will write, done before any slow work.

A synthesis can take minutes; finding out afterwards that the folder is read-only, or that
``-o`` was the person's own recording, loses the work or the recording. Everything here raises
a typed error with one sentence: InvalidInputError (exit 2) for a choice the person can change,
OutputWriteError (exit 6) when the place cannot be written.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from glmtts_desktop.errors import InvalidInputError, OutputWriteError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_file(path: Path, *, overwrite: bool, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse an output that is one of the inputs, already exists (unless ``overwrite``), is a
    folder, or lies in a folder that cannot be written."""
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise InvalidInputError(
            tr("Unsupported output type '{suffix}'.", suffix=path.suffix),
            hint=tr("Use a .wav or .flac name."),
        )
    for source in inputs:
        if _same_file(path, source) or path.absolute() == source.absolute():
            raise InvalidInputError(
                tr(
                    "The output {path} is the same file as the input {source}; it would be overwritten.",
                    path=path,
                    source=source,
                ),
                hint=tr("Choose another output name."),
            )
    if path.is_dir():
        raise InvalidInputError(
            tr("The output {path} is a folder.", path=path), hint=tr("Give a file name ending in .wav.")
        )
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise InvalidInputError(
            tr("The output {path} already exists.", path=path),
            hint=tr("Choose another name or pass --overwrite."),
        )
    check_writable_folder(path.parent, create=False)


def check_writable_folder(folder: Path, *, create: bool) -> None:
    """Make sure files can be created in ``folder``: create it when ``create`` (else check the
    nearest existing parent, which will hold it) and write a probe file there."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(
            tr("{folder} is a file, not a folder.", folder=folder), hint=tr("Choose a folder for the output.")
        )
    probe_in = folder
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _not_writable(folder, exc) from exc
    else:
        while not probe_in.exists():
            if probe_in.parent == probe_in:
                break
            probe_in = probe_in.parent
        if probe_in.exists() and not probe_in.is_dir():
            raise InvalidInputError(
                tr("{probe_in} is a file, so {folder} cannot be created.", probe_in=probe_in, folder=folder),
                hint=tr("Choose another folder."),
            )
    try:
        with tempfile.TemporaryFile(dir=probe_in, prefix=".glmtts-write-test-"):
            pass
    except OSError as exc:
        raise _not_writable(probe_in, exc) from exc


def _not_writable(folder: Path, exc: OSError) -> OutputWriteError:
    return OutputWriteError(
        tr("Cannot write to the folder {folder}.", folder=folder),
        hint=tr("Choose a folder you may write to, on a disk with free space."),
        detail=str(exc),
    )
