"""Many small maps packed into one image, drawn by one ``ImageItem``.

A conv layer of LeNet-5 has 6 or 16 feature maps and up to 96 kernels; one
image item per map would redraw slowly, so the maps are packed side by side
into a single array with one NaN row/column between tiles (NaN is drawn
transparent)::

    tiles (R, C, h, w)  →  image ((R·(h+gap) − gap), (C·(w+gap) − gap))
    tile (a, b) cell (i, j)  sits at image row a·(h+gap) + i, column b·(w+gap) + j

``MosaicPlot`` shows such a mosaic with a shared colour scale, the value under
the mouse, numbers written in the cells when the maps are small, outlines
(receptive fields, winners) and a ``cell_clicked(tile, row, col)`` signal.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsSimpleTextItem

#: negative blue, zero white, positive red: the sign of a weight or score at a glance
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
#: pixel intensities: black to white
GRAY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)])

#: numbers are written into the cells when a mosaic has at most this many cells
MAX_NUMBERED_CELLS = 100
NUMBER_FONT = QFont("Sans", 7)
RANGE_FONT = QFont("Sans", 8)


def grid_of_maps(maps: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Arrange maps ``(n, h, w)`` as tiles ``(rows, columns, h, w)``, filling
    the spare tiles of the last row with NaN; ``columns`` defaults to ⌈√n⌉."""
    n, h, w = maps.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    tiles = np.full((rows * columns, h, w), np.nan)
    tiles[:n] = maps
    return tiles.reshape(rows, columns, h, w)


def pack_tiles(tiles: np.ndarray, gap: int = 1) -> np.ndarray:
    """Tiles ``(R, C, h, w)`` as one image with ``gap`` NaN cells between them."""
    r, c, h, w = tiles.shape
    padded = np.full((r, h + gap, c, w + gap), np.nan)      # each tile with its gap below and right
    padded[:, :h, :, :w] = tiles.transpose(0, 2, 1, 3)      # (R, h, C, w): rows of tiles, row by row
    return padded.reshape(r * (h + gap), c * (w + gap))[:r * (h + gap) - gap, :c * (w + gap) - gap]


