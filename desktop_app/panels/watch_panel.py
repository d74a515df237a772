"""Watched weights: how chosen weights change, one point per iteration.

Pick a weight by clicking a cell of the weights view, or select it in the
network diagram and press *Watch selected*. Each watch gets a line on the
plot (x: iteration, y: the weight's value), updated at most 30 times a second.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from ..live_state import live_state
from .redraw import RedrawTimer, light_grid

COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


class WatchPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.watches = live_state(session).watches
        self.list = QListWidget()
        self.list.setToolTip("Watched weights; select one and press Remove to stop watching it")
        self.watch_selected = QPushButton("Watch selected")
        self.watch_selected.setToolTip("Watch the weight selected in the network diagram")
        self.remove = QPushButton("Remove")
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "iteration")
        self.plot.setLabel("left", "weight value")
        self.plot.addLegend(offset=(10, 10))
        light_grid(self.plot.getPlotItem())
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Click a cell of the Weights view, or a weight on the diagram and then "
                      "Watch selected: its value is drawn at every iteration.")
        hint.setWordWrap(True)
        side_layout.addWidget(hint)
        side_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.watch_selected)
        buttons.addWidget(self.remove)
        side_layout.addLayout(buttons)
        split = QSplitter()
        split.addWidget(side)
        split.addWidget(self.plot)
        split.setSizes([180, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self.curves = []
        self.redraw = RedrawTimer(self, self.watches.grown)
        self.watch_selected.clicked.connect(self._watch_selection)
        self.remove.clicked.connect(self._remove_current)
        self.watches.changed.connect(self._rebuild)
        self._rebuild()

    def _rebuild(self) -> None:
        """One list row and one curve per watch (only when the set of watches changes)."""
        self.list.clear()
        for curve in self.curves:
            self.plot.removeItem(curve)          # (not plot.clear(): that would take the grid too)
        self.curves = []
        for n, w in enumerate(self.watches.items):
            self.list.addItem(w.label)
            pen = pg.mkPen(COLORS[n % len(COLORS)], width=2)
            self.curves.append(self.plot.plot([], [], pen=pen, name=w.label))
        self.redraw.mark_dirty()

    def refresh(self) -> None:
        for curve, w in zip(self.curves, self.watches.items):
            curve.setData(w.iterations, w.values)

    def _watch_selection(self) -> None:
        sel = getattr(self.session, "selection", None)
        if sel is None or sel.param is None:
            self.session.message.emit("Select a weight in the network diagram first (or click a cell "
                                      "of the weights view).")
            return
        self.watches.add(sel.layer, sel.param, sel.index)

    def _remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.watches.remove(row)

    def closeEvent(self, event) -> None:
        self.redraw.stop()
        self.watches.changed.disconnect(self._rebuild)
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(WatchPanel)
