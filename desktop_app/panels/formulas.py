"""Formulas and the activation explorer.

Plots an activation g(net) and its derivative g′(net) (the lecture's sigmoid,
tanh and ReLU slides) and marks the selected layer's current ``net`` values on
both curves, so saturated units (g′ ≈ 0 on a sigmoid's flat ends) and dead
ReLUs (net ≤ 0) are visible. Below it, the formulas of the current loss and
optimizer.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.activations import ACTIVATIONS, get_activation

from ..session import SessionController
from .redraw import RefreshSoon

CURVE_RANGE = 6.0
#: |g′(net)| below this counts as saturated (no gradient flows back)
SATURATED = 0.01
REFRESH_MS = 33
#: at most this many net values are marked on the curves
MAX_MARKS = 1000
#: activations worth plotting on their own (softmax depends on the whole row)
PLOTTABLE = [name for name in ACTIVATIONS if name != "softmax"]


def activation_tooltip(name: str) -> str:
    """Formula and derivative of an activation, for any tooltip that names one."""
    fn = get_activation(name)
    text = f"{fn.formula}\n{fn.derivative_formula}"
    return f"{text}\n{fn.note}" if fn.note else text


def saturation_summary(name: str, net: np.ndarray) -> str:
    """A sentence on how many of a layer's ``net`` values (batch × units) pass
    (almost) no gradient back."""
    fn = get_activation(name)
    net = np.asarray(net, dtype=float)
    what = "units" if net.ndim < 2 or net.shape[0] == 1 else f"values ({net.shape[0]} samples × units)"
    net = net.ravel()
    if net.size == 0:
        return ""
    if name == "relu":
        dead = int(np.sum(net <= 0))
        return f"{dead} of {net.size} {what} have net ≤ 0: no gradient flows back there (g′ = 0)." \
            if dead else f"All {net.size} {what} are active (net > 0, g′ = 1)."
    slope = np.abs(fn.derivative(net, fn.forward(net)))
    flat = int(np.sum(slope < SATURATED))
    return (f"{flat} of {net.size} {what} are saturated (|g′| < {SATURATED}): almost no gradient flows back."
            if flat else f"None of the {net.size} {what} is saturated (smallest |g′| = {slope.min():.3g}).")


class FormulasPanel(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.choice = QComboBox()
        self.choice.setObjectName("activation_choice")
        for name in PLOTTABLE:
            self.choice.addItem(name)
            self.choice.setItemData(self.choice.count() - 1, activation_tooltip(name), Qt.ToolTipRole)
        self.choice.setCurrentText("sigmoid")
        self.choice.currentTextChanged.connect(self._draw_curves)
        self.formula = QLabel()
        self.formula.setObjectName("activation_formula")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setAntialiasing(True)
        self.plot.setMinimumHeight(140)    # room for the marks and formulas below in a low dock
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "net")
        self.plot.addLegend(offset=(8, 8))
        self.g_curve = self.plot.plot(pen=pg.mkPen("#1f5fbf", width=2), name="g(net)")
        self.d_curve = self.plot.plot(pen=pg.mkPen("#e07b00", width=2, style=Qt.DashLine), name="g′(net)")
        self.g_points = pg.ScatterPlotItem(size=10, brush=pg.mkBrush("#1f5fbf"), pen=pg.mkPen("k"))
        self.d_points = pg.ScatterPlotItem(size=10, brush=pg.mkBrush("#e07b00"), pen=pg.mkPen("k"))
        self.plot.addItem(self.g_points)
        self.plot.addItem(self.d_points)
        self.marks_label = QLabel()
        self.marks_label.setObjectName("activation_marks")
        self.marks_label.setWordWrap(True)

        self.loss_formula = QLabel()
        self.loss_formula.setObjectName("loss_formula")
        self.optimizer_formula = QLabel()
        self.optimizer_formula.setObjectName("optimizer_formula")
        for label in (self.loss_formula, self.optimizer_formula):
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Activation", self.choice)
        # the plot beside the text, not above it: the panel fits a low dock
        notes = QVBoxLayout()
        notes.addWidget(self.marks_label)
        for title, label in (("Loss", self.loss_formula), ("Optimizer", self.optimizer_formula)):
            notes.addWidget(QLabel(f"<b>{title}</b>"))
            notes.addWidget(label)
        notes.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.plot, 3)
        row.addLayout(notes, 2)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.formula)
        box.addLayout(row, 1)

        self._schedule = RefreshSoon(self, REFRESH_MS, self.refresh).request
        session.network_changed.connect(self._follow_layer)
        session.selection_changed.connect(self._follow_layer)
        session.state_changed.connect(self._schedule)
        session.state_changed.connect(self._follow_position)
        self._draw_curves(self.choice.currentText())
        self._follow_layer()


    def _layer_index(self) -> int | None:
        """The selected layer, else the one the debugger is at, else the first."""
        s = self.session
        if s.selection is not None and s.selection.layer < len(s.layers):
            return s.selection.layer
        pos = s.position()
        if pos is not None and pos.layer is not None:
            return pos.layer
        return 0 if s.layers else None

    def _follow_layer(self) -> None:
        """Show the activation of the selected layer (if it has a plottable one)."""
        i = self._layer_index()
        act = getattr(self.session.layers[i], "activation", None) if i is not None else None
        if act is not None and act.name in PLOTTABLE and act.name != self.choice.currentText():
            self.choice.setCurrentText(act.name)
        self.refresh()

    def _follow_position(self) -> None:
        if self.session.selection is None:     # nothing selected: follow the debugger's layer
            self._follow_layer()

    def _draw_curves(self, name: str) -> None:
        fn = get_activation(name)
        net = np.linspace(-CURVE_RANGE, CURVE_RANGE, 601)
        out = fn.forward(net)
        self.g_curve.setData(net, out)
        self.d_curve.setData(net, fn.derivative(net, out))
        self.formula.setText(activation_tooltip(name).replace("\n", "<br>"))
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        self.loss_formula.setText(s.network.loss.formula if s.network is not None else "")
        self.optimizer_formula.setText(s.optimizer.formula.replace("\n", "<br>") if s.optimizer is not None else "")
        name = self.choice.currentText()
        i = self._layer_index()
        layer_act = getattr(s.layers[i], "activation", None) if i is not None else None
        values = s.layer_values(i) if i is not None else None
        if values is None or values.net is None or layer_act is None or layer_act.name != name:
            self.g_points.setData([], [])
            self.d_points.setData([], [])
            self.marks_label.setText("Step forward through a layer with this activation to see its "
                                     "units' net values marked on the curves.")
            return
        fn = get_activation(name)
        net = np.asarray(values.net, dtype=float).ravel()
        note = ""
        if net.size > MAX_MARKS:    # a conv layer over a batch has millions: mark an even sample
            net = net[np.linspace(0, net.size - 1, MAX_MARKS).astype(int)]
            note = f" (marking {MAX_MARKS:,} of them)"
        out = fn.forward(net)
        shown = np.clip(net, -CURVE_RANGE, CURVE_RANGE)
        self.g_points.setData(shown, out)
        self.d_points.setData(shown, fn.derivative(net, out))
        self.marks_label.setText(f"Layer {i}: {saturation_summary(name, values.net)}{note}")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = FormulasPanel(s)
    w.resize(420, 520)
    w.show()
    app.exec()
