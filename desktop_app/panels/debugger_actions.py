"""The debugger's actions (Step unit … Reset) with IDE-style shortcuts, and a
small optimizer / learning-rate box for the toolbar.

The window puts the actions in its Debug menu and toolbar; each tooltip names
its shortcut. They are enabled only when the session can run (a valid stack
with data), and Pause only while a run is going.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from core.debugger import GRANULARITIES
from core.errors import LayerLabError
from core.optimizers import OPTIMIZERS

from ..session import SessionController

#: key, menu text, shortcut, what it does
ACTIONS = (
    ("step_unit", "Step &unit", "F11", "Compute the next neuron (or channel) and stop"),
    ("step_layer", "Step &layer", "F10", "Compute the next layer (forward or backward) and stop"),
    ("step_phase", "Step &phase", "Shift+F11",
     "Finish the current phase: forward pass, loss, backward pass or update"),
    ("step_iteration", "Step &iteration", "F8", "Finish this iteration: forward, loss, backward and update"),
    ("step_epoch", "Step &epoch", "Shift+F8", "Run to the end of the current pass over the data"),
    ("step_back", "Step &back", "F7", "Undo the last step: every panel shows the previous numbers"),
    ("run", "&Run / Continue", "F5", "Run until a breakpoint hits, the loss turns NaN, or Pause"),
    ("pause", "&Pause", "F6", "Stop a run after the step in progress"),
    ("reset", "Rese&t", "Ctrl+Shift+F5", "Go back before the first step (the weights are kept)"),
)


class DebuggerActions(QObject):
    """``actions[key]`` for every entry of :data:`ACTIONS`, wired to the session."""

    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, tip in ACTIONS:
            action = QAction(text, self)
            action.setObjectName(key)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{tip} ({shortcut})")
            action.setStatusTip(tip)
            self.actions[key] = action
        for g in GRANULARITIES:
            self.actions[f"step_{g}"].triggered.connect(lambda _=False, g=g: session.step(g))
        self.actions["step_back"].triggered.connect(session.step_back)
        self.actions["run"].triggered.connect(session.run)
        self.actions["pause"].triggered.connect(session.pause)
        self.actions["reset"].triggered.connect(session.reset)
        session.network_changed.connect(self.update_enabled)
        session.state_changed.connect(self.update_enabled)
        session.running_changed.connect(self.update_enabled)
        self.update_enabled()

    def update_enabled(self) -> None:
        can_run = self.session.can_run
        for key, action in self.actions.items():
            action.setEnabled(self.session.running if key == "pause" else can_run)


class OptimizerBox(QWidget):
    """Optimizer kind and learning rate η; hovering the kind shows its update rule."""

    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.kind = QComboBox()
        self.kind.setObjectName("optimizer_kind")
        for name, cls in OPTIMIZERS.items():
            self.kind.addItem(name, name)
            self.kind.setItemData(self.kind.count() - 1, cls().formula, Qt.ToolTipRole)
        self.lr = QDoubleSpinBox()
        self.lr.setObjectName("learning_rate")
        self.lr.setDecimals(5)
        self.lr.setRange(0.0, 1000.0)
        self.lr.setSingleStep(0.01)
        self.lr.setKeyboardTracking(False)
        self.lr.setToolTip("Learning rate η: how far each update moves a weight against its gradient")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(QLabel("Optimizer"))
        row.addWidget(self.kind)
        row.addWidget(QLabel("η"))
        row.addWidget(self.lr)
        self.kind.activated.connect(self._kind_chosen)
        self.lr.valueChanged.connect(self._lr_changed)
        session.network_changed.connect(self.refresh)
        session.state_changed.connect(self.refresh)
        session.running_changed.connect(self._running)
        self.refresh()

    def _running(self, running: bool) -> None:
        self.setEnabled(not running)

    def refresh(self) -> None:
        opt = self.session.optimizer
        if opt is None:
            return
        self.kind.blockSignals(True)
        self.lr.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(type(opt).__name__)))
        self.kind.setToolTip(opt.formula)
        self.lr.setValue(opt.hyper["lr"])
        self.kind.blockSignals(False)
        self.lr.blockSignals(False)

    def _kind_chosen(self, index: int) -> None:
        name = self.kind.itemData(index)
        opt = self.session.optimizer
        if opt is not None and type(opt).__name__ == name:
            return
        try:
            self.session.set_optimizer(OPTIMIZERS[name](lr=self.lr.value()))
        except LayerLabError as e:
            self.session.error.emit(str(e))
            self.refresh()

    def _lr_changed(self, value: float) -> None:
        opt = self.session.optimizer
        if opt is None:
            return
        try:
            opt.hyper["lr"] = value
        except LayerLabError as e:
            self.session.error.emit(str(e))
            self.refresh()
            return
        self.session.message.emit(f"Learning rate η = {value:g}")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication, QToolBar
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    bar = QToolBar()
    d = DebuggerActions(s)
    bar.addActions(list(d.actions.values()))
    bar.addWidget(OptimizerBox(s))
    bar.show()
    app.exec()
