"""`glmtts-desktop synth`: speak a text in the voice of a reference recording."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from glmtts_desktop.commands._engine_args import (
    ProgressBar,
    add_engine_options,
    add_generation_options,
    load_engine,
    load_overrides,
    load_reference,
)
from glmtts_desktop.commands._library_args import (
    add_data_dir_option,
    add_history_option,
    find_voice,
    open_library,
    settings_from_args,
)
from glmtts_desktop.commands._outputs import check_output_file
from glmtts_desktop.commands._sidecar import check_sidecar_free
from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="speak a text in a reference voice and write an audio file",
        description="Clone the voice of --reference and speak --text with it.",
    )
    voice = p.add_mutually_exclusive_group(required=True)
    voice.add_argument(
        "--reference",
        type=Path,
        help="reference recording (wav, flac, mp3, ogg, m4a); naming it here is your confirmation "
        "that you may use this voice",
    )
    voice.add_argument("--voice", metavar="NAME", help="a voice saved in the library (see 'voices list')")
    p.add_argument("--reference-text", default="", help="what the reference says (strongly recommended)")
    p.add_argument(
        "--consent-acknowledged",
        action="store_true",
        help="use a saved voice that has no consent record (you confirm you may use it)",
    )
    add_data_dir_option(p)
    add_history_option(p, "the generated speech")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="text to speak")
    text.add_argument(
        "--text-file", type=Path, help="text file to speak (UTF-8, UTF-16, GBK/GB18030, …: detected)"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output file (.wav or .flac), tagged as AI-generated, with a .json description next to it",
    )
    p.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    add_engine_options(p)
    add_generation_options(p)
    p.set_defaults(func=run)


def read_text(args: argparse.Namespace) -> str:
    """--text, or --text-file in whatever encoding it was saved (the guess is reported)."""
    if args.text_file is None:
        return args.text
    from glmtts_desktop.engine.text.textfile import read_text_file

    decoded = read_text_file(args.text_file)
    if decoded.detected:
        print(
            tr(
                "Read {path} as {encoding} (detected).",
                path=args.text_file,
                encoding=decoded.encoding.upper(),
            ),
            file=sys.stderr,
        )
    return decoded.text


def run(args: argparse.Namespace) -> int:
    from glmtts_desktop.studio import Clip, Studio, check_may_generate

    text = read_text(args)
    if not text.strip():
        raise TextInputError(tr("The text to speak is empty."), hint=tr("Pass --text with some words."))
    inputs = tuple(p for p in (args.reference, args.text_file, args.overrides) if p is not None)
    check_output_file(args.output, overwrite=args.overwrite, inputs=inputs)
    check_sidecar_free(args.output, overwrite=args.overwrite, inputs=inputs)
    settings = settings_from_args(args)
    overrides = load_overrides(args.overrides)
    library = None if args.no_history else open_library(args)
    voice: str | Clip
    # fail on a bad voice or reference before the slow model load
    if args.voice is not None:
        if library is None:
            library = open_library(args)
        saved = find_voice(library, args.voice)
        check_may_generate(saved, saved.name, acknowledged=args.consent_acknowledged)
        voice = saved.id
    else:
        if not args.reference_text.strip():
            print(
                "warning: " + tr("no --reference-text given; the voice will be copied less faithfully."),
                file=sys.stderr,
            )
        samples, sr = load_reference(args.reference)
        voice = Clip(samples, sr, args.reference_text, args.reference.stem, args.reference.name)
        if library is None and getattr(args, "data_dir", None):
            library = open_library(args)  # only for its voice-analysis cache
    try:
        engine = load_engine(args)
        skipped = engine.unspeakable_chars(text)
        if skipped:
            print(
                "warning: " + tr("these characters will not be spoken: {chars}", chars=" ".join(skipped)),
                file=sys.stderr,
            )
        studio = Studio(library, engine)
        bar = ProgressBar(tr("Speaking"))
        try:
            speech = studio.speak(
                voice,
                text,
                settings,
                overrides,
                consent_acknowledged=args.consent_acknowledged or isinstance(voice, Clip),
                on_progress=bar,
            )
        finally:
            bar.close()
        # kept in the history like a generation made in the app (same Studio path), then the
        # -o file names that history entry in its tags and sidecar
        stored = None if args.no_history else studio.store(speech)
        studio.write_speech(speech, args.output, stored=stored)
    finally:
        if library is not None:
            library.close()
    if stored is not None and library is not None:
        print(
            tr("Kept in the history of {root} (entry {id}).", root=library.root, id=stored.id),
            file=sys.stderr,
        )
    result = speech.result
    print(
        tr(
            "Wrote {path} ({seconds} s at {rate} Hz, {n} segment(s), seed {seed}), tagged as AI-generated speech.",
            path=args.output,
            seconds=f"{result.duration_s:.2f}",
            rate=result.sample_rate,
            n=len(result.segments),
            seed=result.seed,
        ),
        file=sys.stderr,
    )
    return 0
