"""The download (or import) page and the verify page: progress, pause/resume, plain errors."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.gui.theme import error_text_style
from glmtts_desktop.gui.wizard.worker import WeightsWorker, download_job, import_job, verify_job
from glmtts_desktop.models.diskspace import human
from glmtts_desktop.models.endpoints import MIRROR, OFFICIAL

log = logging.getLogger(__name__)


def _eta(seconds) -> str:
    if seconds is None:
        return "…"
    seconds = int(seconds)
    if seconds >= 3600:
        return tr("{h} h {m} min", h=seconds // 3600, m=seconds % 3600 // 60)
    if seconds >= 60:
        return tr("{m} min {s} s", m=seconds // 60, s=seconds % 60)
    return tr("{s} s", s=seconds)


class _ErrorBox:
    """A plain sentence with a next step; the technical detail only when asked for."""

    def __init__(self, layout) -> None:
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.details_button = QPushButton()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details_button.setVisible(False)
        self.details_button.clicked.connect(lambda: self._show_details(not self.details.isVisible()))
        layout.addWidget(self.label)
        row = QHBoxLayout()  # the button keeps its own width instead of spanning the page
        row.addWidget(self.details_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.details)

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        live_text(self.details_button.setText, tr("Hide details") if shown else tr("Show details"))

    def show(self, exc: GlmTtsError) -> None:
        self.label.setStyleSheet(error_text_style())  # the theme may have changed since
        live_text(self.label.setText, exc.user_text)
        detail = exc.detail
        self.details.setPlainText(detail)
        self.details_button.setVisible(bool(detail))
        self._show_details(False)

    def clear(self) -> None:
        live_text(self.label.setText, "")
        self.details_button.setVisible(False)
        self._show_details(False)


class TransferPage(QWizardPage):
    """Runs the download or import; never complete until every file is in place and checked."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wz = wizard
        translator().bind(self.setTitle, "Getting the weights")
        lay = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.overall = QProgressBar()
        self.overall.setRange(0, 1000)
        lay.addWidget(self.overall)
        self.file_label = QLabel("")
        lay.addWidget(self.file_label)
        self.file_bar = QProgressBar()
        self.file_bar.setRange(0, 1000)
        lay.addWidget(self.file_bar)
        self.speed = QLabel("")
        lay.addWidget(self.speed)
        row = QHBoxLayout()
        self.pause_button = QPushButton()
        translator().bind(self.pause_button.setText, "Pause")
        self.resume_button = QPushButton()
        translator().bind(self.resume_button.setText, "Resume")
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.start)
        row.addWidget(self.pause_button)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.error = _ErrorBox(lay)
        lay.addStretch(1)
        self.worker = WeightsWorker(self)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)
        self._done = False
        self._import_total = 0
        self._last = None
        self._phase_shown = False  # the file line shows a passing step, not a file

    # -- life cycle -------------------------------------------------------------------
    def initializePage(self) -> None:
        self._done = False
        self.start()

    def cleanupPage(self) -> None:  # Back pressed: stop, keep the partial files
        self.worker.shutdown()

    def isComplete(self) -> bool:
        return self._done

    def start(self) -> None:
        if self.worker.busy():
            return
        c = self.wz.choice
        self.error.clear()
        self._set_running(True)
        model_dir = Path(c.model_dir)
        if c.mode == "import":
            live_text(self.status.setText, tr("Copying and checking the files from {f}…", f=c.import_from))
            self._import_total = 0
            self.worker.start(import_job(Path(c.import_from), model_dir, c.sample_rates, self.wz.manifest))
        else:
            endpoint = {"official": OFFICIAL, "mirror": MIRROR}.get(c.mode, c.endpoint)
            live_text(
                self.status.setText,
                tr(
                    "Downloading from {e}. You can close the app at any time; it continues where it stopped.",
                    e=endpoint,
                ),
            )
            self.wz.remember_choice()
            self.worker.start(
                download_job(model_dir, endpoint, c.sample_rates, self.wz.manifest, self.wz.transfer_settings)
            )

    def pause(self) -> None:
        self.worker.cancel()
        self.pause_button.setEnabled(False)

    def _set_running(self, running: bool) -> None:
        self.pause_button.setEnabled(running)
        self.resume_button.setEnabled(not running and not self._done)
        if not running and self._last is not None and not self._done:  # no stale speed while stopped
            self.speed.setText(
                tr("{done} of {total}", done=human(self._last.done), total=human(self._last.total))
            )

    # -- worker signals ---------------------------------------------------------------
    def _progress(self, p) -> None:
        if isinstance(p, tuple):  # import: ("file", path, i, n) or ("import", bytes)
            if p[0] == "file":
                live_text(self.file_label.setText, tr("File {i} of {n}: {f}", i=p[2] + 1, n=p[3], f=p[1]))
                self.overall.setValue(int(1000 * p[2] / max(p[3], 1)))
            return
        if p.phase == "metadata":
            self._show_phase(tr("Asking the server for the file list…"))
            return
        if p.phase == "checking":
            self._show_phase(tr("Checking {f} already on disk…", f=p.file))
            return
        self._phase_shown = False
        self._last = p
        if p.total:
            self.overall.setValue(int(1000 * p.done / p.total))
        if p.file_total:
            self.file_bar.setValue(int(1000 * p.file_done / p.file_total))
        if p.file:
            live_text(
                self.file_label.setText,
                tr("File {i} of {n}: {f}", i=p.file_index + 1, n=p.file_count, f=p.file),
            )
        self.speed.setText(
            tr(
                "{done} of {total} · {speed}/s · time left {eta}",
                done=human(p.done),
                total=human(p.total),
                speed=human(p.speed_bps),
                eta=_eta(p.eta_s),
            )
            # "The connection stalled, retrying…" (translated in the core) until bytes flow again
            + (f" — {p.notice}" if p.notice else "")
        )

    def _show_phase(self, text: str) -> None:
        """A step that is only true while the transfer runs (it is cleared when it stops)."""
        live_text(self.file_label.setText, text)
        self._phase_shown = True

    def _clear_phase(self) -> None:
        """After a stop, "Asking the server for the file list…" would claim work that is not
        happening; a file's name and count stay (they say where Resume picks up)."""
        if self._phase_shown:
            live_text(self.file_label.setText, "")
            self._phase_shown = False

    def _finished(self, report) -> None:
        self._done = True
        self.overall.setValue(1000)
        self.file_bar.setValue(1000)
        live_text(self.status.setText, tr("All files are in place and checked."))
        self._set_running(False)
        self.completeChanged.emit()

    def _failed(self, exc) -> None:
        self.error.show(exc)
        self._clear_phase()
        if self.wz.choice.mode == "import":
            live_text(
                self.status.setText,
                tr(
                    "The import is not complete; the good files were kept. Replace the listed files and "
                    "press Resume, or go Back and choose a download into the same folder to repair it online."
                ),
            )
        else:
            live_text(
                self.status.setText, tr("Stopped. What was downloaded is kept; press Resume to continue.")
            )
        self._set_running(False)

    def _cancelled(self) -> None:
        self._clear_phase()
        live_text(self.status.setText, tr("Paused. What was downloaded is kept; press Resume to continue."))
        self._set_running(False)