class MosaicPlot(pg.PlotItem):
    """A plot holding one packed mosaic of ``(R, C, h, w)`` tiles.

    Signals: ``cell_clicked(a, b, i, j)`` (tile row, tile column, cell row, cell
    column) and ``hovered(str)`` (a readout of the cell under the mouse)."""

    cell_clicked = Signal(int, int, int, int)
    hovered = Signal(str)

    def __init__(self, title: str = "", colormap=DIVERGING, symmetric: bool = True, gap: int = 1):
        # the title's second line is the colour scale's range, which changes on every frame while
        # training: a plain text item over a reserved blank line (re-laying out the rich-text
        # title instead would cost more than drawing the mosaic)
        super().__init__(title=f"{title}<br><span style='font-size:8pt'>&nbsp;</span>")
        self._range_text = QGraphicsSimpleTextItem(self.titleLabel.item)
        self._range_text.setFont(RANGE_FONT)
        self._range_text.setBrush(pg.mkBrush(self.titleLabel.opts["color"] or pg.getConfigOption("foreground")))
        self.title = title
        self.gap = gap
        self.symmetric = symmetric
        self.tiles: np.ndarray | None = None
        self.describe = lambda a, b, i, j: f"({a}, {b}) [{i}, {j}]"
        self.setMenuEnabled(False)
        self.hideButtons()
        self.invertY(True)
        self.setAspectLocked(True)
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.vb.setMouseEnabled(x=False, y=False)
        self.image = _MosaicImage(self)
        self.image.setColorMap(colormap)
        self.addItem(self.image)
        self._numbers: list[QGraphicsSimpleTextItem] = []
        self._outlines: list[QGraphicsRectItem] = []
        self._shape = None
        self.levels = (-1.0, 1.0)

    # --- content ----------------------------------------------------------------
    def set_tiles(self, tiles: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """Show ``tiles`` (R, C, h, w); ``levels`` default to the values' range
        (symmetric around 0 for a diverging plot)."""
        self.tiles = np.asarray(tiles, dtype=np.float64)
        image = pack_tiles(self.tiles, self.gap)
        self.levels = levels or self._auto_levels()
        self.image.setImage(image, autoLevels=False, levels=self.levels)
        lo, hi = self.levels
        ends = ("blue", "red") if self.symmetric else ("black", "white")
        self._show_range(f"{ends[0]} {lo:.3g} … {hi:.3g} {ends[1]}")
        if image.shape != self._shape:
            self._shape = image.shape
            self.vb.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0.02)
        self._write_numbers()

    def _show_range(self, text: str) -> None:
        """Write ``text`` centred on the title's blank second line."""
        self._range_text.setText(text)
        line, box = self.titleLabel.item.boundingRect(), self._range_text.boundingRect()
        self._range_text.setPos((line.width() - box.width()) / 2, line.height() - box.height() - 4)

    def range_text(self) -> str:
        """The colour scale's range as written under the title (for tests)."""
        return self._range_text.text()

    def _auto_levels(self) -> tuple[float, float]:
        finite = self.tiles[np.isfinite(self.tiles)]
        if finite.size == 0:
            return (-1.0, 1.0)
        lo, hi = float(finite.min()), float(finite.max())
        if self.symmetric:
            limit = max(abs(lo), abs(hi)) or 1.0
            return (-limit, limit)
        return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)

    def origin(self, a: int, b: int) -> tuple[int, int]:
        """Image (row, column) of tile (a, b)'s top-left cell."""
        h, w = self.tiles.shape[2:]
        return a * (h + self.gap), b * (w + self.gap)

    def _write_numbers(self) -> None:
        """Write each value in its cell when the mosaic is small enough to read them."""
        r, c, h, w = self.tiles.shape
        show = r * c * h * w <= MAX_NUMBERED_CELLS
        wanted = r * c * h * w if show else 0
        while len(self._numbers) < wanted:
            # a plain text item drawn at a fixed pixel size whatever the zoom (pg.TextItem is ~10× slower to make)
            text = QGraphicsSimpleTextItem()
            text.setFont(NUMBER_FONT)
            text.setFlag(QGraphicsItem.ItemIgnoresTransformations)
            text.setZValue(5)
            self.vb.addItem(text)
            self._numbers.append(text)
        for item in self._numbers[wanted:]:
            item.setVisible(False)
        if not show:
            return
        mid = 0.5 * (self.levels[0] + self.levels[1])
        half = 0.5 * (self.levels[1] - self.levels[0]) or 1.0
        white, black = QBrush(QColor("white")), QBrush(QColor("black"))
        k = 0
        for a in range(r):
            for b in range(c):
                top, left = self.origin(a, b)
                for i in range(h):
                    for j in range(w):
                        item, value = self._numbers[k], self.tiles[a, b, i, j]
                        k += 1
                        if not np.isfinite(value):
                            item.setVisible(False)
                            continue
                        strong = abs(value - mid) / half > 0.6 if self.symmetric else value < mid
                        item.setBrush(white if strong else black)
                        item.setText(f"{value:.3g}")
                        box = item.boundingRect()       # centre the text on the cell
                        item.setTransform(QTransform.fromTranslate(-box.width() / 2, -box.height() / 2))
                        item.setPos(left + j + 0.5, top + i + 0.5)
                        item.setVisible(True)

    def numbers(self) -> list[str]:
        """The numbers written in the cells, in reading order (for tests)."""
        return [item.text() for item in self._numbers if item.isVisible()]

    # --- outlines ------------------------------------------------------------------
    def set_outlines(self, boxes) -> None:
        """Draw rectangles ``(a, b, row0, row1, col0, col1, colour)`` around cells
        ``[row0, row1) × [col0, col1)`` of tile (a, b); an empty list clears them."""
        boxes = list(boxes)
        while len(self._outlines) < len(boxes):
            rect = QGraphicsRectItem()
            rect.setZValue(10)
            self.vb.addItem(rect)
            self._outlines.append(rect)
        for rect, (a, b, r0, r1, c0, c1, colour) in zip(self._outlines, boxes):
            top, left = self.origin(a, b)
            pen = QPen(QColor(colour))
            pen.setWidthF(2.5)
            pen.setCosmetic(True)
            rect.setPen(pen)
            rect.setRect(QRectF(left + c0, top + r0, c1 - c0, r1 - r0))
            rect.setVisible(True)
        for rect in self._outlines[len(boxes):]:
            rect.setVisible(False)

    def outlines(self) -> list[QRectF]:
        """The visible outlines' rectangles in image coordinates (for tests)."""
        return [rect.rect() for rect in self._outlines if rect.isVisible()]

    # --- mouse ------------------------------------------------------------------------
    def cell_at_image(self, row: int, col: int):
        """``(a, b, i, j)`` at image cell (row, col), or None over a gap or outside."""
        if self.tiles is None or row < 0 or col < 0:
            return None
        r, c, h, w = self.tiles.shape
        a, i = divmod(row, h + self.gap)
        b, j = divmod(col, w + self.gap)
        if a >= r or b >= c or i >= h or j >= w or not np.isfinite(self.tiles[a, b, i, j]):
            return None
        return a, b, i, j

    def _hover(self, row: int, col: int) -> None:
        cell = self.cell_at_image(row, col)
        if cell is not None:
            self.hovered.emit(f"{self.describe(*cell)} = {self.tiles[cell]:.6g}")

    def _click(self, row: int, col: int) -> bool:
        cell = self.cell_at_image(row, col)
        if cell is not None:
            self.cell_clicked.emit(*cell)
        return cell is not None


class _MosaicImage(pg.ImageItem):
    """The mosaic's image item: reports hovers and clicks in image cells to its plot."""

    def __init__(self, owner: MosaicPlot):
        super().__init__(axisOrder="row-major")
        self._owner = owner
        self.setAcceptHoverEvents(True)

    def hoverEvent(self, event) -> None:
        if not event.isExit():
            p = event.pos()
            self._owner._hover(int(math.floor(p.y())), int(math.floor(p.x())))

    def mouseClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            p = event.pos()
            if self._owner._click(int(math.floor(p.y())), int(math.floor(p.x()))):
                event.accept()
