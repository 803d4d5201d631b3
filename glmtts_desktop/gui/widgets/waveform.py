"""A waveform with an optional draggable selection, a playhead, zoom and scroll (pyqtgraph).

Long audio is reduced to a min/max envelope of a few thousand points before plotting, so a
40-minute file draws as fast as a 4-second one. When zoomed in, the envelope is recomputed for
the visible span only, so picking 5 s out of minutes shows every syllable, not a blur.
The mouse wheel zooms around the pointer and dragging the background scrolls (x only).
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from glmtts_desktop.mono import to_mono

log = logging.getLogger(__name__)

ENVELOPE_POINTS = 4000
MIN_SPAN_S = 0.05  # the closest zoom: 50 ms across the view
ZOOM_STEP = 2.0


def envelope(audio: np.ndarray, sr: int, points: int = ENVELOPE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(times, values) tracing the min/max of each bucket, alternately, for a faithful outline."""
    x = to_mono(audio)
    n = len(x)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if n <= 2 * points:
        return np.arange(n) / float(sr), x
    bucket = n // points
    trimmed = x[: bucket * points].reshape(points, bucket)
    lo, hi = trimmed.min(axis=1), trimmed.max(axis=1)
    values = np.empty(2 * points, np.float32)
    values[0::2], values[1::2] = lo, hi
    times = np.repeat(np.arange(points) * bucket / float(sr), 2)
    return times, values


