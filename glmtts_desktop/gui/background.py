"""Run short blocking work (file decode, analysis, disk writes) off the GUI thread.

Results come back as queued signals to the GUI thread. ``pending`` lets tests wait for quiet
and lets shutdown wait for writes in flight, so closing the app never cuts a file in half.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.errors import UnexpectedError

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, tid: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._tid, self._fn, self._relay = tid, fn, relay

    def run(self) -> None:
        try:
            result = self._fn()
        except GlmTtsError as exc:
            self._relay.failed.emit(self._tid, exc)
        except Exception as exc:  # noqa: BLE001 - reported to the person, never lost
            log.error("background task failed:\n%s", traceback.format_exc())
            self._relay.failed.emit(self._tid, UnexpectedError.wrap(exc))
        else:
            self._relay.done.emit(self._tid, result)


class Background(QObject):
    """``run(fn, on_done, on_error)``: fn in a pool thread, callbacks in the GUI thread."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._next = 0

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[GlmTtsError], None] | None = None,
    ) -> int:
        self._next += 1
        self._callbacks[self._next] = (on_done, on_error)
        self._pool.start(_Task(self._next, fn, self._relay))
        return self._next

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until every task has run (used at shutdown only)."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(int, object)
    def _on_done(self, tid: int, result: Any) -> None:
        on_done, _ = self._callbacks.pop(tid, (None, None))
        try:
            if on_done is not None:
                on_done(result)
        finally:
            if not self._callbacks:
                self.idle.emit()

    @Slot(int, object)
    def _on_failed(self, tid: int, error: GlmTtsError) -> None:
        _, on_error = self._callbacks.pop(tid, (None, None))
        try:
            if on_error is not None:
                on_error(error)
            else:
                log.warning("background task failed: %s", error.user_text())
        finally:
            if not self._callbacks:
                self.idle.emit()
