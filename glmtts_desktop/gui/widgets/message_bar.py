"""An inline message strip at the top of the window: errors and warnings without modal dialogs.

Why not QMessageBox: a modal box blocks the person mid-task and hides what they were doing;
this strip keeps the work visible and editable, and it is trivial to read in tests.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from glmtts_desktop.errors import GlmTtsError

_STYLES = {
    "error": "background:#f8d7da; color:#58151c; border:1px solid #f1aeb5; border-radius:4px;",
    "warning": "background:#fff3cd; color:#664d03; border:1px solid #ffe69c; border-radius:4px;",
    "info": "background:#cfe2ff; color:#052c65; border:1px solid #9ec5fe; border-radius:4px;",
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = ""
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, level: str = "info", detail: str = "") -> None:
        self.level = level
        self.label.setText(text)
        self.label.setToolTip(detail)
        self.setStyleSheet(f"MessageBar {{{_STYLES.get(level, '')}}} QLabel {{ border: none; }}")
        self.show()

    def show_error(self, error: object) -> None:
        if isinstance(error, GlmTtsError):
            self.show_message(error.user_text(), "error", error.detail)
        else:
            self.show_message(str(error), "error")

    def text(self) -> str:
        return self.label.text() if self.isVisible() or not self.isHidden() else ""

    def clear(self) -> None:
        self.level = ""
        self.label.setText("")
        self.hide()
