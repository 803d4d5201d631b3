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
from glmtts_desktop.commands._names import safe_terminal_text
from glmtts_desktop.commands._signals import SIGTERM_EXIT, interrupt_exit_code, sigterm_as_interrupt
from glmtts_desktop.errors import CancelledError, GlmTtsError, as_out_of_memory
from glmtts_desktop.i18n import environment_language, set_language, tr

log = logging.getLogger(__name__)

# module name under glmtts_desktop.commands -> sub-commands it registers
COMMAND_MODULES = ("synth", "batch", "voices", "archive", "weights", "dev")
OSERROR_EXIT = 6  # like OutputWriteError: a file or folder could not be read or written


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
    # a terminal speaks the language its environment asks for (LANGUAGE/LC_ALL/LC_MESSAGES/LANG);
    # the app has its own setting and does this itself
    set_language(environment_language())
    with sigterm_as_interrupt():
        return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run a sub-command; every failure ends in one ``error:`` line and a documented exit code
    (the list is in README.md, "Exit codes")."""
    try:
        try:
            return int(args.func(args) or 0)
        except (MemoryError, RuntimeError) as exc:
            # Out of RAM outside the engine's own guard (decoding audio, a config-sized buffer).
            oom = as_out_of_memory(exc)
            if oom is None:
                raise
            raise oom from exc
    except GlmTtsError as exc:
        log.debug("command failed", exc_info=True)
        print(f"error: {safe_terminal_text(exc.user_text())}", file=sys.stderr)
        if exc.detail:
            print(f"  ({safe_terminal_text(exc.detail)})", file=sys.stderr)
        if isinstance(exc, CancelledError):
            return interrupt_exit_code(exc) if exc.__context__ is not None else exc.exit_code
        return exc.exit_code
    except OSError as exc:  # a file operation no layer turned into a typed error: still one line
        log.debug("command failed", exc_info=True)
        reason = safe_terminal_text(exc.strerror or str(exc))
        if exc.filename:
            text = tr("{reason} ({path}).", reason=reason, path=safe_terminal_text(str(exc.filename)))
        else:
            text = tr("{reason}.", reason=reason)
        print(f"error: {text}", file=sys.stderr)
        return OSERROR_EXIT
    except KeyboardInterrupt as exc:
        code = interrupt_exit_code(exc)
        if code == SIGTERM_EXIT:
            text = tr("Stopped: terminated (SIGTERM). Nothing half-written was kept.")
        else:
            text = tr("Stopped: interrupted (Ctrl+C). Nothing half-written was kept.")
        print(f"error: {text}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
