"""A matrix drawn as a heatmap with a colour bar, and a readout of the cell under the mouse.

Used by the weights view and the optimizer-state view. Arrays are shown as:

* ``(rows, cols)``            a dense layer's ``W`` (row = input, column = unit)
* ``(n,)``                    a bias vector, as one row
* ``(out_ch, in_ch, kh, kw)`` conv kernels, as a grid of small images: one row
  per output channel, one column per input channel, 1-cell gaps between them

The colour scale is symmetric around zero (blue negative, white 0, red positive)
so the sign of a weight reads at a glance. ``set_array`` only calls
``setImage`` on the existing item — nothing is rebuilt per frame.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

#: diverging map: negative blue, zero white, positive red
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])


def as_image(array: np.ndarray) -> tuple[np.ndarray, callable]:
    """``(image, locate)``: a 2-D image of ``array`` and a function mapping an
    image cell ``(row, col)`` to the array index it shows (None for a gap)."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    if a.ndim == 1:
        return a[None, :], lambda r, c: (c,) if r == 0 and 0 <= c < a.shape[0] else None
    if a.ndim == 2:
        return a, lambda r, c: (r, c) if 0 <= r < a.shape[0] and 0 <= c < a.shape[1] else None
    if a.ndim == 4:
        return kernel_mosaic(a)
    flat = a.reshape(a.shape[0], -1)
    return flat, lambda r, c: tuple(np.unravel_index(r * flat.shape[1] + c, a.shape)) \
        if 0 <= r < flat.shape[0] and 0 <= c < flat.shape[1] else None


def colour_limit(values: np.ndarray) -> float:
    """Half-range L of the colour scale −L … L: the largest finite |value| rounded up to two
    significant digits (0.1234 → 0.13), or 1 when there is none but 0.

    Rounded so that the colour bar's ticks are laid out again only now and then while
    training runs, not on every frame (each layout costs about 2 ms)."""
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0:
        return 1.0
    step = 10.0 ** (math.floor(math.log10(largest)) - 1)
    return math.ceil(round(largest / step, 9)) * step       # (round: 0.07 / 0.001 is 70.00000000000001)


def kernel_mosaic(w: np.ndarray, gap: int = 1):
    """Pack conv kernels ``(out_ch, in_ch, kh, kw)`` into one image with NaN gaps
    (one image item draws faster than many)."""
    o, i, kh, kw = w.shape
    h, wd = o * (kh + gap) - gap, i * (kw + gap) - gap
    image = np.full((h, wd), np.nan)
    for a in range(o):
        for b in range(i):
            image[a * (kh + gap):a * (kh + gap) + kh, b * (kw + gap):b * (kw + gap) + kw] = w[a, b]

    def locate(r, c):
        a, rr = divmod(r, kh + gap)
        b, cc = divmod(c, kw + gap)
        if 0 <= a < o and 0 <= b < i and rr < kh and cc < kw and r >= 0 and c >= 0:
            return (a, b, rr, cc)
        return None
    return image, locate


class MatrixPlot(QWidget):
    """One heatmap + colour bar + a hover readout. ``cell_clicked(index)`` gives
    the array index (a tuple) of the clicked cell."""

    cell_clicked = Signal(tuple)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.plot = self.view.addPlot()
        self.plot.setAspectLocked(False)
        self.plot.invertY(True)                       # row 0 at the top, as printed
        self.plot.setMenuEnabled(False)
        self.plot.getAxis("left").setLabel("row")
        self.plot.getAxis("bottom").setLabel("column")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=DIVERGING, interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.readout)
        self.array: np.ndarray | None = None
        self.name = ""
        self._locate = lambda r, c: None
        self._shape = None
        self._axes = ("row", "column")
        self.view.scene().sigMouseMoved.connect(self._hover)
        self.view.scene().sigMouseClicked.connect(self._clicked)

    def set_array(self, array: np.ndarray | None, name: str = "", axes=("row", "column")) -> None:
        """Show ``array`` (None clears the plot); ``axes`` names the rows and columns."""
        self.array, self.name = array, name
        if axes != self._axes:                  # a new label makes the axis lay out its ticks again
            self._axes = axes
            self.plot.getAxis("left").setLabel(axes[0])
            self.plot.getAxis("bottom").setLabel(axes[1])
        if array is None or np.size(array) == 0:
            self.image.clear()
            self._shape = None
            self.readout.setText(" ")
            return
        image, self._locate = as_image(array)
        limit = colour_limit(image)
        self.image.setImage(image, autoLevels=False, levels=(-limit, limit))
        self.colorbar.setLevels((-limit, limit))
        shape = (np.shape(array), image.shape)
        if shape != self._shape:
            # cell (r, c) covers [c − ½, c + ½] × [r − ½, r + ½], so ticks fall on cell centres
            self._shape = shape
            self.image.setRect(QRectF(-0.5, -0.5, image.shape[1], image.shape[0]))
            kernels = np.ndim(array) == 4
            self.plot.setAspectLocked(kernels)          # kernels keep their square cells
            for axis, n, count in (("left", image.shape[0], np.shape(array)[0]),
                                   ("bottom", image.shape[1], np.shape(array)[1] if kernels else 0)):
                item = self.plot.getAxis(axis)
                if kernels:                            # one tick per kernel row / column: the channel
                    size = np.shape(array)[2 if axis == "left" else 3]
                    item.setTicks([[((size + 1) * k + (size - 1) / 2, str(k))
                                    for k in range(0, count, max(1, count // 16))]])
                else:
                    item.setTicks(None)
                    step = max(1, int(np.ceil(n / 10)))
                    item.setTickSpacing(major=step, minor=step)
            self.plot.setRange(xRange=(-0.5, image.shape[1] - 0.5), yRange=(-0.5, image.shape[0] - 0.5),
                               padding=0.02)

    def _cell_at(self, scene_pos):
        if self._shape is None or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        return self._locate(int(np.floor(p.y() + 0.5)), int(np.floor(p.x() + 0.5)))

    def _hover(self, scene_pos) -> None:
        index = self._cell_at(scene_pos)
        if index is None or self.array is None:
            return
        value = float(np.asarray(self.array)[index])
        self.readout.setText(f"{self.name}[{', '.join(map(str, index))}] = {value:.6g}   (click to watch it)")

    def _clicked(self, event) -> None:
        index = self._cell_at(event.scenePos())
        if index is not None:
            self.cell_clicked.emit(tuple(int(i) for i in index))
