"""Choose built-in 2-D or 1-D data: circle, XOR, two Gaussians, spiral (classes)
or a noisy line (regression), with the sample count, noise and seed.

*Use this data* generates it (the same seed always gives the same points) and
hands it to the session, with the labels shaped as the network's output
expects: integer labels for a softmax + cross-entropy output, one-hot rows for
several outputs with MSE, a 0/1 column for a single sigmoid output. The choice
is remembered in ``live_state(session).dataset`` so a project file can store it.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from core.datasets import TOY_DATASETS
from core.errors import LayerLabError, ShapeError

from ..live_state import live_state


def targets_for(net, y: np.ndarray, task: str) -> np.ndarray:
    """``y`` (integer labels, or (n, 1) regression targets) in the form ``net``'s
    output and loss expect. Raises ShapeError when they cannot fit."""
    if task == "regression" or net is None:
        return y
    classes = int(y.max()) + 1
    outputs = net.output_shape[0] if len(net.output_shape) == 1 else None
    if outputs == 1:
        if classes > 2:
            raise ShapeError(f"This data has {classes} classes but the network has a single output; "
                             f"give the last layer {classes} units with softmax.")
        return y.astype(net.dtype).reshape(-1, 1)
    if outputs is None or outputs < classes:
        raise ShapeError(f"This data has {classes} classes but the network outputs {net.output_shape}; "
                         f"give the last layer {classes} units.")
    if net.loss.takes_logits:
        return y
    onehot = np.zeros((len(y), outputs), dtype=net.dtype)
    onehot[np.arange(len(y)), y] = 1.0
    return onehot


class ToyDataPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.live = live_state(session)
        self.choice = QComboBox()
        for name in TOY_DATASETS:
            self.choice.addItem(name.replace("_", " "), name)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.form = QFormLayout()
        self.fields: dict[str, QWidget] = {}
        self.use_button = QPushButton("Use this data")
        self.use_button.setToolTip("Generate the points and train / step on them")
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.choice)
        layout.addWidget(self.description)
        layout.addLayout(self.form)
        layout.addWidget(self.use_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.choice.currentIndexChanged.connect(self._build_fields)
        self.use_button.clicked.connect(self.apply)
        self._build_fields()

    def dataset_name(self) -> str:
        return self.choice.currentData()

    def _build_fields(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        entry = TOY_DATASETS[self.dataset_name()]
        self.description.setText(entry.description)
        for p in entry.params:
            if isinstance(p.default, int) and not isinstance(p.default, bool):
                field = QSpinBox(minimum=int(p.minimum), maximum=int(p.maximum), value=int(p.default))
            else:
                field = QDoubleSpinBox(minimum=float(p.minimum), maximum=float(p.maximum),
                                       value=float(p.default), singleStep=0.05, decimals=3)
            field.setToolTip(p.description)
            self.form.addRow(p.name, field)
            self.fields[p.name] = field

    def values(self) -> dict:
        return {name: field.value() for name, field in self.fields.items()}

    def set_choice(self, name: str, values: dict) -> None:
        """Show ``name`` with ``values`` in the fields (after a project is opened)."""
        index = self.choice.findData(name)
        if index >= 0:
            self.choice.setCurrentIndex(index)
            for key, value in values.items():
                if key in self.fields:
                    self.fields[key].setValue(value)

    def apply(self) -> bool:
        """Generate the chosen data and give it to the session; False (with a message) if it does not fit."""
        name, values = self.dataset_name(), self.values()
        entry = TOY_DATASETS[name]
        net = self.session.network
        try:
            x, y = entry.generate(**values)
            if net is not None and net.input_shape != x.shape[1:]:
                raise ShapeError(f"The {name} data has {x.shape[1]} input(s) per sample but the network "
                                 f"takes {net.input_shape}; change the network's input shape to ({x.shape[1]},).")
            y = targets_for(net, y, entry.task)
        except LayerLabError as e:
            self.status.setText(str(e))
            self.session.error.emit(str(e))
            return False
        self.live.dataset = {"name": name, **values}
        self.session.set_data(x, y, name)
        self.status.setText(f"Using {len(x)} samples of {name.replace('_', ' ')} (seed {values.get('seed', 0)}).")
        self.session.message.emit(self.status.text())
        return True


if __name__ == "__main__":
    from .preview import preview
    preview(ToyDataPanel)
