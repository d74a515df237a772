"""Editors for an optimizer's hyperparameters, built from ``optimizer.hyper``.

Each hyperparameter gets one field; pairs such as Adam's ``betas`` get two
(β₁, β₂) and flags such as ``nesterov`` a check box. A change is written to
``optimizer.hyper`` at once — also while training runs, where the next update
uses it. An invalid value (the optimizer raises ConfigError) is reported
through ``session.error`` and the field shows the old value again.
"""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from core.errors import ConfigError

LABELS = {"lr": "learning rate η", "momentum": "momentum", "dampening": "dampening",
          "nesterov": "Nesterov", "lr_decay": "lr decay", "eps": "ε (epsilon)",
          "initial_accumulator_value": "initial accumulator", "rho": "ρ (rho)",
          "alpha": "α (smoothing)", "centered": "centred", "betas": ("β₁", "β₂")}


class HyperForm(QWidget):
    """The fields of ``session.optimizer``; ``rebuild()`` after the optimizer changes."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        #: field widget by (hyper name, position in a pair or None)
        self.fields: dict[tuple[str, int | None], QWidget] = {}
        self.optimizer = None

    def rebuild(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self.optimizer = opt = self.session.optimizer
        if opt is None:
            return
        for name, value in opt.hyper.items():
            label = LABELS.get(name, name)
            if isinstance(value, bool):
                box = QCheckBox()
                box.setChecked(value)
                box.toggled.connect(lambda on, n=name: self._set(n, bool(on)))
                self.form.addRow(label, box)
                self.fields[(name, None)] = box
            elif isinstance(value, tuple):
                for k, part in enumerate(value):
                    edit = self._line(f"{part:g}", name, k)
                    self.form.addRow(label[k] if isinstance(label, tuple) else f"{name}[{k}]", edit)
            else:
                self.form.addRow(label, self._line(f"{value:g}", name, None))

    def _line(self, text: str, name: str, part: int | None) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setObjectName(f"hyper_{name}" + ("" if part is None else f"_{part}"))
        edit.editingFinished.connect(lambda n=name, k=part, e=edit: self._edited(n, k, e))
        self.fields[(name, part)] = edit
        return edit

    def _edited(self, name: str, part: int | None, edit: QLineEdit) -> None:
        opt = self.optimizer
        try:
            number = float(edit.text().replace(",", "."))
        except ValueError:
            self.session.error.emit(f"{LABELS.get(name, name)} must be a number, got {edit.text()!r}.")
            self.show_values()
            return
        if part is None:
            value = number
        else:
            value = list(opt.hyper[name])
            value[part] = number
            value = tuple(value)
        self._set(name, value)

    def _set(self, name: str, value) -> None:
        opt = self.optimizer
        if opt is None or opt.hyper.get(name) == value:
            return
        try:
            opt.hyper[name] = value
        except ConfigError as e:
            self.session.error.emit(str(e))
        else:
            self.session.message.emit(f"{opt.name}: {name} = {value}"
                                      + (" (used from the next update)" if self.session.running else ""))
        self.show_values()

    def show_values(self, skip_focused: bool = False) -> None:
        """Show the optimizer's current values in the fields (with ``skip_focused``, not in
        the one the user is typing in)."""
        opt = self.optimizer
        if opt is None:
            return
        for (name, part), widget in self.fields.items():
            if skip_focused and widget.hasFocus():
                continue
            value = opt.hyper[name]
            if isinstance(widget, QCheckBox):
                widget.blockSignals(True)
                widget.setChecked(bool(value))
                widget.blockSignals(False)
            else:
                widget.setText(f"{value if part is None else value[part]:g}")
