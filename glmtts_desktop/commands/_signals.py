"""SIGTERM handled like Ctrl+C for the headless commands.

Without a handler, SIGTERM (``kill``, a service manager, a CI timeout) ended the process on the
spot: exit 143 with no message, and a hidden ``.out.wav.tmp-…`` left for good when it came
during a write. Raising an exception from the handler instead unwinds the stack exactly like
Ctrl+C does, so every ``finally`` and temp-file cleanup runs and a batch still writes its
summary. ``Terminated`` subclasses KeyboardInterrupt on purpose: code that already handles
Ctrl+C handles SIGTERM the same way without knowing about it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

log = logging.getLogger(__name__)

SIGINT_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl+C
SIGTERM_EXIT = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def interrupt_exit_code(exc: BaseException) -> int:
    """130 for Ctrl+C, 143 for SIGTERM (also when a typed error was raised while unwinding one)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return SIGTERM_EXIT
        seen = seen.__context__
    return SIGINT_EXIT


def was_terminated(exc: BaseException) -> bool:
    return interrupt_exit_code(exc) == SIGTERM_EXIT


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside the block, SIGTERM raises Terminated in the main thread; the old handler returns after."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
