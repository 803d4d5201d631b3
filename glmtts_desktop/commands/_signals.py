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


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Inside the block, Ctrl+C and SIGTERM wait; on leaving it they are delivered as usual.

    For a step that must happen whole: a batch item whose file and history entry are written
    must also be counted as done. The last file write ends with a directory fsync, which can
    take a while on a busy disk; a SIGTERM arriving there (seen: a test that signals as soon as
    the file appears) raised before the item was counted, so its summary called a finished
    item "not run". The signal is re-sent to this process with its own handler back in place.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d held until the current step is done", signum)
        pending.append(signum)

    previous = {s: signal.signal(s, hold) for s in watched}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(pending):  # each once, in the order they came
            signal.raise_signal(signum)
