"""Properties of the selected layer: one control per constructor argument
(units, activation, kernel size, stride, padding, mode, pool size, rate,
initialiser, ...) and a checkbox per parameter to freeze it.

A change rebuilds the layer from its edited ``config()`` (keeping its weights
when their shapes still fit) and replaces it in the stack as one undoable edit.
A setting the engine refuses is shown in red under the form; the stack is left
as it was.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.activations import ACTIVATIONS
from core.errors import LayerLabError

from ..session import SessionController
from .formulas import activation_tooltip

#: settings chosen from a fixed list, by config key
CHOICES = {
    "activation": list(ACTIVATIONS),
    "name": list(ACTIVATIONS),           # Activation(name)
    "init": ["xavier", "he", "normal", "uniform", "constant"],
    "bias_init": ["constant", "normal", "uniform", "xavier", "he"],
    "padding": ["0", "1", "2", "valid", "same"],
    "mode": ["correlation", "convolution"],
}

#: tooltips for the usual settings
HELP = {
    "units": "Number of neurons; the output has this many features",
    "activation": "g in out = g(net)",
    "name": "The activation function applied elementwise",
    "init": "How the weights are initialised when the layer is (re)built",
    "bias_init": "How the biases are initialised",
    "filters": "Number of output channels (one kernel per channel)",
    "kernel_size": "Height and width of each kernel",
    "stride": "Step between two kernel positions",
    "padding": "Zeros added around the input: a number, or 'same' to keep the size",
    "size": "Height and width of each pooling window",
    "mode": "correlation: Σ I(x+i, y+j)·K(i, j) (what CNN libraries compute); "
            "convolution: the lecture's I(x−i, y−j), the kernel flipped",
    "rate": "Fraction of units dropped (set to 0) during training, in [0, 1)",
}


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


class PropertiesPanel(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.layer_index: int | None = None
        self.title = QLabel()
        self.title.setObjectName("properties_title")
        self.title.setStyleSheet("font-weight: bold;")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.controls: dict[str, QWidget] = {}
        self.frozen_boxes: dict[str, QCheckBox] = {}
        self.error_label = QLabel()
        self.error_label.setObjectName("properties_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8a1512;")
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.form_host)
        box.addWidget(self.error_label)
        box.addStretch(1)
        session.selection_changed.connect(self.refresh)
        session.network_changed.connect(self.refresh)
        session.running_changed.connect(self._running)
        self.refresh()

    def _running(self, running: bool) -> None:
        self.form_host.setEnabled(not running)

    # --- view ---------------------------------------------------------------------------
    def refresh(self) -> None:
        sel = self.session.selection
        index = sel.layer if sel is not None and sel.layer < len(self.session.layers) else None
        self.layer_index = index
        while self.form.rowCount():
            # deleteLater: the control whose signal led here may still be on the stack
            row = self.form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                if item is not None and item.widget() is not None:
                    item.widget().hide()
                    item.widget().deleteLater()
        self.controls.clear()
        self.frozen_boxes.clear()
        self.error_label.clear()
        if index is None:
            self.title.setText("Select a layer to edit its settings.")
            return
        layer = self.session.layers[index]
        self.title.setText(f"Layer {index}: {type(layer).__name__}")
        for key, value in layer.config().items():
            control = self._control(key, value)
            control.setObjectName(f"prop_{key}")
            control.setToolTip(HELP.get(key, ""))
            self.controls[key] = control
            self.form.addRow(_label(key), control)
            if isinstance(value, dict):            # an initialiser's own settings: std, limit, value
                for setting, number in value.items():
                    if setting != "name":
                        self._add_initializer_setting(key, value, setting, number)
        for name in layer.param_names:
            check = QCheckBox(f"freeze {name}")
            check.setObjectName(f"freeze_{name}")
            check.setToolTip(f"A frozen {name} still gets its gradient but the optimizer does not update it")
            check.setChecked(name in layer.frozen)
            check.toggled.connect(lambda on, n=name: self.set_frozen(n, on))
            self.frozen_boxes[name] = check
            self.form.addRow("" if len(self.frozen_boxes) > 1 else "Frozen", check)
        if layer.param_names:
            again = QPushButton("Re-initialise the weights")
            again.setObjectName("reinitialise")
            again.setToolTip("Draw fresh weights with the initialisers above (a changed initialiser "
                             "only applies when the layer's shapes change, or with this button)")
            again.clicked.connect(self.reinitialise)
            self.form.addRow("", again)

    def _add_initializer_setting(self, key: str, spec: dict, setting: str, number: float) -> None:
        spin = QDoubleSpinBox()
        spin.setObjectName(f"prop_{key}_{setting}")
        spin.setDecimals(4)
        spin.setRange(-1e3, 1e3)
        spin.setSingleStep(0.01)
        spin.setValue(float(number))
        spin.setKeyboardTracking(False)
        spin.setToolTip(f"The {setting} of the {spec['name']} initialiser, used when the layer is (re)built")
        spin.valueChanged.connect(lambda v: self.set_value(key, {**spec, setting: v}))
        self.controls[f"{key}_{setting}"] = spin
        self.form.addRow(f"    {setting}", spin)

    def _control(self, key: str, value) -> QWidget:
        if isinstance(value, dict) and "name" in value:       # an initialiser spec
            value = value["name"]
        if key in CHOICES and (isinstance(value, str) or key == "padding"):
            combo = QComboBox()
            combo.setEditable(key == "padding")
            combo.addItems(CHOICES[key])
            if key in ("activation", "name"):
                for k, name in enumerate(CHOICES[key]):
                    combo.setItemData(k, activation_tooltip(name), Qt.ToolTipRole)
            combo.setCurrentText(str(value))
            if key == "padding":
                combo.lineEdit().editingFinished.connect(lambda: self._padding_edited(combo.currentText()))
                combo.activated.connect(lambda _=0: self._padding_edited(combo.currentText()))
            else:
                combo.activated.connect(lambda _=0, k=key: self.set_value(k, combo.currentText()))
            return combo
        if isinstance(value, bool):
            check = QCheckBox()
            check.setChecked(value)
            check.toggled.connect(lambda on, k=key: self.set_value(k, on))
            return check
        if isinstance(value, int):
            spin = QSpinBox()
            spin.setRange(0, 100_000)
            spin.setValue(value)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v, k=key: self.set_value(k, v))
            return spin
        if isinstance(value, float):
            spin = QDoubleSpinBox()
            spin.setDecimals(3)
            spin.setRange(0.0, 1.0 if key == "rate" else 1e6)
            spin.setSingleStep(0.05)
            spin.setValue(value)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v, k=key: self.set_value(k, v))
            return spin
        if value is None:
            text = ""
        elif isinstance(value, (tuple, list)):
            text = ", ".join(map(str, value))
        else:
            text = str(value)
        edit = QLineEdit(text)
        edit.setPlaceholderText("default")
        edit.editingFinished.connect(lambda k=key, e=edit: self._text_edited(k, e.text()))
        return edit

    # --- edits ----------------------------------------------------------------------------
    def _padding_edited(self, text: str) -> None:
        text = text.strip()
        self.set_value("padding", int(text) if text.isdigit() else text)

    def _text_edited(self, key: str, text: str) -> None:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            self.set_value(key, None)
            return
        try:
            value = tuple(int(p) for p in parts)
        except ValueError:
            value = text
        self.set_value(key, value[0] if isinstance(value, tuple) and len(value) == 1 else value)

    def set_value(self, key: str, value) -> None:
        """Rebuild the selected layer with ``key`` set to ``value`` (one undoable edit)."""
        index = self.layer_index
        if index is None:
            return
        old = self.session.layers[index]
        config = old.config()
        if config.get(key) == value or (isinstance(config.get(key), dict) and config[key].get("name") == value):
            return
        config[key] = value
        try:
            new = type(old)(**config)
        except LayerLabError as e:
            self.error_label.setText(f"⚠ {e}")
            return
        except TypeError as e:
            self.error_label.setText(f"⚠ {type(old).__name__} does not accept {key} = {value!r} ({e}).")
            return
        new.frozen = set(old.frozen)
        new.name = old.name
        for name, array in old.params.items():   # kept by build() if the shapes still fit
            new.params.set_array(name, array)
        layers = list(self.session.layers)
        layers[index] = new
        self.session.edit_stack(f"Set {key} of layer {index} to {value}", layers=layers)

    def reinitialise(self) -> None:
        """Replace the selected layer by a copy without weights, so the network draws new ones."""
        index = self.layer_index
        if index is None:
            return
        old = self.session.layers[index]
        new = type(old)(**old.config())
        new.frozen, new.name = set(old.frozen), old.name
        layers = list(self.session.layers)
        layers[index] = new
        self.session.edit_stack(f"Re-initialise the weights of layer {index}", layers=layers)

    def set_frozen(self, param: str, frozen: bool) -> None:
        index = self.layer_index
        if index is None:
            return
        layer = copy.deepcopy(self.session.layers[index])
        (layer.freeze if frozen else layer.unfreeze)(param)
        layers = list(self.session.layers)
        layers[index] = layer
        verb = "Freeze" if frozen else "Unfreeze"
        self.session.edit_stack(f"{verb} {param} of layer {index}", layers=layers)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from ..session import Selection
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    s.select(Selection(0, None, ()))
    w = PropertiesPanel(s)
    w.show()
    app.exec()
