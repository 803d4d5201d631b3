"""An inline message strip at the top of the window: errors and warnings without modal dialogs.

Why not QMessageBox: a modal box blocks the person mid-task and hides what they were doing;
this strip keeps the work visible and editable, and it is trivial to read in tests.

An error caused by missing input ("no text", "no reference") comes with a check that says
when it is fixed; ``recheck()`` (called on every input change) then hides it, so a bar never
goes on complaining about a problem the person has already solved.

The strip keeps what it shows (the error object or the ``tr`` message), so a live language
switch re-translates it, and it re-colours itself when the theme changes: its colours come
from ``theme.message_colors`` and are set on the label too, because a label otherwise takes
the palette's text colour (near-white in the dark theme) whatever the strip's background is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.i18n import live_text, retranslate, translator
from glmtts_desktop.gui.theme import message_colors, palette_is_dark


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.level = ""
        self._shown: object = None  # a GlmTtsError or a str (possibly a tr() Message)
        self._dark = False  # the theme the colours were chosen for
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("messageText")
        self.action_button = QPushButton()
        self.action_button.setObjectName("messageAction")
        self.action_button.hide()
        self.action_button.clicked.connect(self._run_action)
        self._action: Callable[[], None] | None = None
        self._fixed_when: Callable[[], bool] | None = None
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.clear)
        translator().bind(self.close_button.setToolTip, "Close this message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        translator().languageChanged.connect(lambda _lang: self._render())
        self.hide()

    def show_message(
        self,
        text: str,
        level: str = "info",
        detail: str = "",
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        """``action``: (button text, what it does), e.g. ("Undo", restore) after a delete."""
        self.level = level
        self._shown = text
        self._fixed_when = None
        self._set_action(action)
        self.label.setToolTip(detail)
        self._render()
        self.show()

    def _set_action(self, action: tuple[str, Callable[[], None]] | None) -> None:
        self._action = action[1] if action else None
        if action:
            live_text(self.action_button.setText, action[0])
        self.action_button.setVisible(action is not None)

    def _run_action(self) -> None:
        action, self._action = self._action, None
        self.action_button.hide()
        if action is not None:
            action()

    def show_error(self, error: object, fixed_when: Callable[[], bool] | None = None) -> None:
        """``fixed_when``: for errors the person fixes by input; True once the problem is gone."""
        self._set_action(None)
        self._fixed_when = fixed_when
        if isinstance(error, GlmTtsError):
            self.level = "error"
            self._shown = error
            self.label.setToolTip(error.detail)
            self._render()
            self.show()
        else:
            self.show_message(str(error), "error")
            self._fixed_when = fixed_when

    def recheck(self) -> None:
        """Hide the shown error if the input that caused it has been fixed."""
        check = self._fixed_when
        if check is None or self.isHidden():
            return
        try:
            fixed = check()
        except Exception:  # noqa: BLE001 - a failing check means "not fixed yet"
            fixed = False
        if fixed:
            self.clear()

    def _render(self) -> None:
        """Text in the current language, colours for the current theme."""
        if isinstance(self._shown, GlmTtsError):
            self.label.setText(self._shown.user_text())
        elif isinstance(self._shown, str):
            self.label.setText(retranslate(self._shown))
        if self.level:
            self._dark = palette_is_dark()
            bg, fg, border = message_colors(self.level, self._dark)
            self.setStyleSheet(
                f"QFrame#messageBar {{ background:{bg}; border:1px solid {border}; border-radius:4px; }}"
                f" QLabel#messageText {{ color:{fg}; background:transparent; border:none; }}"
                f" QToolButton {{ color:{fg}; background:transparent; border:none; }}"
            )

    def colors(self) -> tuple[str, str]:
        """(background, text) colours in use, for tests and screenshots."""
        bg, fg, _ = message_colors(self.level or "info")
        return bg, fg

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        kinds = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        # only when the theme really changed: restyling itself sends this event again
        if event.type() in kinds and self.level and palette_is_dark() != self._dark:
            self._render()
        super().changeEvent(event)

    def text(self) -> str:
        return self.label.text() if self.isVisible() or not self.isHidden() else ""

    def clear(self) -> None:
        self._set_action(None)
        self._fixed_when = None
        self.level = ""
        self._shown = None
        self.label.setText("")
        self.hide()
