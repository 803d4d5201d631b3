"""EngineClient: the GUI thread's handle on the inference thread.

It owns the QThread and the worker, hands out job ids, keeps each job's CancelToken so a cancel
takes effect at once (set from the GUI thread, read by the engine between steps), and re-emits
the worker's signals in the GUI thread. Each submitted job gets exactly one of ``jobFinished``,
``jobFailed`` or ``jobCancelled``. It also tracks the model state for the status bar.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging

from PySide6.QtCore import QObject, QThread, Signal, Slot

from glmtts_desktop.engine.types import CancelToken
from glmtts_desktop.gui.inference.jobs import Job, LoadJob, ModelInfo, UnloadJob
from glmtts_desktop.gui.inference.worker import EngineFactory, InferenceWorker
from glmtts_desktop.studio import Studio

log = logging.getLogger(__name__)

# model states shown in the status bar
UNLOADED, LOADING, READY, FAILED = "unloaded", "loading", "ready", "failed"


class InferenceThread(QThread):
    """A QThread whose event loop runs inside one Python call.

    Why: PySide gives each queued slot call in a plain QThread a fresh Python thread state and
    deletes it afterwards, while torch's pybind11 layer caches the thread state it saw. Freeing a
    model in a later slot then used a dangling state and crashed ("double free", SIGSEGV in
    take_gil) in about half the runs. Running ``exec()`` from ``run()`` keeps one thread state
    alive for the thread's whole life.
    """

    def run(self) -> None:  # noqa: D102 - Qt API
        self.exec()


class EngineClient(QObject):
    jobStarted = Signal(int)
    jobProgress = Signal(int, object)  # job id, Progress
    jobChunk = Signal(int, object, int)
    jobFinished = Signal(int, object)
    jobFailed = Signal(int, object)  # job id, GlmTtsError
    jobCancelled = Signal(int)
    stateChanged = Signal(str)  # UNLOADED / LOADING / READY / FAILED
    modelInfoChanged = Signal(object)  # ModelInfo or None

    _submit = Signal(object, object)  # (job, token) -> worker.run_job, queued
    _shutdown = Signal()

    def __init__(
        self,
        engine_factory: EngineFactory | None = None,
        parent: QObject | None = None,
        *,
        studio: Studio | None = None,
    ) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._tokens: dict[int, CancelToken] = {}
        self._kinds: dict[int, type] = {}
        self._state = UNLOADED
        self._info: ModelInfo | None = None
        self._last_error: object = None
        self._closed = False

        self._thread = InferenceThread()
        self._thread.setObjectName("glmtts-inference")
        self._worker = InferenceWorker(engine_factory, studio=studio)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run_job)
        self._shutdown.connect(self._worker.shutdown)
        self._worker.started.connect(self.jobStarted)
        self._worker.progress.connect(self.jobProgress)
        self._worker.chunk.connect(self.jobChunk)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.modelChanged.connect(self._on_model_changed)
        self._thread.start()

    # --- state -------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def model_info(self) -> ModelInfo | None:
        return self._info

    @property
    def last_error(self) -> object:
        """The error of the last failed load, for the status bar's tooltip."""
        return self._last_error

    @property
    def studio(self) -> Studio:
        """The app's Studio (thread-safe library calls; speaking happens in the worker)."""
        return self._worker.studio

    @property
    def thread(self) -> QThread:  # type: ignore[override]  # shadows QObject.thread() on purpose
        return self._thread

    def busy(self) -> bool:
        return bool(self._tokens)

    # --- submitting --------------------------------------------------------------------------
    def submit(self, job: Job) -> int:
        """Queue a job for the worker and return its id."""
        if self._closed:
            raise RuntimeError("the engine client is shut down")
        jid = next(self._ids)
        job = dataclasses.replace(job, job_id=jid)
        token = CancelToken()
        self._tokens[jid] = token
        self._kinds[jid] = type(job)
        if isinstance(job, LoadJob):
            self._set_state(LOADING)
        self._submit.emit(job, token)
        return jid

    def load(self, model_dir, *, device: str = "auto", dtype: str = "auto", sample_rate: int = 24000) -> int:
        from pathlib import Path

        return self.submit(
            LoadJob(model_dir=Path(model_dir), device=device, dtype=dtype, sample_rate=sample_rate)
        )

    def unload(self) -> int:
        return self.submit(UnloadJob())

    def cancel(self, job_id: int) -> None:
        """Takes effect immediately: the engine checks the token at every LLM step."""
        token = self._tokens.get(job_id)
        if token is not None:
            token.cancel()

    def cancel_all(self) -> None:
        for token in self._tokens.values():
            token.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel, unload in the worker thread, quit, wait. True when the thread has stopped."""
        if self._closed:
            return not self._thread.isRunning()
        self._closed = True
        self.cancel_all()
        self._shutdown.emit()  # queued after the running job, which the cancel ends quickly
        ok = self._thread.wait(timeout_ms)
        if not ok:
            log.error(
                "inference thread did not stop within %d ms; forcing the event loop to quit", timeout_ms
            )
            self._thread.quit()
            ok = self._thread.wait(5000)
        self._info = None
        self._set_state(UNLOADED)
        return ok

    # --- worker signals (GUI thread) ---------------------------------------------------------
    def _end(self, jid: int) -> type | None:
        self._tokens.pop(jid, None)
        return self._kinds.pop(jid, None)

    @Slot(int, object)
    def _on_finished(self, jid: int, result: object) -> None:
        kind = self._end(jid)
        if kind is LoadJob:
            self._last_error = None
            self._set_state(READY)
        elif kind is UnloadJob:
            self._set_state(UNLOADED)
        self.jobFinished.emit(jid, result)

    @Slot(int, object)
    def _on_failed(self, jid: int, error: object) -> None:
        kind = self._end(jid)
        if kind is LoadJob:
            self._last_error = error
            self._set_state(FAILED)
        self.jobFailed.emit(jid, error)

    @Slot(int)
    def _on_cancelled(self, jid: int) -> None:
        kind = self._end(jid)
        if kind is LoadJob:
            self._set_state(UNLOADED if self._info is None else READY)
        self.jobCancelled.emit(jid)

    @Slot(object)
    def _on_model_changed(self, info: ModelInfo | None) -> None:
        self._info = info
        self.modelInfoChanged.emit(info)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
