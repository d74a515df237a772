"""The values table: what the current pass computed for one layer.

* *Units* — for each unit: ``net``, ``out``, ∂E/∂out, ∂out/∂net and δ = ∂E/∂net
* *Input* — the layer's input x
* *Parameters* — every weight and bias with its gradient ∂E/∂θ

for the shown sample of the batch (chosen here; the diagram shows the same one). The layer is the selected one,
or else the one the debugger is at. NaN and ±inf cells are highlighted; select
cells and press Ctrl+C (or right-click → Copy) to copy them as tab-separated text.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QLabel, QMenu, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ..lecture_names import Names
from ..session import SessionController
from .redraw import RefreshSoon

#: at most this many rows per table (a conv layer has thousands of values)
MAX_ROWS = 256
REFRESH_MS = 33
BAD = QColor("#ffb3ad")


def cell_text(v) -> str:
    if v is None:
        return ""
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "inf" if v > 0 else "−inf"
    return f"{v:.6g}"


class CopyableTable(QTableWidget):
    """A read-only table whose selected cells copy as tab-separated text."""

    def __init__(self, headers: list[str]):
        super().__init__(0, len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)

    def fill(self, rows: list[list]) -> None:
        """``rows`` of a label then numbers (or None for not computed)."""
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = value if isinstance(value, str) else cell_text(value)
                item = QTableWidgetItem(text)
                if c > 0:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if text in ("NaN", "inf", "−inf"):
                    item.setBackground(QBrush(BAD))
                    item.setToolTip("Not a finite number: the values overflowed (learning rate too large?)")
                self.setItem(r, c, item)
        self.resizeColumnsToContents()

    def copy_selection(self) -> str:
        ranges = self.selectedRanges()
        if not ranges:
            return ""
        r = ranges[0]
        lines = []
        for row in range(r.topRow(), r.bottomRow() + 1):
            cells = [self.item(row, col).text() if self.item(row, col) else ""
                     for col in range(r.leftColumn(), r.rightColumn() + 1)]
            lines.append("\t".join(cells))
        text = "\n".join(lines)
        QApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event):
        if event.matches(QKeySequence.Copy):
            self.copy_selection()
        else:
            super().keyPressEvent(event)

    def _menu(self, pos):
        menu = QMenu(self)
        menu.addAction("Copy", self.copy_selection)
        menu.exec(self.viewport().mapToGlobal(pos))


class ValuesPanel(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.title = QLabel()
        self.title.setObjectName("values_title")
        self.title.setWordWrap(True)
        self.units = CopyableTable(["unit", "net", "out", "∂E/∂out", "∂out/∂net", "δ = ∂E/∂net"])
        self.units.setObjectName("values_units")
        self.inputs = CopyableTable(["input", "x"])
        self.inputs.setObjectName("values_inputs")
        self.params = CopyableTable(["parameter", "value", "∂E/∂θ"])
        self.params.setObjectName("values_params")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.units, "Units")
        self.tabs.addTab(self.inputs, "Input")
        self.tabs.addTab(self.params, "Parameters")
        self.sample = QSpinBox()
        self.sample.setObjectName("values_sample")
        self.sample.setToolTip("Which sample of the batch the diagram and this table show")
        self.sample.setKeyboardTracking(False)
        self.sample.valueChanged.connect(lambda v: self.session.set_shown_sample(v - 1))
        self.sample_of = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel("Sample"))
        row.addWidget(self.sample)
        row.addWidget(self.sample_of)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(row)
        box.addWidget(self.tabs, 1)
        self._schedule = RefreshSoon(self, REFRESH_MS, self.refresh).request
        session.state_changed.connect(self._schedule)
        session.selection_changed.connect(self._schedule)
        session.network_changed.connect(self._schedule)
        self.refresh()


    def layer_index(self) -> int | None:
        """The selected layer, else the layer the debugger is at, else the first."""
        s = self.session
        if s.network is None or not s.layers:
            return None
        if s.selection is not None and s.selection.layer < len(s.layers):
            return s.selection.layer
        pos = s.position()
        if pos is not None and pos.layer is not None:
            return pos.layer
        return 0

    def refresh(self) -> None:
        s = self.session
        i = self.layer_index()
        if i is None:
            self.title.setText("No valid network: fix the stack to see values.")
            for table in (self.units, self.inputs, self.params):
                table.fill([])
            return
        names = Names(s.layers, s.input_shape)
        layer = s.layers[i]
        v = s.layer_values(i)
        self.title.setText(f"Layer {i}: {layer!r}" + ("" if v is not None else
                                                        "  (not computed yet: step forward)"))
        n = s.batch_length()
        self.sample.blockSignals(True)
        self.sample.setRange(1, max(1, n))
        self.sample.setValue(min(s.shown_sample, max(0, n - 1)) + 1)
        self.sample.blockSignals(False)
        self.sample_of.setText(f"of {n} in this batch" if n else "")
        n_units = int(np.prod(s.shapes[i])) if i < len(s.shapes) else 0
        rows = []
        for j in range(min(n_units, MAX_ROWS)):
            label = names.unit(i, j) if len(s.shapes[i]) == 1 else f"[{j}]"
            rows.append([label] + [None if v is None else v.get(k, j)
                                   for k in ("net", "out", "dout", "dout_dnet", "delta")])
        self.units.fill(rows)
        x = None if v is None else v.of_sample("x").ravel()
        n_in = int(np.prod(layer.input_shape)) if layer.input_shape else 0
        self.inputs.fill([[names.unit(i - 1, j) if len(layer.input_shape) == 1 else f"[{j}]",
                           None if x is None else x[j]] for j in range(min(n_in, MAX_ROWS))])
        grads = s.layer_grads(i)
        prows = []
        for pname, array in layer.params.items():
            g = None if grads is None else np.asarray(grads[pname])
            for index in list(np.ndindex(array.shape))[:MAX_ROWS]:
                label = names.param(i, pname, index)
                if pname in layer.frozen:
                    label += " (frozen)"
                prows.append([label, array[index], None if g is None else g[index]])
        self.params.fill(prows)


if __name__ == "__main__":
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = ValuesPanel(s)
    w.resize(520, 420)
    w.show()
    app.exec()
