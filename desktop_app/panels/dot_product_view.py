"""The clicked cell, explained: the lecture's "score at (x, y) = dot product
(filter, image patch at (x, y))" written out term by term.

For a conv cell: the input patch, the kernel as applied, their products
(one table each, for the chosen input channel), then
``Σ products + bias = net`` and ``out = g(net)``. For a max-pool cell: the
window and the input cell that won. Below, the whole clicked map as a grid of
numbers (for maps up to ``MAX_GRID`` cells a side).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QBoxLayout, QHBoxLayout, QLabel, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.receptive_field import DotProduct

#: the values grid is filled for maps up to this many rows and columns
MAX_GRID = 32


def format_value(value: float, digits: int = 4) -> str:
    """A number as the lecture prints it: integers without decimals, others to ``digits`` significant digits."""
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{digits}g}"


class NumberTable(QTableWidget):
    """A read-only grid of numbers, sized to its content."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        self.horizontalHeader().setMinimumSectionSize(28)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def set_values(self, values: np.ndarray, row0: int = 0, col0: int = 0, mark=None) -> None:
        """Fill with a 2-D array; headers count from ``row0`` / ``col0``;
        ``mark`` (row, col) is highlighted. Existing cells are reused (a redraw
        while training only changes their texts)."""
        values = np.asarray(values)
        rows, cols = values.shape
        if (self.rowCount(), self.columnCount()) != (rows, cols):
            self.clear()
            self.setRowCount(rows)
            self.setColumnCount(cols)
            for i in range(rows):
                for j in range(cols):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignCenter)
                    self.setItem(i, j, item)
        self.setVerticalHeaderLabels([str(row0 + i) for i in range(rows)])
        self.setHorizontalHeaderLabels([str(col0 + j) for j in range(cols)])
        plain, marked = QBrush(), QBrush(QColor("#ffd54f"))
        for i in range(rows):
            for j in range(cols):
                item = self.item(i, j)
                item.setText(format_value(values[i, j], 3))
                item.setBackground(marked if mark == (i, j) else plain)
        self.resizeColumnsToContents()
        self.resizeRowsToContents()
        # exactly as tall as its rows (no inner vertical scrolling); as wide as its
        # columns, unless it may scroll sideways (the values grid of a wide map)
        frame = 2 * self.frameWidth()
        height = self.horizontalHeader().height() + sum(self.rowHeight(i) for i in range(rows)) + frame
        if self.horizontalScrollBarPolicy() == Qt.ScrollBarAlwaysOff:
            self.setFixedWidth(self.verticalHeader().width()
                               + sum(self.columnWidth(j) for j in range(cols)) + frame)
        else:
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height)

    def texts(self) -> list[list[str]]:
        """The grid's texts, row by row (what the user reads)."""
        return [[self.item(i, j).text() for j in range(self.columnCount())] for i in range(self.rowCount())]


class CellDetails(QWidget):
    """Dot product / pool winner of the clicked cell, and the values of its map."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel("Click a cell of any map to see how it was computed.")
        self.title.setWordWrap(True)
        self.channel_label = QLabel("input channel")
        self.channel = QSpinBox()
        self.channel.setToolTip("Each input channel has its own slice of the kernel; "
                                "the cell's net adds up the products of all channels.")
        self.channel.valueChanged.connect(self._show_channel)
        self.patch, self.kernel, self.products = NumberTable(), NumberTable(), NumberTable()
        self.sum_label = QLabel()
        self.sum_label.setWordWrap(True)
        self.sum_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.grid_title = QLabel()
        self.values = NumberTable()
        self.values.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)

        channel_row = QHBoxLayout()
        channel_row.addWidget(self.channel_label)
        channel_row.addWidget(self.channel)
        channel_row.addStretch(1)
        # side by side for small kernels (as on the lecture's slide), stacked for larger ones
        self.tables = QBoxLayout(QBoxLayout.LeftToRight)
        self._dot_widgets = [self.channel, self.channel_label]
        for name, table in (("input patch", self.patch), ("kernel (as applied)", self.kernel),
                            ("patch × kernel", self.products)):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(QLabel(name))
            column.addWidget(table)
            self._dot_widgets.append(box)
            self.tables.addWidget(box)
        self.tables.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(channel_row)
        layout.addLayout(self.tables)
        layout.addWidget(self.sum_label)
        layout.addWidget(self.grid_title)
        layout.addWidget(self.values)
        layout.addStretch(1)
        self._terms: DotProduct | None = None
        self._show_dot_widgets(False)

    def _show_dot_widgets(self, visible: bool) -> None:
        for w in self._dot_widgets:
            w.setVisible(visible)

    def show_conv(self, title: str, terms: DotProduct, out_value: float, activation: str) -> None:
        """Explain a conv cell: ``terms`` from core.receptive_field.conv_dot_product."""
        self.title.setText(title)
        self._terms = terms
        self._show_dot_widgets(True)
        channels = terms.patch.shape[0]
        self.channel.blockSignals(True)
        self.channel.setRange(0, channels - 1)
        self.channel.blockSignals(False)
        self.channel.setEnabled(channels > 1)
        self._show_channel()
        per_channel = terms.products.sum(axis=(1, 2))
        parts = format_value(per_channel[0]) + "".join(
            f" − {format_value(-v)}" if v < 0 else f" + {format_value(v)}" for v in per_channel[1:])
        text = (f"Σ patch × kernel = {parts}"
                f"{f' = {format_value(per_channel.sum())}' if channels > 1 else ''}<br>"
                f"net = Σ + bias = {format_value(per_channel.sum())} + {format_value(terms.bias)} "
                f"= <b>{format_value(terms.total)}</b>")
        if activation != "identity":
            text += f"<br>out = {activation}(net) = <b>{format_value(out_value)}</b>"
        self.sum_label.setText(text)

    def _show_channel(self) -> None:
        t = self._terms
        if t is None:
            return
        c = self.channel.value()
        top, left = t.top_left
        self.patch.set_values(t.patch[c], top, left)
        self.kernel.set_values(t.kernel[c])
        self.products.set_values(t.products[c], top, left)
        self._arrange_tables()

    def _arrange_tables(self) -> None:
        """Side by side when the three tables fit the width (as on the lecture's slide), else stacked."""
        needed = sum(t.width() for t in (self.patch, self.kernel, self.products)) + 4 * self.tables.spacing()
        fits = needed <= self.width() - 20
        self.tables.setDirection(QBoxLayout.LeftToRight if fits else QBoxLayout.TopToBottom)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._terms is not None:
            self._arrange_tables()

    def show_text(self, title: str, text: str) -> None:
        """Explain a cell in words (a pooling cell, an input pixel)."""
        self._terms = None
        self._show_dot_widgets(False)
        self.title.setText(title)
        self.sum_label.setText(text)

    def show_map(self, name: str, values: np.ndarray, mark: tuple[int, int] | None) -> None:
        """The whole clicked map as numbers (only when it is small enough to read)."""
        h, w = values.shape
        if h > MAX_GRID or w > MAX_GRID:
            self.grid_title.setText(f"{name}: {h} × {w} — too large to list; hover the map to read values.")
            self.values.setRowCount(0)
            self.values.setColumnCount(0)
            return
        self.grid_title.setText(f"{name} ({h} × {w}):")
        self.values.set_values(values, mark=mark)
