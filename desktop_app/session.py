"""The session: the one object that owns the network being built, its data and
optimizer, and the engine's :class:`~core.debugger.Debugger` over them.

Panels never call the engine themselves. They read the session's attributes
and records, send requests (``step``, ``edit_stack``, ``select``, ...) and
redraw when a signal says something changed:

* ``network_changed()`` — architecture or all weights replaced (template, edit, undo, project load)
* ``state_changed()``   — a step, step back, reset, what-if edit or training snapshot: re-read values
* ``stopped(str)``      — why the debugger or training stopped (breakpoint, pause, cancel, NaN)
* ``message(str)``      — status text
* ``error(str)``        — a message for the user (the window shows it in the status bar and a notice)
* ``selection_changed()`` — the selected weight / neuron changed (chain rule and values panels follow it)
* ``running_changed(bool)`` — a run started or ended (editing is disabled while it runs)
* ``history_changed()`` — the undo/redo stack changed

While the builder's stack is invalid, ``network`` is ``None``, ``stack_error``
holds the engine's message and ``stack_error_index`` the offending layer.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.errors import ConfigError, LayerLabError
from core.layers.base import Layer
from core.network import Network, infer_shapes

from .undo import UndoHistory

GRANULARITIES = ("unit", "layer", "phase", "iteration", "epoch")


@dataclass(frozen=True)
class Selection:
    """What the user picked on the diagram: a neuron (``param`` is None and
    ``index == (unit,)``) or one parameter entry (``param`` "W" or "b")."""
    layer: int
    param: str | None
    index: tuple[int, ...]


@dataclass(frozen=True)
class Position:
    """Where the debugger stands: its phase, the layer and unit it last
    computed (None when not at one) and the direction of travel."""
    phase: str
    layer: int | None
    unit: int | None
    direction: str   # "forward" or "backward"


@dataclass(frozen=True)
class LayerValues:
    """What the current pass has computed for one layer: batch arrays shaped
    like the layer's input (``x``) or output (the others), None where not
    computed yet."""
    x: np.ndarray | None
    net: np.ndarray | None
    out: np.ndarray | None
    dout: np.ndarray | None        # ∂E/∂out
    dout_dnet: np.ndarray | None   # ∂out/∂net
    delta: np.ndarray | None       # ∂E/∂net


@dataclass
class StackState:
    """What an undoable edit changes: the layers (with their weights), the
    input shape and the loss."""
    layers: list[Layer]
    input_shape: tuple[int, ...]
    loss: str


class SessionController(QObject):
    network_changed = Signal()
    state_changed = Signal()
    stopped = Signal(str)
    message = Signal(str)
    error = Signal(str)
    selection_changed = Signal()
    running_changed = Signal(bool)
    history_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layers: list[Layer] = []
        self.input_shape: tuple[int, ...] = (2,)
        self.loss_name = "half_sse"
        self.network: Network | None = None
        self.optimizer = None
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.dataset_name = ""
        self.debugger = None
        self.last_record = None
        self.template: str | None = None
        self.hint = ""
        #: output shape of each layer of the stack (only up to the offending one while invalid)
        self.shapes: list[tuple[int, ...]] = []
        self.stack_error: LayerLabError | None = None
        self.stack_error_index: int | None = None
        self.selection: Selection | None = None
        self.history = UndoHistory()
        self.running = False

    # --- whole networks -----------------------------------------------------
    def load_template(self, name: str) -> None:
        """Replace everything with one of ``core.templates.TEMPLATES``."""
        from core.templates import TEMPLATES
        if name not in TEMPLATES:
            self.error.emit(f"Unknown template {name!r}. Choose one of: {', '.join(TEMPLATES)}.")
            return
        t = TEMPLATES[name]()
        self.set_network(t.network, t.optimizer, t.x, t.y, dataset_name=t.title)
        self.template, self.hint = name, t.hint
        self.history.clear()
        self.history_changed.emit()
        self.message.emit(f"Loaded the template “{t.title}”. {t.hint}")

    def set_network(self, net: Network, optimizer=None, x=None, y=None, dataset_name=None) -> None:
        """Adopt ``net`` (its layers become the builder's stack) with an optional
        optimizer and data; anything not given is kept."""
        self.template = None
        self.layers = list(net.layers)
        self.input_shape, self.loss_name = net.input_shape, net.loss.name
        if optimizer is not None:
            self.optimizer = optimizer
        if x is not None:
            self.x, self.y = np.asarray(x), np.asarray(y)
        if dataset_name is not None:
            self.dataset_name = dataset_name
        self.network = net
        self.shapes = list(net.shapes)
        self.stack_error, self.stack_error_index = None, None
        self.selection = None
        self._rebuild_debugger()
        self.network_changed.emit()
        self.state_changed.emit()

    def set_optimizer(self, opt) -> None:
        self.optimizer = opt
        self._rebuild_debugger()
        self.state_changed.emit()

    def set_data(self, x, y, name: str) -> None:
        self.x, self.y, self.dataset_name = np.asarray(x), np.asarray(y), name
        self._rebuild_debugger()
        self.state_changed.emit()

    # --- builder edits (undoable) -----------------------------------------------
    def state(self) -> StackState:
        """A deep copy of what an edit changes (for undo, and for a builder
        to edit without touching the live network)."""
        return StackState(copy.deepcopy(self.layers), self.input_shape, self.loss_name)

    def edit_stack(self, description: str, layers=None, input_shape=None, loss=None) -> None:
        """Replace the stack (and optionally input shape / loss) as one undoable edit.

        An invalid result is kept so the user can fix it: the network becomes
        None and ``stack_error`` / ``stack_error_index`` say what is wrong."""
        if self.running:
            self.error.emit("Pause the run before editing the network.")
            return
        before = self.state()
        self.history.push(description, before)
        self._apply(StackState(list(self.layers if layers is None else layers),
                               self.input_shape if input_shape is None else tuple(input_shape),
                               self.loss_name if loss is None else loss))
        self.history_changed.emit()

    def undo(self) -> None:
        if not self.history.can_undo() or self.running:
            return
        edit = self.history.undo(self.state())
        self._apply(edit.state)
        self.history_changed.emit()
        self.message.emit(f"Undid: {edit.description}")

    def redo(self) -> None:
        if not self.history.can_redo() or self.running:
            return
        edit = self.history.redo(self.state())
        self._apply(edit.state)
        self.history_changed.emit()
        self.message.emit(f"Redid: {edit.description}")

    def _apply(self, state: StackState) -> None:
        self.layers = list(state.layers)
        self.input_shape, self.loss_name = tuple(state.input_shape), state.loss
        self.template = None
        try:
            net = Network(self.layers, self.input_shape, loss=self.loss_name)
        except LayerLabError as e:
            self.network, self.debugger, self.last_record = None, None, None
            self.stack_error = e
            index = getattr(e, "layer_index", None)
            self.stack_error_index = index if index is not None else (len(self.layers) - 1 if self.layers else None)
            self.shapes = self._prefix_shapes(self.stack_error_index or 0)
        else:
            self.network = net
            self.shapes = list(net.shapes)
            self.stack_error, self.stack_error_index = None, None
            if not self.layers:
                self.stack_error = ConfigError("The network has no layers yet: add one from the palette.")
            self._rebuild_debugger()
        if self.selection is not None and self.selection.layer >= len(self.layers):
            self.selection = None
        self.network_changed.emit()
        self.state_changed.emit()

    def _prefix_shapes(self, stop: int) -> list[tuple[int, ...]]:
        """Output shapes of the layers before ``stop`` (which do fit)."""
        try:
            return infer_shapes(self.layers[:stop], self.input_shape)
        except LayerLabError:
            return []

    def _rebuild_debugger(self) -> None:
        """A fresh debugger over the current network, optimizer and data, or
        None (with the reason in ``stack_error``) when they do not fit."""
        self.debugger, self.last_record = None, None
        if self.network is None or self.optimizer is None or self.x is None or not self.layers:
            return
        from core.debugger import Debugger
        try:
            self.debugger = Debugger(self.network, self.optimizer, self.x, self.y)
        except LayerLabError as e:
            self.stack_error, self.stack_error_index = e, len(self.layers) - 1

    @property
    def can_run(self) -> bool:
        """True when the stack is valid, the data fits and nothing is running."""
        return self.debugger is not None and not self.running

    # --- reading the current state (for panels) ------------------------------------
    def position(self) -> Position | None:
        return None

    def layer_values(self, index: int) -> LayerValues | None:
        return None

    def layer_grads(self, index: int) -> dict | None:
        return None

    def set_param_value(self, layer: int, param: str, index: tuple, value: float) -> None:
        """A what-if edit of one weight or bias (undoable)."""
        layers = copy.deepcopy(self.layers)
        array = layers[layer].params[param].copy()
        array[index] = value
        layers[layer].params[param] = array
        self.edit_stack(f"Set {param}{list(index)} of layer {layer} to {value:g}", layers=layers)

    # --- selection --------------------------------------------------------------
    def select(self, selection: Selection | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selection_changed.emit()

    # --- stepping ---------------------------------------------------------------
    def step(self, granularity: str) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
        if not self._ready():
            return
        try:
            self.last_record = self.debugger.step(granularity)
        except LayerLabError as e:
            self.error.emit(str(e))
        self.state_changed.emit()

    def step_back(self) -> None:
        if not self._ready():
            return
        try:
            self.last_record = self.debugger.step_back()
        except LayerLabError as e:
            self.error.emit(str(e))
        self.state_changed.emit()

    def run(self) -> None:
        if not self._ready():
            return
        self.error.emit("Run is not available yet.")

    def pause(self) -> None:
        self.stopped.emit("Paused.")

    def reset(self) -> None:
        if self.running:
            self.pause()
        self._rebuild_debugger()
        self.state_changed.emit()
        self.message.emit("Reset: back before the first step.")

    def _ready(self) -> bool:
        if self.running:
            self.error.emit("A run is in progress: pause it first.")
            return False
        if self.debugger is None:
            why = str(self.stack_error) if self.stack_error else "Load a template or build a network first."
            self.error.emit(f"Cannot step: {why}")
            return False
        return True