class WaveformView(QWidget):
    selectionChanged = Signal(float, float)  # seconds
    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, selectable: bool = False) -> None:
        super().__init__(parent)
        self.duration = 0.0
        self._audio: np.ndarray | None = None
        self._sr = 0
        self._drawn: tuple[int, int] = (0, 0)  # sample span the curve currently traces
        self._plot = pg.PlotWidget()
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=True, y=False)
        self._plot.hideButtons()
        self._plot.setYRange(-1.0, 1.0)
        self._plot.getPlotItem().hideAxis("left")
        self._plot.setMinimumHeight(90)
        self._curve = self._plot.plot([], [])
        self._playhead = pg.InfiniteLine(pos=0, angle=90, movable=False)
        self._playhead.setVisible(False)
        self._plot.addItem(self._playhead)
        self._region: pg.LinearRegionItem | None = None
        if selectable:
            self._region = pg.LinearRegionItem(values=(0, 0))
            self._region.setZValue(10)
            self._region.sigRegionChangeFinished.connect(self._on_region)
            self._region.setVisible(False)
            self._plot.addItem(self._region)
        self._plot.scene().sigMouseClicked.connect(self._on_click)
        self._plot.getPlotItem().vb.sigXRangeChanged.connect(lambda *_: self._redraw_visible())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        self.apply_palette()

    def apply_palette(self) -> None:
        """Follow the light/dark theme."""
        pal = self.palette()
        self._plot.setBackground(pal.color(QPalette.Base))
        self._curve.setPen(pg.mkPen(pal.color(QPalette.Highlight), width=1))
        self._playhead.setPen(pg.mkPen(pal.color(QPalette.Text), width=2))
        if self._region is not None:
            c = pal.color(QPalette.Highlight)
            c.setAlpha(60)
            self._region.setBrush(pg.mkBrush(c))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)

    # --- data --------------------------------------------------------------------------------
    def set_audio(self, audio: np.ndarray | None, sr: int) -> None:
        if audio is None or len(audio) == 0 or sr <= 0:
            self.clear()
            return
        self._audio = np.asarray(audio, dtype=np.float32)
        self._sr = int(sr)
        self._drawn = (0, 0)
        t, v = envelope(self._audio, self._sr)
        self.duration = len(audio) / float(sr)
        self._curve.setData(t, v)
        self._drawn = (0, len(self._audio))
        vb = self._plot.getPlotItem().vb
        vb.setLimits(xMin=0.0, xMax=self.duration, minXRange=min(MIN_SPAN_S, self.duration))
        self._plot.setXRange(0, self.duration, padding=0.0)
        peak = float(np.max(np.abs(v))) if len(v) else 1.0
        self._plot.setYRange(-max(peak, 0.05), max(peak, 0.05))
        if self._region is not None:
            self._region.setBounds((0, self.duration))
            self._region.setVisible(True)

    def clear(self) -> None:
        self.duration = 0.0
        self._audio = None
        self._drawn = (0, 0)
        self._curve.setData([], [])
        self._playhead.setVisible(False)
        if self._region is not None:
            self._region.setVisible(False)

    def has_audio(self) -> bool:
        return self.duration > 0

    def plotted_points(self) -> int:
        x, _ = self._curve.getData()
        return 0 if x is None else len(x)

    # --- zoom and scroll ---------------------------------------------------------------------
    def view_range(self) -> tuple[float, float]:
        """The visible span in seconds."""
        a, b = self._plot.getPlotItem().vb.viewRange()[0]
        return (max(0.0, float(a)), min(self.duration, float(b)))

    def set_view(self, start: float, end: float) -> None:
        """Show [start, end] seconds (clamped to the audio)."""
        if not self.has_audio():
            return
        span = min(max(end - start, MIN_SPAN_S), self.duration)
        start = min(max(0.0, start), self.duration - span)
        self._plot.setXRange(start, start + span, padding=0.0)

    def zoom(self, factor: float, center: float | None = None) -> None:
        """factor > 1 zooms in (around ``center``, default the middle of the view)."""
        a, b = self.view_range()
        c = (a + b) / 2 if center is None else center
        half = (b - a) / (2 * factor)
        self.set_view(c - half, c + half)

    def zoom_in(self) -> None:
        self.zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom(1.0 / ZOOM_STEP)

    def zoom_fit(self) -> None:
        self.set_view(0.0, self.duration)

    def zoom_to_selection(self) -> None:
        a, b = self.selection()
        if b > a:
            pad = 0.1 * (b - a)
            self.set_view(a - pad, b + pad)

    def scroll_view(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width (negative: towards the start)."""
        a, b = self.view_range()
        shift = fraction * (b - a)
        self.set_view(a + shift, b + shift)

    def drawn_span(self) -> tuple[float, float]:
        """Seconds of audio the plotted envelope covers (for tests and diagnostics)."""
        if not self._sr:
            return (0.0, 0.0)
        return (self._drawn[0] / self._sr, self._drawn[1] / self._sr)

    def _redraw_visible(self) -> None:
        """Trace the visible span (plus a view's width either side, for smooth scrolling)."""
        if self._audio is None or not self._sr:
            return
        n = len(self._audio)
        if n <= 2 * ENVELOPE_POINTS:
            return  # already drawn sample by sample
        a, b = self.view_range()
        width = b - a
        lo = max(0, int((a - width) * self._sr))
        hi = min(n, int((b + width) * self._sr) + 1)
        d0, d1 = self._drawn
        # redraw only when the view left the drawn span or the detail changed a lot
        if d0 <= lo and hi <= d1 and (d1 - d0) <= 4 * (hi - lo):
            return
        t, v = envelope(self._audio[lo:hi], self._sr)
        self._curve.setData(t + lo / float(self._sr), v)
        self._drawn = (lo, hi)

    # --- selection -----------------------------------------------------------------------------
    def selection(self) -> tuple[float, float]:
        if self._region is None or not self._region.isVisible():
            return (0.0, self.duration)
        a, b = self._region.getRegion()
        return (max(0.0, float(a)), min(self.duration, float(b)))

    def set_selection(self, start: float, end: float) -> None:
        if self._region is None:
            return
        self._region.setRegion((max(0.0, start), min(self.duration, end)))
        self._on_region()

    def _on_region(self, *_: object) -> None:
        a, b = self.selection()
        self.selectionChanged.emit(a, b)

    # --- playhead ------------------------------------------------------------------------------
    def set_playhead(self, seconds: float | None) -> None:
        if seconds is None:
            self._playhead.setVisible(False)
            return
        self._playhead.setVisible(True)
        self._playhead.setValue(seconds)

    def playhead(self) -> float | None:
        return float(self._playhead.value()) if self._playhead.isVisible() else None

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.has_audio():
            return
        pos = self._plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.seekRequested.emit(min(max(0.0, float(pos.x())), self.duration))
