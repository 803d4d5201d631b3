"""`glmtts-desktop archive`: export, import and check the family archive (BagIt)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from glmtts_desktop.commands._library_args import add_data_dir_option, find_voice, open_library
from glmtts_desktop.i18n import tr

if TYPE_CHECKING:
    from glmtts_desktop.studio.types import DuplicatePolicy


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("archive", help="export, import or check the voice archive")
    acts = p.add_subparsers(dest="archive_command", metavar="ACTION", required=True)

    ex = acts.add_parser("export", help="write voices, consent and generations to a BagIt folder or .zip")
    ex.add_argument("out", type=Path, help="a new folder, or a file name ending in .zip")
    ex.add_argument(
        "--voice", action="append", default=[], metavar="NAME", help="only this voice (repeatable)"
    )
    add_data_dir_option(ex)
    ex.set_defaults(func=run_export)

    im = acts.add_parser("import", help="verify an archive and add what it holds to the library")
    im.add_argument("archive", type=Path)
    dup = im.add_mutually_exclusive_group()
    dup.add_argument("--skip-existing", action="store_true", help="skip voices already in the library")
    dup.add_argument("--keep-both", action="store_true", help="add voices already in the library as copies")
    add_data_dir_option(im)
    im.set_defaults(func=run_import)

    ck = acts.add_parser("check", help="re-hash every file in the library; exit 1 naming what changed")
    add_data_dir_option(ck)
    ck.set_defaults(func=run_check)


class _Bar:
    """A tqdm bar fed by the library's ``on_progress(done, total)`` (bytes handled so far).
    Ctrl+C stops the task cleanly: the library undoes what it started."""

    def __init__(self, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=1000,
            desc=desc,
            file=sys.stderr,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]",
        )

    def __call__(self, done: int, total: int) -> None:
        value = int(1000 * done / max(total, 1))
        if value > self._bar.n:
            self._bar.update(value - self._bar.n)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()


def run_export(args: argparse.Namespace) -> int:
    from glmtts_desktop.studio import Studio

    with open_library(args) as lib:
        ids = [find_voice(lib, name).id for name in args.voice] or None
        with _Bar(tr("Exporting")) as bar:
            out = Studio(lib).export_archive(args.out, ids, on_progress=bar)
    print(tr("Wrote the archive {path}.", path=str(out)), file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from glmtts_desktop.library import DuplicateVoiceError
    from glmtts_desktop.studio import Studio

    policy: DuplicatePolicy = "skip" if args.skip_existing else "keep_both" if args.keep_both else "ask"
    with open_library(args) as lib:
        try:
            with _Bar(tr("Verifying and importing")) as bar:
                report = Studio(lib).import_archive(args.archive, on_duplicate=policy, on_progress=bar)
        except DuplicateVoiceError as exc:
            exc.hint = tr("Run again with --skip-existing or --keep-both.")
            raise
    added = ", ".join(report.voices_added) or tr("none")
    print(
        tr("Imported voices: {names}; {n} generation(s).", names=added, n=report.generations_added),
        file=sys.stderr,
    )
    if report.voices_skipped:
        skipped = ", ".join(report.voices_skipped)
        print(tr("Skipped (already in the library): {names}.", names=skipped), file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from glmtts_desktop.studio import Studio

    with open_library(args) as lib:
        with _Bar(tr("Checking")) as bar:
            problems = Studio(lib).check_integrity(on_progress=bar)
        root = lib.root
    if not problems:
        print(tr("Every file in the library matches its checksum."), file=sys.stderr)
        return 0
    for p in problems:  # stdout, one per line for scripts: kept in English
        print(f"changed: {p.path.relative_to(root).as_posix()} ({p.kind}, {p.problem})")
    print(
        "error: " + tr("{n} file(s) in the library changed or are missing.", n=len(problems)), file=sys.stderr
    )
    return 1
