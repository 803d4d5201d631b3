"""Ask what a new clip says (and a note, and whether to use it from now on).

One function, ``ask_clip_details``, so tests answer it without driving a modal dialog (as
``ask.ask_choice``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.gui.i18n import tr


@dataclass(frozen=True)
class ClipDetails:
    transcript: str
    note: str = ""
    make_default: bool = False


class ClipDetailsDialog(QDialog):
    def __init__(self, about: str, initial: ClipDetails | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add a clip") if initial is None else tr("Edit the clip"))
        intro = QLabel(about)
        intro.setWordWrap(True)
        self.transcript = QPlainTextEdit()
        self.transcript.setObjectName("clipTranscript")
        self.transcript.setPlaceholderText(tr("Type exactly what this clip says…"))
        self.transcript.setMaximumHeight(80)
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("e.g. cheerful, from the birthday video"))
        self.make_default = QCheckBox(tr("Use this clip for new speech from now on"))
        form = QFormLayout()
        form.addRow(tr("Transcript"), self.transcript)
        form.addRow(tr("Note"), self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept_if_filled)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.make_default)
        layout.addWidget(buttons)
        if initial is not None:  # editing: the default is chosen in the list
            self.transcript.setPlainText(initial.transcript)
            self.note.setText(initial.note)
            self.make_default.hide()

    def _accept_if_filled(self) -> None:
        if self.transcript.toPlainText().strip():
            self.accept()
        else:
            self.transcript.setFocus()

    def details(self) -> ClipDetails:
        return ClipDetails(
            self.transcript.toPlainText().strip(), self.note.text().strip(), self.make_default.isChecked()
        )


def ask_clip_details(
    parent: QWidget | None, about: str, initial: ClipDetails | None = None
) -> ClipDetails | None:
    """The transcript, note and default choice for a new clip (or the edited transcript and
    note of ``initial``), or None when cancelled."""
    dlg = ClipDetailsDialog(about, initial, parent)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    return dlg.details()
