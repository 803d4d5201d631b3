"""Light and dark themes: the system's choice by default, or the one the person picked.

Fusion style with our own palettes, updated live when the system switches (Qt >= 6.5). Colours
that widgets set themselves (the message bar) come from ``message_colors`` so they are chosen
for the theme in use, and ``contrast_ratio`` (WCAG 2) is what the tests hold them to.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")

#: (background, text, border) per message level; text/background contrast >= 7:1 in both themes
_MESSAGE_COLORS = {
    False: {
        "error": ("#f8d7da", "#58151c", "#f1aeb5"),
        "warning": ("#fff3cd", "#664d03", "#ffe69c"),
        "info": ("#cfe2ff", "#052c65", "#9ec5fe"),
    },
    True: {
        "error": ("#2c0b0e", "#f1aeb5", "#842029"),
        "warning": ("#332701", "#ffe69c", "#997404"),
        "info": ("#031633", "#9ec5fe", "#084298"),
    },
}

# Fusion draws radio buttons and check boxes in the Base colour with an outline derived from
# the window colour; on a dark palette both are near-black, so the indicators vanish.
_DARK_STYLESHEET = """
QRadioButton::indicator, QCheckBox::indicator {
    width: 14px; height: 14px; border: 1px solid #b0b0b0; background: #1e1e20;
}
QRadioButton::indicator { border-radius: 8px; }
QCheckBox::indicator { border-radius: 3px; }
QRadioButton::indicator:checked {
    background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
                                stop:0 #6fb1ff, stop:0.5 #6fb1ff, stop:0.6 #1e1e20, stop:1 #1e1e20);
}
QCheckBox::indicator:checked { background: #408ce6; border-color: #6fb1ff; }
QRadioButton::indicator:disabled, QCheckBox::indicator:disabled { border-color: #606060; }
QToolTip { color: #e6e6e6; background: #2d2d30; border: 1px solid #707070; }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(30, 30, 32), QColor(45, 45, 48), QColor(230, 230, 230)
    for role, color in (
        (QPalette.Window, window),
        (QPalette.WindowText, text),
        (QPalette.Base, base),
        (QPalette.AlternateBase, QColor(38, 38, 41)),
        (QPalette.ToolTipBase, window),
        (QPalette.ToolTipText, text),
        (QPalette.Text, text),
        (QPalette.Button, QColor(58, 58, 62)),
        (QPalette.ButtonText, text),
        (QPalette.BrightText, QColor(255, 80, 80)),
        (QPalette.Highlight, QColor(64, 140, 230)),
        (QPalette.HighlightedText, QColor(255, 255, 255)),
        (QPalette.Link, QColor(110, 175, 255)),
        (QPalette.PlaceholderText, QColor(160, 160, 160)),
        (QPalette.Light, QColor(90, 90, 95)),
        (QPalette.Midlight, QColor(70, 70, 75)),
        (QPalette.Mid, QColor(100, 100, 105)),
        (QPalette.Dark, QColor(20, 20, 22)),
        (QPalette.Shadow, QColor(0, 0, 0)),
    ):
        p.setColor(role, color)
    for role in (QPalette.Text, QPalette.ButtonText, QPalette.WindowText):
        p.setColor(QPalette.Disabled, role, QColor(130, 130, 130))
    return p


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme is not None and scheme() == Qt.ColorScheme.Dark)


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette in use has light text on a dark window (what widgets must adapt to)."""
    if palette is None:
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
    return palette.color(QPalette.Window).lightness() < 128


_mode = "system"


def current_theme() -> str:
    return _mode


def apply_theme(app: QApplication, mode: str | None = None) -> None:
    """Apply ``mode`` ("system", "light" or "dark"; None keeps the current choice)."""
    global _mode
    if mode is not None:
        _mode = mode if mode in THEMES else "system"
    dark = _mode == "dark" or (_mode == "system" and system_is_dark())
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(_DARK_STYLESHEET if dark else "")
    log.debug("theme %s (%s)", _mode, "dark" if dark else "light")


def follow_system_theme(app: QApplication, mode: str = "system") -> None:
    apply_theme(app, mode)
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is not None:
        signal.connect(lambda _scheme: apply_theme(app))


def message_colors(level: str, dark: bool | None = None) -> tuple[str, str, str]:
    """(background, text, border) for a message of ``level`` in the current (or given) theme."""
    table = _MESSAGE_COLORS[palette_is_dark() if dark is None else dark]
    return table.get(level, table["info"])


def error_text_style() -> str:
    """A style sheet for an error sentence written on the window background (not in the
    message bar): readable in the theme in use (a fixed dark red vanished on the dark theme)."""
    return f"color: {message_colors('error')[1]};"


def relative_luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio (1..21); 4.5 is the minimum for normal text."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
