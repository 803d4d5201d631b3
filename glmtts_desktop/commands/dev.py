"""`glmtts-desktop dev ...`: tools for developers and machines without the real weights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glmtts_desktop.commands._engine_args import seed_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="developer tools")
    dev_sub = p.add_subparsers(dest="dev_command", metavar="TOOL", required=True)
    mk = dev_sub.add_parser(
        "make-checkpoint",
        help="write a checkpoint folder with random weights in the official layout",
        description="Random weights in the exact official GLM-TTS layout. tiny: a few MB for tests; "
        "full: the real sizes, for benchmarks. The audio it produces is noise.",
    )
    mk.add_argument("dir", type=Path)
    mk.add_argument("--size", choices=("tiny", "full"), default="tiny")
    mk.add_argument("--seed", type=seed_option, default=0)
    mk.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a folder this command made earlier (any other non-empty folder is refused)",
    )
    mk.set_defaults(func=run_make_checkpoint)


def run_make_checkpoint(args: argparse.Namespace) -> int:
    from glmtts_desktop.engine.devckpt import make_checkpoint

    path = make_checkpoint(args.dir, size=args.size, seed=args.seed, overwrite=args.overwrite)
    print(f"Wrote a {args.size} random-weight checkpoint to {path} (it speaks noise).", file=sys.stderr)
    return 0
