"""The download/import/verify worker: one QThread, a cancel Event, queued signals.

The GUI thread never blocks on the network or the disk. Exactly one terminal signal per
run (finished / failed / cancelled). Cancel sets the Event directly from the GUI thread;
the transfer's watchdog then cuts a blocked read at once, so closing the wizard mid-file
returns in well under a second and leaves the .part file for the next start.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from glmtts_desktop.errors import CancelledError, GlmTtsError
from glmtts_desktop.gui.i18n import tr

log = logging.getLogger(__name__)

#: threads that did not stop in time: kept referenced so Qt never destroys a running QThread
_lingering: list[tuple[QThread, QObject | None]] = []


class _Job(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(
        self, fn: Callable[[threading.Event, Callable[[object], None]], object], cancel: threading.Event
    ) -> None:
        super().__init__()
        self._fn, self._cancel = fn, cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._cancel, self.progress.emit)
        except CancelledError:
            self.cancelled.emit()
        except GlmTtsError as exc:
            log.info("weights job failed: %s (%s)", exc, exc.detail)
            self.failed.emit(exc)
        except Exception:  # noqa: BLE001 - shown as a sentence, details on request
            log.error("weights job crashed:\n%s", traceback.format_exc())
            err = GlmTtsError(
                tr("Something unexpected went wrong while getting the weights."),
                hint=tr("Try again; what was downloaded is kept."),
                detail=traceback.format_exc(),
            )
            self.failed.emit(err)
        else:
            self.finished.emit(result)


class WeightsWorker(QObject):
    """Runs one job at a time in its own thread; ``cancel()`` is safe from the GUI thread."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self._cancel = threading.Event()

    def busy(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, fn: Callable[[threading.Event, Callable[[object], None]], object]) -> None:
        if self.busy():
            raise RuntimeError("a weights job is already running")
        self._cleanup()
        self._cancel = threading.Event()
        thread = QThread()
        job = _Job(fn, self._cancel)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progress.connect(self.progress)
        for sig, mine in ((job.finished, self.finished), (job.failed, self.failed)):
            sig.connect(mine)
            sig.connect(thread.quit)
        job.cancelled.connect(self.cancelled)
        job.cancelled.connect(thread.quit)
        self._thread, self._job = thread, job
        thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel and wait for the thread: used when the wizard closes."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.quit()
            if not self._thread.wait(timeout_ms):
                log.warning("weights worker did not stop within %d ms", timeout_ms)
                _lingering.append((self._thread, self._job))
                self._thread.setParent(None)
                self._thread, self._job = None, None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._thread is not None and not self._thread.isRunning():
            self._thread.deleteLater()
            if self._job is not None:
                self._job.deleteLater()
            self._thread, self._job = None, None


def download_job(model_dir: Path, endpoint, sample_rates, manifest=None, settings=None):
    """A worker function that downloads and returns the VerifyReport."""

    def run(cancel: threading.Event, emit) -> object:
        from glmtts_desktop.models.download import Downloader

        return Downloader(
            model_dir,
            endpoint=endpoint,
            sample_rates=sample_rates,
            manifest=manifest,
            settings=settings,
            cancel=cancel,
            on_progress=emit,
        ).run()

    return run


def import_job(folder: Path, model_dir: Path, sample_rates, manifest=None):
    def run(cancel: threading.Event, emit) -> object:
        from glmtts_desktop.models.importer import import_weights

        state = {"done": 0}

        def on_bytes(n: int) -> None:
            state["done"] += n
            emit(("import", state["done"]))

        return import_weights(
            folder,
            model_dir,
            sample_rates=sample_rates,
            manifest=manifest,
            cancel=cancel,
            on_bytes=on_bytes,
            on_file=lambda p, i, n: emit(("file", p, i, n)),
            # the wizard uses a folder as it is; files no hash could check stay marked unverified
            # and the last page says which (a download into the folder checks them online)
            accept_unverified=True,
        )

    return run


def verify_job(model_dir: Path, sample_rates, manifest=None):
    def run(cancel: threading.Event, emit) -> object:
        from glmtts_desktop.models.layout import parse_sample_rates
        from glmtts_desktop.models.manifest import load_manifest
        from glmtts_desktop.models.verify import verify_files

        m = manifest or load_manifest()
        return verify_files(
            model_dir,
            m.files_for(parse_sample_rates(sample_rates)),
            full=True,
            cancel=cancel,
            on_file=lambda p, i, n: emit(("file", p, i, n)),
            # the wizard uses a folder as it is; files no hash could check stay marked unverified
            # and the last page says which (a download into the folder checks them online)
            accept_unverified=True,
        )

    return run


def connection_job(endpoint, manifest=None):
    def run(cancel: threading.Event, emit) -> object:
        from glmtts_desktop.models.download import test_connection

        return test_connection(endpoint, manifest)

    return run
