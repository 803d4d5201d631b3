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
    save_output,
)
from glmtts_desktop.commands._outputs import check_output_file
from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.errors import InvalidInputError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="speak a text in a reference voice and write an audio file",
        description="Clone the voice of --reference and speak --text with it.",
    )
    p.add_argument(
        "--reference", type=Path, required=True, help="reference recording (wav, flac, mp3, ogg, m4a)"
    )
    p.add_argument("--reference-text", default="", help="what the reference says (strongly recommended)")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="text to speak")
    text.add_argument("--text-file", type=Path, help="UTF-8 file with the text to speak")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (.wav or .flac)")
    p.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    add_engine_options(p)
    add_generation_options(p)
    p.set_defaults(func=run)


def read_text(args: argparse.Namespace) -> str:
    if args.text_file is None:
        return args.text
    try:
        return args.text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the text file {args.text_file}.", detail=str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    from glmtts_desktop.engine import SynthesisRequest

    text = read_text(args)
    if not text.strip():
        raise TextInputError("The text to speak is empty.", hint="Pass --text with some words.")
    inputs = tuple(p for p in (args.reference, args.text_file, args.overrides) if p is not None)
    check_output_file(args.output, overwrite=args.overwrite, inputs=inputs)
    if not args.reference_text.strip():
        print(
            "warning: no --reference-text given; the voice will be copied less faithfully.", file=sys.stderr
        )
    overrides = load_overrides(args.overrides)
    samples, sr = load_reference(args.reference)  # fail on bad audio before the slow model load
    engine = load_engine(args)
    skipped = engine.unspeakable_chars(text)
    if skipped:
        print(f"warning: these characters will not be spoken: {' '.join(skipped)}", file=sys.stderr)
    voice = engine.prepare_voice(samples, sr, args.reference_text)
    request = SynthesisRequest(
        text=text,
        voice=voice,
        seed=args.seed,
        method=args.method,
        use_phoneme=args.phoneme,
        overrides=overrides,
        use_prompt_cache=not args.no_prompt_cache,
    )
    bar = ProgressBar("Speaking")
    try:
        result = engine.synthesize(request, on_progress=bar)
    finally:
        bar.close()
    save_output(args.output, result.audio, result.sample_rate)
    print(
        f"Wrote {args.output} ({result.duration_s:.2f} s at {result.sample_rate} Hz, "
        f"{len(result.segments)} segment(s), seed {result.seed}).",
        file=sys.stderr,
    )
    return 0
