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
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ..live_state import live_state
from ..training_worker import REDRAW_MS
from .parameter_choice import parameter_keys

BINS = 40
#: pixels per parameter row, so many layers scroll instead of squashing
ROW_HEIGHT = 120


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, counts)`` of the finite entries of ``values`` (``len(edges) == len(counts) + 1``)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.array([0.0, 1.0]), np.array([0.0])
    low, high = float(v.min()), float(v.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    try:
        counts, edges = np.histogram(v, bins=bins, range=(low, high))
    except ValueError:  # a range float64 cannot split into bins (a diverged run's huge weights)
        return np.array([low, high]), np.array([float(v.size)])
    return edges, counts.astype(np.float64)


class HistogramPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.live = live_state(session)
        self.view = pg.GraphicsLayoutWidget()
        self.note = QLabel("Left: how the values of each parameter are spread (x: value, height: how many). "
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
        for row, key in enumerate(self.keys):
            i, name = key
            values = self.view.addPlot(row=row, col=0, title=f"layer {i} · {name}")
            grads = self.view.addPlot(row=row, col=1, title=f"layer {i} · ∂E/∂{name}")
            for p in (values, grads):
                p.setMenuEnabled(False)
                p.hideAxis("left")
            self.value_curves[key] = values.plot([0, 1], [0], stepMode="center", fillLevel=0,
                                                 brush=(70, 130, 200, 160), pen=pg.mkPen((70, 130, 200)))
            self.grad_curves[key] = grads.plot([0, 1], [0], stepMode="center",
                                               pen=pg.mkPen((230, 130, 30), width=2))
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
            self.value_curves[key].setData(edges, counts)
            grad, _ = self.live.array(key, "gradient")
            self.grad_curves[key].setVisible(grad is not None)
            if grad is not None:
                self.grad_curves[key].setData(*histogram(grad))

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.session.network_changed.disconnect(self._rebuild)
        self.session.state_changed.disconnect(self.mark_dirty)
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(HistogramPanel)
