"""The error bar is readable in the light and the dark theme (WCAG contrast >= 4.5:1).

The ratio is measured on the rendered widget: the bar is grabbed to an image, its background is
the most common pixel colour, and its text is the pixel that differs most from it. A label that
kept the palette's near-white text on the pink error background (the old dark-theme bug) fails.
"""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QRadioButton, QWidget

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.theme import apply_theme, contrast_ratio
from glmtts_desktop.gui.widgets.message_bar import MessageBar


@pytest.fixture
def theme():
    app = QApplication.instance()
    yield lambda mode: apply_theme(app, mode)
    apply_theme(app, "light")


def _measured_contrast(widget) -> float:
    """Contrast of the widget as drawn on its parent (a label's background is the parent's)."""
    parent = widget.parentWidget()
    image = (parent.grab(widget.geometry()) if parent is not None else widget.grab()).toImage()
    pixels = Counter(
        image.pixel(x, y) for y in range(2, image.height() - 2) for x in range(2, image.width() - 2)
    )
    background = QColor.fromRgb(pixels.most_common(1)[0][0])
    return max(contrast_ratio(background, QColor.fromRgb(p)) for p in pixels)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("level", ["error", "warning", "info"])
def test_message_bar_text_is_readable(qtbot, theme, mode, level):
    theme(mode)
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.resize(520, 40)
    if level == "error":
        bar.show_error(GlmTtsError("The reference audio is silent.", hint="Record again."))
    else:
        bar.show_message("The recording is 14 s long; 3-10 s works best.", level)
    qtbot.waitExposed(bar)
    assert contrast_ratio(QColor(bar.colors()[0]), QColor(bar.colors()[1])) >= 4.5
    assert _measured_contrast(bar.label) >= 4.5


def test_switching_theme_recolours_an_open_error(qtbot, theme):
    theme("light")
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_error(GlmTtsError("Something failed."))
    light_bg = bar.colors()[0]
    theme("dark")
    qtbot.waitUntil(lambda: bar.colors()[0] != light_bg)
    assert _measured_contrast(bar.label) >= 4.5


def test_dark_theme_radio_buttons_are_visible(qtbot, theme):
    """The unchecked indicator's ring must stand out from the window (>= 3:1, WCAG non-text)."""
    theme("dark")
    holder = QWidget()
    qtbot.addWidget(holder)
    radio = QRadioButton("", holder)
    radio.resize(24, 24)
    holder.resize(40, 40)
    holder.show()
    qtbot.waitExposed(holder)
    assert _measured_contrast(radio) >= 3.0
