"""The Archive menu: export voices (one, several, all) to a folder or .zip, import an archive,
check the library's integrity. Each runs in the background with a percentage (bytes done of
the total, reported by the library) and a Cancel button in the status bar, then says plainly
what happened. A cancelled export leaves no archive, a cancelled import leaves the library as
it was.

Why a separate module: these are the only ways a whole family archive leaves or comes back into
the app, so their questions (which voices? folder or zip? keep both or skip?) and their
summaries live together. The work itself is the studio's (BagIt export/import, re-hashing).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.errors import CancelledError
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.i18n import N_
from glmtts_desktop.library import Voice
from glmtts_desktop.studio import DuplicateVoiceError

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow
    from glmtts_desktop.library.progress import CancelCheck, ProgressCallback

    Work = Callable[[ProgressCallback, CancelCheck], Any]
    from glmtts_desktop.library.archive.restore import ImportReport

log = logging.getLogger(__name__)


class ExportChoice(QDialog):
    """Which voices go into the archive (all ticked by default), and folder or zip."""

    def __init__(self, voices: list[Voice], preselect: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveExportDialog")
        self.setWindowTitle(tr("Export an archive"))
        self.list = QListWidget()
        for v in voices:
            item = QListWidgetItem(v.name)
            item.setData(Qt.ItemDataRole.UserRole, v.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = preselect is None or v.id == preselect
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.as_zip = QRadioButton(tr("One .zip file (easy to copy or send)"))
        self.as_folder = QRadioButton(tr("A folder (easy to look into)"))
        self.as_zip.setChecked(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(tr(MSG_EXPORT_INTRO))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.as_zip)
        layout.addWidget(self.as_folder)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out


PROBLEMS = {"missing": N_("missing"), "checksum mismatch": N_("changed since it was stored")}
MSG_EXPORT_INTRO = "The archive keeps the original recordings byte for byte, the clips and transcripts, consent records and evidence, and every generation with its settings, with checksums and a README that explains it without this app."  # noqa: E501


class ArchiveActions(QObject):
    """Owns the progress bar and Cancel button; ``export``, ``import_`` and ``check`` are the
    menu's slots."""

    finished = Signal(str)  # the summary shown (tests wait on it)
    progressed = Signal(int)  # percent done; emitted from the background thread, shown here

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.busy = QProgressBar()
        self.busy.setObjectName("archiveBusy")
        self.busy.setRange(0, 100)
        self.busy.setFormat("%p%")
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("archiveCancel")
        translator().bind(self.cancel_button.setText, "Cancel")
        translator().bind(self.cancel_button.setToolTip, "Stop this archive task; nothing is changed.")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        # permanent: a status message (what is running) would hide normal status bar widgets
        window.statusBar().addPermanentWidget(self.busy)
        window.statusBar().addPermanentWidget(self.cancel_button)
        self.progressed.connect(self.busy.setValue)
        self.running = False
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the running task to stop at its next safe point (between files)."""
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.w.statusBar().showMessage(tr("Cancelling…"))

    # --- plumbing --------------------------------------------------------------------------------
    def _run(self, what: str, work: Work, done: Callable[[Any], None], failed=None) -> None:
        if self.running:
            self.w.statusBar().showMessage(tr("An archive task is still running."), 5000)
            return
        self.running = True
        self._cancel.clear()
        self.busy.setValue(0)
        self.busy.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.w.statusBar().showMessage(what)
        cancel = self._cancel
        last = [-1]

        def report(done_units: int, total: int) -> None:  # in the background thread
            percent = int(100 * done_units / max(total, 1))
            if percent != last[0]:
                last[0] = percent
                self.progressed.emit(percent)

        def finish() -> None:
            self.running = False
            self.busy.hide()
            self.cancel_button.hide()
            self.w.statusBar().clearMessage()

        def ok(result: Any) -> None:
            finish()
            done(result)

        def bad(error: Any) -> None:
            finish()
            if isinstance(error, CancelledError):
                self._summary(tr("Cancelled; nothing was changed."))
                return
            if failed is not None and failed(error):
                return
            self.w.show_error(error)
            self.finished.emit("")

        self.w.background.run(lambda: work(report, cancel.is_set), ok, bad)

    def _summary(self, text: str, level: str = "info") -> None:
        self.w.messages.show_message(text, level)
        self.finished.emit(text)

    # --- export ----------------------------------------------------------------------------------
    def export(self, voice_ids: list[str] | None = None, out: Path | None = None) -> None:
        """Ask which voices and where (unless given), then write the archive."""
        voices = self.w.voices_view.live_voices()
        if not voices:
            self._summary(tr("There are no saved voices to export yet."), "warning")
            return
        if voice_ids is None or out is None:
            dlg = ExportChoice(voices, None, self.w)  # all ticked: the whole family archive by default
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            voice_ids = dlg.chosen()
            if not voice_ids:
                return
            stamp = dt.date.today().isoformat()
            name = f"GLM-TTS voices {stamp}"
            start = str(Path.home() / name)
            if dlg.as_zip.isChecked():
                path, _ = QFileDialog.getSaveFileName(
                    self.w, tr("Export an archive"), start + ".zip", "Zip (*.zip)"
                )
                if path and not path.lower().endswith(".zip"):
                    path += ".zip"
            else:
                path, _ = QFileDialog.getSaveFileName(self.w, tr("Export an archive (a new folder)"), start)
            if not path:
                return
            out = Path(path)
        everything = len(voice_ids) == len(voices)
        ids = None if everything else list(voice_ids)
        studio = self.w.store.studio
        n = len(voice_ids)

        def done(written: Path) -> None:
            self._summary(
                tr(
                    "Archive written: {path} ({n} voice(s), verified checksums inside).",
                    path=str(written),
                    n=n,
                )
            )

        self._run(
            tr("Writing the archive…"),
            lambda report, cancelled: studio.export_archive(
                out, ids, on_progress=report, cancelled=cancelled
            ),
            done,
        )

    # --- import ----------------------------------------------------------------------------------
    def import_(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self.w,
                tr("Import an archive (.zip, or bagit.txt in an archive folder)"),
                str(Path.home()),
                tr("Archives") + " (*.zip bagit.txt);;* (*)",
            )
            if not chosen:
                return
            path = Path(chosen)
            if path.name == "bagit.txt":
                path = path.parent
        self._import(Path(path), "ask")

    def _import(self, path: Path, policy: str) -> None:
        studio = self.w.store.studio

        def done(report: ImportReport) -> None:
            self.w.voices_view.refresh()
            self.w.session.refresh_history()
            self._summary(_import_summary(report))

        def failed(error: Any) -> bool:
            if not isinstance(error, DuplicateVoiceError):
                return False
            answer = ask.ask_choice(
                self.w,
                tr("Already in the library"),
                tr(
                    "The archive holds a voice that is already in the library: “{existing}”.",
                    existing=error.existing_name,
                ),
                [
                    ("skip", tr("Skip voices I already have")),
                    ("keep_both", tr("Keep both")),
                    ("cancel", tr("Cancel")),
                ],
                detail=tr("Nothing has been imported yet."),
            )
            if answer in ("skip", "keep_both"):
                self._import(path, answer)
            else:
                self.finished.emit("")
            return True

        self._run(
            tr("Verifying and importing the archive…"),
            lambda report, cancelled: studio.import_archive(
                path,
                on_duplicate=policy,  # type: ignore[arg-type]
                on_progress=report,
                cancelled=cancelled,
            ),
            done,
            failed,
        )

    # --- integrity -------------------------------------------------------------------------------
    def check(self) -> None:
        studio = self.w.store.studio

        def done(problems: list) -> None:
            if not problems:
                self._summary(tr("Library checked: every file is present and unchanged."))
                return
            lines = [f"{p.path.name}: {tr(PROBLEMS.get(p.problem, p.problem))}" for p in problems[:8]]
            more = len(problems) - len(lines)
            text = (
                tr("{n} file(s) in the library are missing or changed:", n=len(problems))
                + "\n"
                + "\n".join(lines)
            )
            if more > 0:
                text += "\n" + tr("…and {n} more.", n=more)
            self._summary(text, "error")

        self._run(
            tr("Checking every file in the library…"),
            lambda report, cancelled: studio.check_integrity(on_progress=report, cancelled=cancelled),
            done,
        )


def _import_summary(report: ImportReport) -> str:
    text = tr(
        "Archive imported and verified: {v} voice(s) added, {g} generation(s) added.",
        v=len(report.voices_added),
        g=report.generations_added,
    )
    if report.voices_skipped:
        text += " " + tr("Skipped (already here): {names}.", names=", ".join(report.voices_skipped))
    return text
