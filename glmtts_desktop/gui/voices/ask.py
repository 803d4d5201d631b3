"""One way to ask the person a question with named answers (tests replace ``ask_choice``).

Why one function: every "keep both / skip", "continue without consent", "empty the trash?"
question goes through here, so the wording style is shared and tests answer them without
driving a modal box.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QPushButton, QWidget


def ask_choice(
    parent: QWidget | None, title: str, text: str, choices: list[tuple[str, str]], *, detail: str = ""
) -> str | None:
    """Show ``text`` with one button per (key, label); the key of the one pressed, or None when
    the box was closed. The last choice is the cancel/escape answer."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    buttons: dict[QAbstractButton, str] = {}
    for i, (key, label) in enumerate(choices):
        role = (
            QMessageBox.ButtonRole.RejectRole if i == len(choices) - 1 else QMessageBox.ButtonRole.AcceptRole
        )
        button = box.addButton(label, role)
        buttons[button] = key
        if i == 0 and isinstance(button, QPushButton):
            box.setDefaultButton(button)
    box.exec()
    return buttons.get(box.clickedButton())
