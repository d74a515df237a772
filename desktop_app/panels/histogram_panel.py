"""Histograms of every layer's weights and gradients, updated as training runs.

One row per parameter (``layer 0 W``, ``layer 0 b``, ...): the distribution
of its values (filled, blue) and, beside it, of its last gradient (orange). Watching them shows weights spreading out as a
network learns, gradients shrinking layer by layer in a deep sigmoid stack
(vanishing gradients), or blowing up when the learning rate is too large.

Redraws at most 30 times a second, only when something changed, by ``setData``
on existing curves.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..live_state import live_state
from ..training_worker import REDRAW_MS
from .parameter_choice import parameter_keys

BINS = 40
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


def _show(curve, edges, counts) -> None:
    """Draw a histogram, leaving the top quarter of the plot free for the range text."""
    curve.setData(edges, counts)
    curve.getViewBox().setRange(xRange=(edges[0], edges[-1]), yRange=(0, 1.4 * max(counts.max(), 1)),
                                padding=0.02)


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
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.view)
        layout.addWidget(scroll, 1)
        self.keys: list[tuple[int, str]] = []
        self.value_curves: dict = {}
        self.grad_curves: dict = {}
        self._dirty = True
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.refresh_if_needed)
        self.timer.start()
        session.network_changed.connect(self._rebuild)
        session.state_changed.connect(self.mark_dirty)
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
                if what == "value":
                    curve = pg.PlotCurveItem([0, 1], [0], stepMode="center", fillLevel=0, antialias=False,
                                             brush=(70, 130, 200, 160), pen=pg.mkPen((70, 130, 200)))
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
        self.mark_dirty()

    def mark_dirty(self, *_) -> None:
        self._dirty = True

    def refresh_if_needed(self) -> None:
        if self._dirty and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        net = self.session.network
        if net is None or parameter_keys(net) != self.keys:
            return
        for key in self.keys:
            edges, counts = histogram(net.layers[key[0]].params[key[1]])
            _show(self.value_curves[key], edges, counts)
            self.ranges[(key, "value")].setText(_range_text(edges))
            grad, _ = self.live.array(key, "gradient")
            self.grad_curves[key].setVisible(grad is not None)
            if grad is not None:
                edges, counts = histogram(grad)
                _show(self.grad_curves[key], edges, counts)
            self.ranges[(key, "gradient")].setText(_range_text(edges) if grad is not None else "no gradient yet")

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.session.network_changed.disconnect(self._rebuild)
        self.session.state_changed.disconnect(self.mark_dirty)
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(HistogramPanel)
