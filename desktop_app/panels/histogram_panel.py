"""Histograms of every layer's weights and gradients, updated as training runs.

One row per parameter (``layer 0 W``, ``layer 0 b``, ...): the distribution
of its values (filled, blue) and, beside it, of its last gradient (orange). Watching them shows weights spreading out as a
network learns, gradients shrinking layer by layer in a deep sigmoid stack
(vanishing gradients), or blowing up when the learning rate is too large.

Redraws at most 30 times a second, only when something changed, by ``setData``
on existing curves. Each plot keeps one fixed range — x in bins (0 … BINS), y
from 0 to 1.4 — and a histogram is fitted into it by scaling its curve by
1 / (largest count): re-ranging 2 plots per parameter on every frame would cost
more than the histograms themselves. Only the rows scrolled into view are
recomputed; the others catch up when they are scrolled to.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..live_state import live_state
from .parameter_choice import parameter_keys
from .redraw import RedrawTimer

BINS = 40
#: the fixed y range of every plot: the tallest bar reaches 1, the top part is left for the range text
TOP = 1.4
#: pixels per parameter row, so many layers scroll instead of squashing
ROW_HEIGHT = 120


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, counts)`` of the finite entries of ``values`` (``len(edges) == len(counts) + 1``),
    in ``bins`` equal bins from the smallest value to the largest.

    Bin k holds the values with k ≤ (v − min) / width < k + 1 (the largest value goes into the
    last bin) — counted with ``np.bincount``, a few times faster than ``np.histogram``."""
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(v)
    if not finite.all():
        v = v[finite]
    if v.size == 0:
        return np.array([0.0, 1.0]), np.array([0.0])
    low, high = float(v.min()), float(v.max())
    width = (high - low) / bins
    if width == 0 or not np.isfinite(width):      # all equal, or a diverged run's huge range
        return np.array([low - 0.5, high + 0.5]) if width == 0 else np.array([low, high]), \
            np.array([float(v.size)])
    index = ((v - low) / width).astype(np.intp)
    np.minimum(index, bins - 1, out=index)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    return low + width * np.arange(bins + 1), counts


def _show(curve, counts) -> None:
    """Draw ``counts`` in the plot's fixed range: bin k spans x = k·BINS/n … (k+1)·BINS/n, and the
    curve is scaled so that the tallest bar has height 1 (the curve's data stay the raw counts)."""
    curve.setData(np.linspace(0, BINS, len(counts) + 1), counts)
    curve.setTransform(QTransform.fromScale(1.0, 1.0 / max(float(counts.max()), 1.0)))


def _set_text(item, text: str) -> None:
    if item.text() != text:
        item.setText(text)


def _overlaps(rect, top: int, bottom: int) -> bool:
    return rect.bottom() >= top and rect.top() <= bottom


def _range_text(edges) -> str:
    return f"{edges[0]:.3g} … {edges[-1]:.3g}"


class HistogramPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.live = live_state(session)
        self.view = pg.GraphicsLayoutWidget()
        self.note = QLabel("Left: how the values of each parameter are spread (x: value, from the smallest "
                           "to the largest printed in the corner; height: how many). "
                           "Right: the same for its last gradient ∂E/∂θ.")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(self.view)
        layout.addWidget(self._scroll, 1)
        self.keys: list[tuple[int, str]] = []
        self.value_curves: dict = {}
        self.grad_curves: dict = {}
        # scrolling brings other rows into view: they are redrawn then
        self.redraw = RedrawTimer(self, session.state_changed, self._scroll.verticalScrollBar().valueChanged)
        session.network_changed.connect(self._rebuild)
        self._rebuild()

    def _rebuild(self) -> None:
        """One pair of plots per parameter (only when the architecture changes)."""
        self.view.clear()
        self.value_curves, self.grad_curves = {}, {}
        self.keys = parameter_keys(self.session.network)
        self.ranges = {}
        for row, key in enumerate(self.keys):
            i, name = key
            for col, what, title in ((0, "value", f"layer {i} · {name}"), (1, "gradient", f"layer {i} · ∂E/∂{name}")):
                # a bare ViewBox, no axes: redrawing tick labels 30 times a second would cost
                # more than the histograms; the range of the values is printed in the corner
                self.view.addLabel(title, row=2 * row, col=col, size="9pt")
                box = self.view.addViewBox(row=2 * row + 1, col=col, enableMouse=False)
                box.setMenuEnabled(False)
                box.setRange(xRange=(0, BINS), yRange=(0, TOP), padding=0.02)     # once: autoRange off
                if what == "value":      # an opaque fill (the blue at 63 % over black): blending costs 2×
                    curve = pg.PlotCurveItem([0, 1], [0], stepMode="center", fillLevel=0, antialias=False,
                                             brush=(44, 82, 125), pen=pg.mkPen((70, 130, 200)))
                    self.value_curves[key] = curve
                else:
                    curve = pg.PlotCurveItem([0, 1], [0], stepMode="center", antialias=False,
                                             pen=pg.mkPen((230, 130, 30), width=2))
                    self.grad_curves[key] = curve
                box.addItem(curve)
                text = QGraphicsSimpleTextItem(box)          # plain text: cheap to change
                text.setBrush(pg.mkBrush(200, 200, 200))
                text.setPos(4, 2)
                self.ranges[(key, what)] = text
        self.view.setMinimumHeight(ROW_HEIGHT * len(self.keys))
        self.redraw.mark_dirty()

    def refresh(self) -> None:
        net = self.session.network
        if net is None or parameter_keys(net) != self.keys:
            return
        for key in self._keys_in_view():
            edges, counts = histogram(net.layers[key[0]].params[key[1]])
            _show(self.value_curves[key], counts)
            _set_text(self.ranges[(key, "value")], _range_text(edges))
            grad, _ = self.live.array(key, "gradient")
            self.grad_curves[key].setVisible(grad is not None)
            if grad is not None:
                edges, counts = histogram(grad)
                _show(self.grad_curves[key], counts)
            _set_text(self.ranges[(key, "gradient")], _range_text(edges) if grad is not None else "no gradient yet")

    def _keys_in_view(self) -> list[tuple[int, str]]:
        """The parameters whose row is scrolled into view (all of them while the panel is hidden)."""
        top = self._scroll.verticalScrollBar().value()
        bottom = top + self._scroll.viewport().height()
        shown = [key for key in self.keys
                 if _overlaps(self.view.mapFromScene(self.value_curves[key].getViewBox().sceneBoundingRect())
                              .boundingRect(), top, bottom)]
        return shown if self.isVisible() and shown else self.keys

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.redraw.mark_dirty()          # other rows may have come into view

    def closeEvent(self, event) -> None:
        self.redraw.stop()
        self.session.network_changed.disconnect(self._rebuild)
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(HistogramPanel)
