"""`glmtts-desktop`: the GUI by default, sub-commands for headless work.

Each sub-command lives in ``glmtts_desktop/commands/<name>.py`` and exposes
``register(subparsers)``; the modules are imported lazily so ``--help`` stays fast and the
GUI path never imports torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from glmtts_desktop import __version__
from glmtts_desktop.errors import GlmTtsError

log = logging.getLogger(__name__)

# module name under glmtts_desktop.commands -> sub-commands it registers
COMMAND_MODULES = ("synth", "batch", "weights", "dev")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glmtts-desktop",
        description="Offline GLM-TTS voice studio. Without a sub-command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    parser.add_argument(
        "--self-test", action="store_true", help="start headless, check imports and resources, exit"
    )
    parser.add_argument(
        "--data-dir", default=None, help="where the app keeps its library (default: user data folder)"
    )
    parser.add_argument("--model-dir", dest="gui_model_dir", default=None, help="model folder for the app")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"glmtts_desktop.commands.{name}")
        except ModuleNotFoundError as exc:  # a layer not installed in this build
            log.debug("command module %s unavailable: %s", name, exc)
            continue
        module.register(sub)
    return parser


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.command is None:
        from glmtts_desktop.gui.app import run_app  # imports Qt, not torch

        return run_app(args)
    try:
        return int(args.func(args) or 0)
    except GlmTtsError as exc:
        log.debug("command failed", exc_info=True)
        print(f"error: {exc.user_text()}", file=sys.stderr)
        if exc.detail:
            print(f"  ({exc.detail})", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
