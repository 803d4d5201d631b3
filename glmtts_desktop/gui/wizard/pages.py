"""Welcome, system, source/folder and done pages of the first-run wizard."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWizardPage,
)

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.i18n import N_

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.models.download import ConnectionReport
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.gui.theme import error_text_style
from glmtts_desktop.gui.wizard.hardware import describe, free_disk_text, system_summary
from glmtts_desktop.models.endpoints import MIRROR, OFFICIAL, normalize_endpoint

log = logging.getLogger(__name__)

#: the same plain words as the Generate panel's quality choice
RATE_CHOICES = [
    ("Standard (24 kHz, recommended)", [24000]),
    ("High quality (32 kHz)", [32000]),
    ("Both", [24000, 32000]),
]


def _wrap(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _bound(msgid: str, **fmt: object) -> QLabel:
    """A wrapping label whose fixed text follows a live language switch."""
    label = _wrap()
    translator().bind(label.setText, msgid, **fmt)
    return label


def _button(msgid: str) -> QPushButton:
    button = QPushButton()
    translator().bind(button.setText, msgid)
    return button


def _form() -> QFormLayout:
    """A form whose fields take the width and whose long rows wrap under their label, the same
    on every platform style (the Mac-like default kept fields at their size hint and clipped)."""
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return form


class WelcomePage(QWizardPage):
    def __init__(self, resuming: bool) -> None:
        super().__init__()
        translator().bind(self.setTitle, "Welcome to GLM-TTS Desktop")
        lay = QVBoxLayout(self)
        lay.addWidget(
            _bound(
                N_(
                    "Before you can make speech, the app needs the GLM-TTS model files (about 9 GB). "
                    "They are downloaded once and checked; after that the app works without the internet."
                )
            )
        )
        self.resume_label = _bound(
            N_("A download was interrupted earlier. It will continue where it stopped.")
        )
        self.resume_label.setVisible(resuming)
        lay.addWidget(self.resume_label)
        lay.addStretch(1)


class _ProbeSignals(QObject):
    done = Signal(object)


class _Probe(QRunnable):
    def __init__(self, fn, signals: _ProbeSignals) -> None:
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            info = self.fn()
        except Exception as exc:  # noqa: BLE001 - shown as text
            info = exc
        self.signals.done.emit(info)


class SystemPage(QWizardPage):
    """GPU/VRAM/CUDA (asked of torch lazily, off the GUI thread) and free disk."""

    def __init__(self, probe, folder_fn) -> None:
        super().__init__()
        translator().bind(self.setTitle, "What this PC has")
        self._probe_fn, self._folder_fn = probe, folder_fn
        self._signals = _ProbeSignals()
        self._signals.done.connect(self._show)
        self._started = False
        lay = QVBoxLayout(self)
        form = _form()
        self.gpu = _bound(N_("Checking…"))
        self.disk = _wrap("")
        # asking torch about the GPU takes up to ~15 s the first time: show that work goes on
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height())
        gpu_cell = QVBoxLayout()
        gpu_cell.addWidget(self.gpu)
        gpu_cell.addWidget(self.busy)
        form.addRow(_bound(N_("Graphics card:")), gpu_cell)
        form.addRow(_bound(N_("Disk:")), self.disk)
        form.addRow(_bound(N_("System:")), _wrap(system_summary()))
        lay.addLayout(form)
        lay.addStretch(1)
        self.info = None

    def initializePage(self) -> None:
        folder = self._folder_fn()
        live_text(self.disk.setText, lambda: free_disk_text(folder))
        if not self._started:
            self._started = True
            QThreadPool.globalInstance().start(_Probe(self._probe_fn, self._signals))

    def _show(self, info) -> None:
        self.info = info
        self.busy.hide()
        live_text(
            self.gpu.setText,
            lambda: (
                describe(info)
                if not isinstance(info, Exception)
                else tr("Could not check the graphics card ({e}).", e=info)
            ),
        )


class SourcePage(QWizardPage):
    """Where from (official / mirror / custom / a folder) and where to (model folder)."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wz = wizard
        translator().bind(self.setTitle, "Where to get the weights, and where to keep them")
        lay = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.radios = {}
        for key, text in (
            ("official", N_("Hugging Face (official): {url}")),
            ("mirror", N_("hf-mirror.com (usually faster in mainland China)")),
            ("custom", N_("Another mirror address:")),
            ("import", N_("Import from a folder (USB stick, another PC):")),
        ):
            r = QRadioButton()
            translator().bind(r.setText, text, url=OFFICIAL)
            self.radios[key] = r
            self.group.addButton(r)
            lay.addWidget(r)
            if key == "custom":
                self.custom = QLineEdit()
                self.custom.setPlaceholderText("https://")
                lay.addWidget(self.custom)
            if key == "import":
                row = QHBoxLayout()
                self.import_from = QLineEdit()
                browse = _button(N_("Browse…"))
                browse.clicked.connect(lambda: self._browse(self.import_from))
                row.addWidget(self.import_from, 1)
                row.addWidget(browse)
                lay.addLayout(row)
        form = _form()
        row = QHBoxLayout()
        self.folder = QLineEdit()
        browse = _button(N_("Browse…"))
        browse.clicked.connect(lambda: self._browse(self.folder))
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow(_bound(N_("Model folder:")), row)
        self.rates = QComboBox()
        for text, _ in RATE_CHOICES:
            self.rates.addItem(tr(text))
        translator().languageChanged.connect(lambda _: self._retranslate_rates())
        form.addRow(_bound(N_("Output quality:")), self.rates)
        lay.addLayout(form)
        self.disk = _wrap("")
        lay.addWidget(self.disk)
        test_row = QHBoxLayout()
        self.test_button = _button(N_("Test connection"))
        self.test_button.clicked.connect(self._test)
        self.test_result = _wrap("")
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        lay.addLayout(test_row)
        lay.addWidget(self.test_result)  # below the button: a long answer wraps over the full width
        self.error = _wrap("")
        lay.addWidget(self.error)
        self.folder.textChanged.connect(self._update_disk)
        self.group.buttonToggled.connect(lambda *_: self._mode_changed())
        for w in (self.custom, self.import_from, self.folder):
            w.textChanged.connect(self.completeChanged)

    def _retranslate_rates(self) -> None:
        for i, (text, _) in enumerate(RATE_CHOICES):
            self.rates.setItemText(i, tr(text))

    def initializePage(self) -> None:
        c = self.wz.choice
        self.radios.get(c.mode, self.radios["mirror"]).setChecked(True)
        self.custom.setText(c.endpoint if c.mode == "custom" else self.custom.text())
        self.import_from.setText(c.import_from)
        self.folder.setText(c.model_dir)
        idx = next((i for i, (_, r) in enumerate(RATE_CHOICES) if r == list(c.sample_rates)), 0)
        self.rates.setCurrentIndex(idx)
        self._mode_changed()
        self._update_disk()

    def mode(self) -> str:
        return next(k for k, r in self.radios.items() if r.isChecked())

    def _mode_changed(self) -> None:
        mode = self.mode() if any(r.isChecked() for r in self.radios.values()) else "mirror"
        self.custom.setEnabled(mode == "custom")
        self.import_from.setEnabled(mode == "import")
        self.test_button.setEnabled(mode != "import")
        self.completeChanged.emit()

    def _browse(self, edit: QLineEdit) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Choose a folder"), edit.text() or str(Path.home()))
        if path:
            edit.setText(path)

    def _update_disk(self) -> None:
        text = self.folder.text().strip()
        live_text(self.disk.setText, lambda: free_disk_text(Path(text)) if text else "")

    def endpoint_text(self) -> str:
        return {"official": OFFICIAL, "mirror": MIRROR}.get(self.mode(), self.custom.text().strip())

    def isComplete(self) -> bool:
        if not self.folder.text().strip():
            return False
        mode = self.mode() if any(r.isChecked() for r in self.radios.values()) else ""
        if mode == "custom":
            return bool(self.custom.text().strip())
        if mode == "import":
            return bool(self.import_from.text().strip())
        return bool(mode)

    def validatePage(self) -> bool:
        live_text(self.error.setText, "")
        self.error.setStyleSheet(error_text_style())  # the theme may have changed since
        mode = self.mode()
        try:
            if mode != "import":
                ep = normalize_endpoint(self.endpoint_text())
                if ep.warning:
                    live_text(self.test_result.setText, tr(ep.warning))
            elif not Path(self.import_from.text().strip()).expanduser().is_dir():
                raise GlmTtsError(
                    tr("That folder does not exist."), hint=tr("Choose the folder with the weights.")
                )
            folder = Path(self.folder.text().strip()).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                raise GlmTtsError(
                    tr("The app cannot write to {f}.", f=folder),
                    hint=tr("Choose a folder in your user space."),
                )
        except GlmTtsError as exc:
            live_text(self.error.setText, exc.user_text)
            return False
        except OSError as exc:
            live_text(
                self.error.setText,
                tr("The model folder cannot be created ({e}). Choose another folder.", e=exc),
            )
            return False
        c = self.wz.choice
        c.mode, c.model_dir = mode, str(folder)
        c.endpoint = self.custom.text().strip() if mode == "custom" else ""
        c.import_from = self.import_from.text().strip()
        c.sample_rates = list(RATE_CHOICES[self.rates.currentIndex()][1])
        return True

    def _test(self) -> None:
        from glmtts_desktop.gui.wizard.worker import connection_job

        try:
            ep = normalize_endpoint(self.endpoint_text())
        except GlmTtsError as exc:
            live_text(self.test_result.setText, exc.user_text)
            return
        live_text(self.test_result.setText, tr("Testing…"))
        self.test_button.setEnabled(False)
        self.wz.tester.start(connection_job(ep, self.wz.manifest))

    def show_test_result(self, result: ConnectionReport | GlmTtsError | str) -> None:
        self.test_button.setEnabled(True)
        if isinstance(result, GlmTtsError):
            live_text(self.test_result.setText, result.user_text)
        elif isinstance(result, str):
            live_text(self.test_result.setText, result)
        else:
            live_text(self.test_result.setText, result.sentence)


def default_mode() -> str:
    """Mirror for people in mainland China (or when HF_ENDPOINT says so), else official."""
    if os.environ.get("HF_ENDPOINT"):
        return "custom"
    return "mirror" if QLocale.system().territory() == QLocale.Country.China else "official"


class DonePage(QWizardPage):
    def __init__(self, wizard) -> None:
        super().__init__()
        self.wz = wizard
        translator().bind(self.setTitle, "All set")
        lay = QVBoxLayout(self)
        self.text = _wrap("")
        lay.addWidget(self.text)
        lay.addStretch(1)

    def initializePage(self) -> None:
        live_text(
            self.text.setText,
            tr(
                "The weights are in {f} and verified. The voice engine loads next; "
                "from now on the app works offline.",
                f=self.wz.choice.model_dir,
            ),
        )
