"""The consent record of one voice: on what basis, who agreed, when, how, for what use, evidence.

Why a dialog of its own: a family archive keeps voices of people who may no longer be asked, so
the record says who decided and on what basis, and can carry the proof (a recorded consent
clip or a scanned letter), which the library keeps byte for byte with the voice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioBackend
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.panels.record_control import RecordControl
from glmtts_desktop.i18n import N_
from glmtts_desktop.library import ConsentRecord

log = logging.getLogger(__name__)

MSG_INTRO = "Record who allowed this voice to be cloned. The record stays with the voice, also in archives. Withdrawn consent stops new speech with this voice."  # noqa: E501

BASES = (
    ("self", N_("My own voice")),
    ("permission", N_("The speaker agreed")),
    ("family", N_("Authorised by family or estate (the speaker has died)")),
    ("other", N_("Other")),
)
SCOPES = (
    ("private family use", N_("Private family use only")),
    ("may be shared", N_("May be shared with others")),
)


class ConsentDialog(QDialog):
    """``record()`` gives the ConsentRecord, ``evidence`` the file to keep with it (or None)."""

    def __init__(
        self,
        voice_name: str,
        existing: ConsentRecord | None,
        *,
        backend: AudioBackend | None = None,
        takes_dir: Path | None = None,
        background: Background | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consentDialog")
        self.setWindowTitle(tr("Consent for “{name}”", name=voice_name))
        self.evidence: Path | None = None
        self._existing: ConsentRecord | None = None  # the record shown, once set_record() ran
        self._kept_evidence = existing.evidence_name if existing is not None else None
        self.basis = QComboBox()
        self.basis.setObjectName("consentBasis")
        for key, label in BASES:
            self.basis.addItem(tr(label), key)
        self.who = QLineEdit()
        self.who.setObjectName("consentWho")
        self.who.setPlaceholderText(tr("Who agreed or authorised it (a name)"))
        self.relationship = QLineEdit()
        self.relationship.setPlaceholderText(tr("e.g. my grandmother; her son, for the family"))
        self.when = QDateEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd")
        self.when.setDate(QDate.currentDate())
        self.how = QLineEdit()
        self.how.setObjectName("consentHow")
        self.how.setPlaceholderText(tr("e.g. said yes on a recording; signed letter; family agreement"))
        self.scope = QComboBox()
        for key, label in SCOPES:
            self.scope.addItem(tr(label), key)
        self.evidence_label = QLabel()
        self.evidence_label.setWordWrap(True)
        attach = QPushButton(tr("Attach a file (scanned letter, recording)…"))
        attach.clicked.connect(self._attach_dialog)
        self.recorder: RecordControl | None = None
        if backend is not None and takes_dir is not None and background is not None:
            self.recorder = RecordControl(backend, takes_dir, background)
            self.recorder.recorded.connect(self.set_evidence)

        form = QFormLayout()
        form.addRow(tr("Basis"), self.basis)
        form.addRow(tr("Who"), self.who)
        form.addRow(tr("Relation to you"), self.relationship)
        form.addRow(tr("When"), self.when)
        form.addRow(tr("How"), self.how)
        form.addRow(tr("Allowed use"), self.scope)
        ev = QVBoxLayout()
        ev.addWidget(self.evidence_label)
        row = QHBoxLayout()
        row.addWidget(attach)
        row.addStretch(1)
        ev.addLayout(row)
        if self.recorder is not None:
            hint = QLabel(tr("Or record the speaker saying they agree:"))
            ev.addWidget(hint)
            ev.addWidget(self.recorder)
        form.addRow(tr("Evidence (optional)"), ev)
        self.error = QLabel("")
        self.error.setObjectName("consentError")
        self.error.setStyleSheet("color:#c62828")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(tr(MSG_INTRO))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if existing is not None:
            self._fill(existing)
        self._show_evidence()

    def _fill(self, c: ConsentRecord) -> None:
        self.basis.setCurrentIndex(max(self.basis.findData(c.basis), 0))
        self.who.setText(c.who)
        self.relationship.setText(c.relationship)
        try:
            d = dt.date.fromisoformat(str(c.when)[:10])
            self.when.setDate(QDate(d.year, d.month, d.day))
        except ValueError:
            pass
        self.how.setText(c.how)
        idx = self.scope.findData(c.scope)
        if idx < 0 and c.scope:
            self.scope.addItem(c.scope, c.scope)
            idx = self.scope.count() - 1
        self.scope.setCurrentIndex(max(idx, 0))
        self._existing = c

    def _attach_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Attach consent evidence"), str(Path.home()))
        if path:
            self.set_evidence(Path(path))

    def set_evidence(self, path: Path) -> None:
        self.evidence = Path(path)
        self._show_evidence()

    def _show_evidence(self) -> None:
        if self.evidence is not None:
            self.evidence_label.setText(tr("Will keep: {name}", name=self.evidence.name))
        elif self._kept_evidence:
            self.evidence_label.setText(tr("Kept: {name}", name=self._kept_evidence))
        else:
            self.evidence_label.setText(tr("No evidence attached."))

    def record(self) -> ConsentRecord:
        new = ConsentRecord(
            who=self.who.text().strip(),
            how=self.how.text().strip(),
            when=self.when.date().toString("yyyy-MM-dd"),
            basis=str(self.basis.currentData()),
            relationship=self.relationship.text().strip(),
            scope=str(self.scope.currentData()),
        )
        base = self._existing
        if base is None:
            return new
        # a new record for the same voice: the evidence already on file stays with it
        return replace(
            new,
            evidence_path=base.evidence_path,
            evidence_sha256=base.evidence_sha256,
            evidence_name=base.evidence_name,
        )

    def _accept(self) -> None:
        if not self.who.text().strip() or not self.how.text().strip():
            self.error.setText(tr("Say who agreed and how, so the record means something later."))
            return
        if self.recorder is not None:
            self.recorder.abort()
        self.accept()

    def reject(self) -> None:
        if self.recorder is not None:
            self.recorder.abort()
        super().reject()
