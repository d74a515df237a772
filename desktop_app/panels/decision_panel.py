"""What the network has learned, drawn over the data.

* **Two inputs, classes** (circle, XOR, two Gaussians, spiral): the data points
  coloured by class — the lecture's red and green points — over the network's
  decision regions: every pixel of the background is a point (x₁, x₂) coloured
  by the class the network predicts there, its strength by how sure it is.
* **One input, one output** (noisy line, the lecture's y = θᵀx + b with MSE):
  the data points and the fitted curve.

Redrawn live while training, at most 30 times a second (``setImage`` /
``setData`` on the existing items).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.metrics import predicted_classes, task_kind

from .redraw import RedrawTimer

#: class colours: the lecture's red and green first
CLASS_COLORS = np.array([(214, 39, 40), (44, 160, 44), (31, 119, 180), (255, 127, 14), (148, 103, 189),
                         (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)])
GRID = 150


def region_image(net, kind: str, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """An RGB image ``(len(ys), len(xs), 3)`` of the predicted class at every grid
    point, pale where the network is unsure (probability near 1/classes)."""
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    out = net.forward(points)
    classes = predicted_classes(out, kind)
    if kind == "binary":
        confidence = np.abs(out[:, 0] - 0.5) * 2
    else:
        is_probability = np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0)
        p = out if is_probability else _softmax(out)      # raw scores → probabilities
        k = out.shape[1]
        confidence = (p.max(axis=1) - 1 / k) / (1 - 1 / k)
    confidence = np.clip(np.nan_to_num(confidence), 0, 1)[:, None]
    colors = CLASS_COLORS[classes % len(CLASS_COLORS)]
    white = np.full(3, 255.0)
    rgb = white + (colors - white) * (0.15 + 0.45 * confidence)
    return rgb.reshape(len(ys), len(xs), 3).astype(np.uint8)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _line_equation(net) -> str:
    """" Fit: y = θ·x + b" for a single linear Dense(1) layer (the lecture's linear regression)."""
    if len(net.layers) != 1 or set(net.layers[0].params) != {"W", "b"}:
        return ""
    if getattr(net.layers[0], "activation", None) is None or net.layers[0].activation.name != "identity":
        return ""
    theta, b = float(net.layers[0].params["W"][0, 0]), float(net.layers[0].params["b"][0])
    return f"  Fit: y = {theta:.4g}·x {'+' if b >= 0 else '−'} {abs(b):.4g}"


def data_classes(y, kind: str) -> np.ndarray:
    y = np.asarray(y)
    if kind == "binary":
        return y.reshape(len(y)).astype(int)
    return y.astype(int) if y.ndim == 1 else np.argmax(y, axis=1)


class DecisionPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):        # the data's own numbers, never "(x0.001)"
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.regions = pg.ImageItem(axisOrder="row-major")
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen((30, 30, 30), width=0.5))
        self.fit = pg.PlotDataItem(pen=pg.mkPen((214, 39, 40), width=3), name="network")
        self.plot.addItem(self.regions)
        self.plot.addItem(self.points)
        self.plot.addItem(self.fit)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        self.mode = None
        self._data_key = None
        self.redraw = RedrawTimer(self, session.network_changed, session.state_changed)

    def refresh(self) -> None:
        s = self.session
        net, x, y = s.network, s.x, s.y
        mode = None
        if net is not None and x is not None and y is not None and len(x):
            if net.input_shape == (2,):
                mode = "regions"
            elif net.input_shape == (1,) and net.output_shape == (1,):
                mode = "curve"
        if mode is None:
            self._show_nothing()
            return
        self.plot.show()
        try:
            if mode == "regions":
                self._draw_regions(net, np.asarray(x, float), np.asarray(y))
            else:
                self._draw_curve(net, np.asarray(x, float), np.asarray(y, float))
        except (ValueError, FloatingPointError) as e:
            self.note.setText(f"Cannot draw the network's output: {e}")

    def _show_nothing(self) -> None:
        self.mode = None
        self.regions.clear()
        self.points.setData([])
        self.fit.setData([], [])
        self.plot.hide()                     # an empty black plot would only puzzle: the note explains
        self.note.setText("Decision regions are drawn for networks with two inputs (circle, XOR, "
                          "two Gaussians, spiral); a fitted curve for one input and one output (noisy line). "
                          "Load one with File → New from template or the Toy data panel.")

    def _bounds(self, x):
        low, high = x.min(axis=0), x.max(axis=0)
        span = high - low
        pad = np.where(span > 1e-3, 0.1 * span, 0.5)     # one sample: ±0.5 around it, not a sliver
        return low - pad, high + pad

    def _draw_regions(self, net, x, y) -> None:
        kind = task_kind(net, y)
        if kind == "regression":
            kind = "multiclass" if net.output_shape[0] > 1 else "binary"
        low, high = self._bounds(x)
        xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
        with np.errstate(all="ignore"):
            image = region_image(net, kind, xs, ys)
        self.regions.setImage(image, autoLevels=False, levels=(0, 255))
        self.regions.setRect(QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1]))
        key = (id(x), id(y))
        if key != self._data_key or self.mode != "regions":
            classes = data_classes(y, kind)
            brushes = [pg.mkBrush(*CLASS_COLORS[c % len(CLASS_COLORS)]) for c in classes]
            self.points.setData(x[:, 0], x[:, 1], brush=brushes)
            self.fit.setData([], [])
            self.plot.setLabel("bottom", "x₁")
            self.plot.setLabel("left", "x₂")
            self.plot.setRange(xRange=(low[0], high[0]), yRange=(low[1], high[1]), padding=0)
            self._data_key = key
        self.mode = "regions"
        self.note.setText("Points: the data by class (0 red, 1 green, …). "
                          "Background: the class the network predicts, paler where unsure.")

    def _draw_curve(self, net, x, y) -> None:
        low, high = self._bounds(x)
        xs = np.linspace(low[0], high[0], 200)
        with np.errstate(all="ignore"):
            fitted = net.forward(xs[:, None])[:, 0]
        if not np.all(np.isfinite(fitted)):
            self.note.setText("The network's output is NaN or infinite: training diverged "
                              "(the learning rate is too large).")
            fitted = np.where(np.isfinite(fitted), fitted, np.nan)
        else:
            self.note.setText("Points: the data. Red line: what the network predicts for each x."
                              + _line_equation(net))
        self.fit.setData(xs, fitted, connect="finite")
        key = (id(x), id(y))
        if key != self._data_key or self.mode != "curve":
            self.regions.clear()
            self.points.setData(x[:, 0], y[:, 0], brush=pg.mkBrush(31, 119, 180, 180))
            self.plot.setLabel("bottom", "x")
            self.plot.setLabel("left", "y")
            self._data_key = key
            self.plot.enableAutoRange()
        self.mode = "curve"

    def closeEvent(self, event) -> None:
        self.redraw.stop()
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(DecisionPanel)
