"""One row of the conv inspector: a conv or pooling layer's kernels and maps.

A conv layer shows three mosaics side by side — its kernels (one tile per
input channel × output channel, on one colour scale), its maps before the
activation (``net``) and after it (``out``); with no activation the two are
the same and only ``net = out`` is shown. A pooling layer shows its output.
The input row shows the sample the network receives, one tile per channel.

A click on any tile reports ``(layer, kind, channel, row, col)`` where kind is
"net", "out", "input" or "kernel" (for a kernel, ``channel`` is the output
channel and the input channel is packed into ``row // kh`` — see
``kernel_clicked``).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.layers.conv import Conv2D

from .mosaic import DIVERGING, GRAY, MosaicPlot, grid_of_maps

#: height in pixels of one layer's row of mosaics
ROW_HEIGHT = 230


class LayerMapsView(QWidget):
    """Mosaics of one layer (``layer`` is its index; -1 for the input)."""

    map_clicked = Signal(int, str, int, int, int)      # layer, kind, channel, row, col
    kernel_clicked = Signal(int, int, int)             # layer, output channel, input channel
    hovered = Signal(str)

    def __init__(self, index: int, title: str, kinds: tuple[str, ...], parent=None):
        super().__init__(parent)
        self.index = index
        self.header = QLabel(f"<b>{title}</b>")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumHeight(ROW_HEIGHT)
        self.graphics.setBackground("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 6, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.graphics)
        self.plots: dict[str, MosaicPlot] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.colour: pg.PlotItem | None = None
        # short titles: three mosaics share a row, and a title sets its plot's smallest width
        titles = {"input": "input (what the network receives)", "kernel": "kernels (in ch. × out ch.)",
                  "net": "net (before activation)", "out": "out (after activation)",
                  "net=out": "output (no activation)", "pool": "output"}
        for kind in kinds:
            gray = kind == "input"
            plot = MosaicPlot(titles[kind], GRAY if gray else DIVERGING, symmetric=not gray)
            self.graphics.addItem(plot)
            key = "net" if kind == "net=out" else ("out" if kind == "pool" else kind)
            self.plots[key] = plot
            plot.hovered.connect(self.hovered)
            plot.cell_clicked.connect(lambda a, b, i, j, key=key: self._clicked(key, a, b, i, j))

    def show_colour(self, sample: np.ndarray) -> None:
        """Beside the per-channel tiles of a 3-channel input, the same array as
        one colour picture (red, green, blue; its minimum black, its maximum white)."""
        if self.colour is None:
            self.colour = self.graphics.addPlot(title="as a colour picture")
            self.colour.setMenuEnabled(False)
            self.colour.hideButtons()
            self.colour.invertY(True)
            self.colour.setAspectLocked(True)
            self.colour.hideAxis("left")
            self.colour.hideAxis("bottom")
            self.colour.vb.setMouseEnabled(x=False, y=False)
            self.colour_image = pg.ImageItem(axisOrder="row-major")
            self.colour.addItem(self.colour_image)
        lo, hi = float(sample.min()), float(sample.max())
        self.colour_image.setImage(np.moveaxis(sample, 0, -1), autoLevels=False,
                                   levels=(lo, hi if hi > lo else lo + 1))

    def set_maps(self, kind: str, maps: np.ndarray, describe) -> None:
        """Show ``maps`` (C, H, W) in mosaic ``kind``; ``describe(channel, row, col)`` names a cell on hover."""
        plot = self.plots[kind]
        self.arrays[kind] = maps
        tiles = grid_of_maps(maps)
        columns = tiles.shape[1]
        plot.describe = lambda a, b, i, j: describe(a * columns + b, i, j)
        plot.set_tiles(tiles)

    def set_kernels(self, weights: np.ndarray, describe) -> None:
        """Show conv weights (out_ch, in_ch, kh, kw): one row per input channel,
        one column per output channel, one colour scale for all."""
        plot = self.plots["kernel"]
        self.arrays["kernel"] = weights
        plot.describe = lambda c, f, i, j: describe(f, c, i, j)
        plot.set_tiles(np.transpose(weights, (1, 0, 2, 3)))

    def tile_of(self, kind: str, channel: int) -> tuple[int, int]:
        """Tile (a, b) showing ``channel`` of mosaic ``kind``."""
        columns = self.plots[kind].tiles.shape[1]
        return divmod(channel, columns)

    def _clicked(self, kind, a, b, i, j) -> None:
        if kind == "kernel":
            self.kernel_clicked.emit(self.index, b, a)
            return
        channel = a * self.plots[kind].tiles.shape[1] + b
        self.map_clicked.emit(self.index, kind, channel, i, j)


def layer_kinds(layer) -> tuple[str, ...]:
    """The mosaics a layer's row shows."""
    if isinstance(layer, Conv2D):
        return ("kernel", "net", "out") if layer.activation.name != "identity" else ("kernel", "net=out")
    return ("pool",)
