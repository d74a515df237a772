"""The breakpoints panel: add, enable, disable and remove every kind of
breakpoint the engine has (``core.breakpoints.KINDS``).

Choose a kind, fill in its settings (the form follows the kind's constructor)
and press *Add*. Tick or untick a row to enable or disable it. When a run
stops at one, its row is highlighted and the reason is shown under the table
(the diagram shows where, the status bar says why).
"""
from __future__ import annotations

import inspect

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout,
                               QHBoxLayout, QLabel, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from core.breakpoints import KINDS
from core.errors import LayerLabError

from ..session import SessionController

HIT = QColor("#ffe08a")

#: what each kind means, for the kind box and its tooltip
DESCRIPTIONS = {
    "nonfinite": "a NaN or ±inf appears anywhere (value, loss, gradient, update)",
    "loss_above": "the batch loss E rises above a value",
    "loss_rising": "the loss rose several iterations in a row (divergence)",
    "grad_norm_above": "a layer's gradient norm ‖∂E/∂θ‖ exceeds a threshold (exploding)",
    "grad_norm_below": "a layer's gradient norm falls below a threshold (vanishing)",
    "dead_relu": "more than a fraction of a ReLU layer's units output 0 for the whole batch",
    "saturated": "more than a fraction of a sigmoid/tanh layer's outputs sit at its bounds",
    "iteration": "n updates have been done",
    "epoch": "n epochs have been finished",
    "enter_layer": "the run is about to compute a layer (forward or backward)",
}

#: settings that are a layer index (None = any layer)
LAYER_SETTINGS = ("layer",)


def describe(bp) -> str:
    """``loss_above: value=10`` — the kind and its settings in one line."""
    settings = ", ".join(f"{k}={'any' if v is None else v}" for k, v in vars(bp).items() if k != "enabled")
    return f"{bp.kind}: {settings}" if settings else bp.kind


class BreakpointsPanel(QWidget):
    """The add form (kind + its settings), the table of breakpoints (tick = enabled) and the last hit."""

    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.kind = QComboBox()
        self.kind.setObjectName("breakpoint_kind")
        for name in KINDS:
            self.kind.addItem(name)
            self.kind.setItemData(self.kind.count() - 1, DESCRIPTIONS.get(name, ""), Qt.ToolTipRole)
        self.kind.currentTextChanged.connect(self._build_settings)
        self.kind_help = QLabel()
        self.kind_help.setWordWrap(True)
        self.kind_help.setStyleSheet("color: gray;")
        self.settings_host = QWidget()
        self.settings_form = QFormLayout(self.settings_host)
        self.settings_form.setContentsMargins(0, 0, 0, 0)
        self.setting_controls: dict[str, QWidget] = {}
        add = QPushButton("Add breakpoint")
        add.setObjectName("add_breakpoint")
        add.clicked.connect(self.add_from_form)

        self.table = QTableWidget(0, 2)
        self.table.setObjectName("breakpoint_table")
        self.table.setHorizontalHeaderLabels(["on", "breakpoint"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.itemChanged.connect(self._item_changed)
        remove = QPushButton("Remove")
        remove.setObjectName("remove_breakpoint")
        remove.clicked.connect(self.remove_selected)
        self.hit_label = QLabel()
        self.hit_label.setObjectName("breakpoint_hit")
        self.hit_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8a1512;")

        form = QFormLayout()
        form.addRow("Stop when", self.kind)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.kind_help)
        box.addWidget(self.settings_host)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        box.addLayout(row)
        box.addWidget(self.error_label)
        box.addWidget(self.table, 1)
        box.addWidget(self.hit_label)

        session.breakpoints_changed.connect(self.refresh)
        session.network_changed.connect(self._network_changed)
        session.stopped.connect(self._stopped)
        session.state_changed.connect(self._clear_hit_if_moved)
        self._build_settings(self.kind.currentText())
        self.refresh()

    def _network_changed(self) -> None:
        self._build_settings(self.kind.currentText())     # the layer choices follow the network

    def _stopped(self, _reason: str) -> None:
        self.refresh()

    # --- the add form ------------------------------------------------------------------
    def _build_settings(self, kind: str) -> None:
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self.setting_controls.clear()
        self.kind_help.setText(f"Stops when {DESCRIPTIONS.get(kind, kind)}.")
        for name, p in inspect.signature(KINDS[kind].__init__).parameters.items():
            if name == "self":
                continue
            required = p.default is inspect.Parameter.empty
            control = self._control(name, None if required else p.default, required)
            control.setObjectName(f"bp_{name}")
            self.setting_controls[name] = control
            self.settings_form.addRow(name.replace("_", " "), control)

    def _control(self, name: str, default, required: bool = False):
        """A field for one setting; a required layer offers only the network's layers."""
        if name in LAYER_SETTINGS:
            combo = QComboBox()
            if not required:
                combo.addItem("any layer", None)
            for i in range(len(self.session.layers)):
                combo.addItem(f"layer {i}: {type(self.session.layers[i]).__name__}", i)
            return combo
        if name == "phase":
            combo = QComboBox()
            combo.addItems(["forward", "backward"])
            return combo
        if name in ("n", "iterations"):
            spin = QSpinBox()
            spin.setRange(1, 10_000_000)
            spin.setValue(int(default) if default is not None else 1)
            return spin
        spin = QDoubleSpinBox()
        spin.setDecimals(6)
        spin.setRange(0.0, 1e12)
        if name in ("fraction", "margin"):
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.05)
        spin.setValue(float(default) if default is not None else 1.0)
        return spin

    def settings(self) -> dict:
        values = {}
        for name, control in self.setting_controls.items():
            if isinstance(control, QComboBox):
                values[name] = control.currentData() if name in LAYER_SETTINGS else control.currentText()
            else:
                values[name] = control.value()
        return values

    def add_from_form(self) -> None:
        try:
            self.session.add_breakpoint(self.kind.currentText(), **self.settings())
        except LayerLabError as e:
            self.error_label.setText(f"⚠ {e}")
            return
        self.error_label.clear()

    # --- the table ---------------------------------------------------------------------
    def refresh(self) -> None:
        bps = self.session.breakpoints()
        hit = self.session.last_hit
        self.table.blockSignals(True)
        self.table.setRowCount(len(bps))
        for r, bp in enumerate(bps):
            on = QTableWidgetItem()
            on.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            on.setCheckState(Qt.Checked if bp.enabled else Qt.Unchecked)
            on.setToolTip("Enabled: a run stops here")
            text = QTableWidgetItem(describe(bp))
            text.setToolTip(DESCRIPTIONS.get(bp.kind, ""))
            for item in (on, text):
                item.setBackground(QBrush(HIT) if hit is not None and hit.breakpoint is bp else QBrush())
            self.table.setItem(r, 0, on)
            self.table.setItem(r, 1, text)
        self.table.resizeColumnToContents(0)
        self.table.blockSignals(False)
        self.hit_label.setText(f"Hit: {hit.message}" if hit is not None else "")

    def _clear_hit_if_moved(self) -> None:
        if self.session.last_hit is None and self.hit_label.text():
            self.refresh()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            self.session.set_breakpoint_enabled(item.row(), item.checkState() == Qt.Checked)

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.session.remove_breakpoint(row)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = BreakpointsPanel(s)
    w.show()
    app.exec()