class VerifyPage(QWizardPage):
    """A last full check of every needed file (hashes once; remembered for later starts)."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wz = wizard
        translator().bind(self.setTitle, "Checking the weights")
        lay = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.bar = QProgressBar()
        lay.addWidget(self.bar)
        self.error = _ErrorBox(lay)
        lay.addStretch(1)
        self.worker = WeightsWorker(self)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self.error.show)
        self.report = None

    def initializePage(self) -> None:
        self.report = None
        self.error.clear()
        live_text(self.status.setText, tr("Checking every file…"))
        c = self.wz.choice
        self.worker.start(verify_job(Path(c.model_dir), c.sample_rates, self.wz.manifest))

    def cleanupPage(self) -> None:
        self.worker.shutdown()

    def isComplete(self) -> bool:
        return self.report is not None and self.report.complete

    def _progress(self, p) -> None:
        if isinstance(p, tuple) and p[0] == "file":
            self.bar.setRange(0, p[3])
            self.bar.setValue(p[2])

    def _finished(self, report) -> None:
        self.report = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        if report.complete:
            if report.unverified:
                live_text(
                    self.status.setText,
                    tr(
                        "Ready, but not every file could be checked: {s}. A download into this folder "
                        "checks them online later.",
                        s=report.summary(),
                    ),
                )
            else:
                live_text(self.status.setText, tr("Everything checks out: {s}.", s=report.summary()))
        else:
            live_text(
                self.status.setText,
                tr(
                    "Some files are missing or damaged: {s}. Go back to fetch them again.", s=report.summary()
                ),
            )
        self.completeChanged.emit()
