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
* ``breakpoints_changed()`` — a breakpoint was added, removed, enabled or hit
* ``pause_requested()`` — Pause was pressed while a run the session does not own
  (training) is going: its owner should pause it

While the builder's stack is invalid, ``network`` is ``None``, ``stack_error``
holds the engine's message and ``stack_error_index`` the offending layer.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from core.debugger import Debugger
from core.errors import ConfigError, LayerLabError
from core.layers.base import Layer
from core.network import Network, infer_shapes
from core.trace import BackwardPass, BackwardUnit, ForwardPass, ForwardUnit

from .debug_run import DebuggerRun
from .gui_thread_gc import collect_garbage_in_gui_thread
from .undo import UndoHistory

#: above this many samples the debugger uses mini-batches of LARGE_SET_BATCH
LARGE_SET = 256
LARGE_SET_BATCH = 32


@dataclass(frozen=True)
class Selection:
    """What the user picked on the diagram: a neuron (``param`` is None and
    ``index == (unit,)``) or one parameter entry (``param`` "W" or "b")."""
    layer: int
    param: str | None
    index: tuple[int, ...]


@dataclass(frozen=True)
class Position:
    """What the debugger last computed: the phase, the layer and unit (None
    when not a layer's or a unit's) and the direction of travel — or, with
    direction "breakpoint", the layer where a breakpoint hit (None: the loss)."""
    phase: str
    layer: int | None
    unit: int | None
    direction: str   # "forward", "backward", or "breakpoint" (where one hit)


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
    #: while stepping unit by unit through this layer: how many units of the
    #: forward (net, out) or backward (∂E/∂out, ∂out/∂net, δ) values are revealed
    forward_units: int | None = None
    backward_units: int | None = None
    #: the sample of the batch the panels show
    sample: int = 0

    def of_sample(self, key: str) -> np.ndarray | None:
        """Array ``key`` for the shown sample (the last one if the batch is shorter)."""
        array = getattr(self, key)
        if array is None:
            return None
        array = np.asarray(array)
        return array[min(self.sample, len(array) - 1)]

    def get(self, key: str, unit: int):
        """Value ``key`` of the shown sample at flat position ``unit`` (a neuron
        of a dense layer, an element of an image layer), or None if not
        computed or not revealed yet."""
        sample = self.of_sample(key)
        if sample is None:
            return None
        limit = self.forward_units if key in ("net", "out") else self.backward_units
        if key != "x" and limit is not None:
            # an image layer's unit is a channel: element ``unit`` lies in channel unit // (H·W)
            channel = unit // sample[0].size if sample.ndim == 3 else unit
            if channel >= limit:
                return None
        return float(sample.ravel()[unit])


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
    breakpoints_changed = Signal()
    pause_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layers: list[Layer] = []
        self.input_shape: tuple[int, ...] = (2,)
        self.loss_name = "mse"
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
        #: which sample of the batch the panels show (0: the first)
        self.shown_sample = 0
        self.history = UndoHistory()
        self.running = False
        #: the breakpoint that stopped the last run (core.breakpoints.Hit), or None
        self.last_hit = None
        #: why the debugger or a run last stopped, for the status bar
        self.stop_reason = ""
        self._breakpoints: list | None = None
        self._start_weights = None
        self._worker: DebuggerRun | None = None
        self._run_record = None

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
        self.history_changed.emit()     # again, now that ``template`` says which
        self.message.emit(f"Loaded the template “{t.title}”. {t.hint}")

    def set_network(self, net: Network, optimizer=None, x=None, y=None, dataset_name=None) -> None:
        """Adopt ``net`` (its layers become the builder's stack) with an optional
        optimizer and data; anything not given is kept. Undo history starts afresh."""
        self.stop_run()
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
        self.history.clear()
        self._rebuild_debugger()
        self.network_changed.emit()
        self.state_changed.emit()
        self.selection_changed.emit()
        self.history_changed.emit()

    def set_optimizer(self, opt) -> None:
        self.stop_run()
        self.optimizer = opt
        self._rebuild_debugger()
        self.state_changed.emit()

    def set_data(self, x, y, name: str) -> None:
        self.stop_run()
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
        None (with the reason in ``stack_error``) when they do not fit. The
        breakpoints carry over; the weights now are what Reset returns to."""
        self.debugger, self.last_record, self.last_hit = None, None, None
        self.stop_reason = ""
        if self.network is None or self.optimizer is None or self.x is None or not self.layers:
            return
        try:
            dbg = Debugger(self.network, self.optimizer, self.x, self.y,
                           batch_size=debug_batch_size(len(self.x)))
        except LayerLabError as e:
            self.stack_error, self.stack_error_index = e, len(self.layers) - 1
            return
        if self._breakpoints is not None:
            dbg.breakpoints.clear()
            for bp in self._breakpoints:
                try:
                    dbg.add_breakpoint(bp)
                except LayerLabError as e:
                    self.message.emit(f"Dropped the breakpoint {bp!r}: {e}")
        self._breakpoints = dbg.breakpoints
        self.debugger = dbg
        self._start_weights = self.network.get_weights()
        self.breakpoints_changed.emit()

    @property
    def can_run(self) -> bool:
        """True when the stack is valid, the data fits and nothing is running."""
        return self.debugger is not None and not self.running

    # --- reading the current state (for panels) ------------------------------------
    def position(self) -> Position | None:
        """Where the last step computed something, or the layer where a
        breakpoint hit (direction "breakpoint"); None before the first step."""
        hit = self.last_hit
        if hit is not None and not self.running:     # layer None: it hit in the loss
            return Position(self.debugger.cursor.phase, hit.layer, None, "breakpoint")
        rec = self.last_record if not self.running else None
        if rec is None:
            return None
        layer = getattr(rec, "layer", None)
        if isinstance(rec, ForwardPass):
            layer = len(rec.layers) - 1
        elif isinstance(rec, BackwardPass):
            layer = 0
        direction = "backward" if rec.phase in ("backward", "update") else "forward"
        unit = rec.unit if isinstance(rec, (ForwardUnit, BackwardUnit)) else None
        return Position(rec.phase, layer, unit, direction)

    def _shown_pass(self):
        """("state", PassState) for the iteration in progress, ("record",
        IterationRecord) for the last finished one when nothing of the next
        is computed yet (or while running), or None before the first step."""
        dbg = self.debugger
        if dbg is None:
            return None
        if self.running:
            return ("record", self._run_record) if self._run_record is not None else None
        if dbg.state.indices is not None:
            return "state", dbg.state
        with np.errstate(all="ignore"):      # records of a diverged pass hold inf / NaN
            last = dbg.last_iteration
        return ("record", last) if last is not None else None

    def revealed_units(self, index: int, phase: str) -> int | None:
        """How many units of layer ``index`` a unit-by-unit step has revealed in
        ``phase`` (None: all of them)."""
        dbg = self.debugger
        if dbg is None or self.running:
            return None
        cur = dbg.cursor
        if cur.phase == phase and cur.layer == index and cur.unit:
            return cur.unit
        return None

    def layer_values(self, index: int) -> LayerValues | None:
        """What the shown pass computed for layer ``index`` (see :class:`LayerValues`)."""
        shown = self._shown_pass()
        if shown is None or index >= len(self.layers):
            return None
        kind, p = shown
        if kind == "record":
            f = p.forward.layers[index] if p.forward is not None else None
            b = p.backward.layers[index] if p.backward is not None else None
            if f is None:
                return None
            if b is None:
                return LayerValues(f.x, f.net, f.out, None, None, None, sample=self.shown_sample)
            return LayerValues(f.x, f.net, f.out, b.dout, b.dout_dnet, b.delta, sample=self.shown_sample)
        if p.caches[index] is None:
            return None
        cache = p.caches[index]
        dout = dout_dnet = delta = None
        if p.douts[index] is not None:
            with np.errstate(all="ignore"):
                dout, dout_dnet, delta = backward_factors(self.network, index, cache, p.douts[index])
        return LayerValues(p.inputs[index], cache.get("net"), p.outs[index], dout, dout_dnet, delta,
                           self.revealed_units(index, "forward"), self.revealed_units(index, "backward"),
                           self.shown_sample)

    def layer_grads(self, index: int) -> dict | None:
        """∂E/∂param by name for layer ``index`` in the shown pass, or None."""
        shown = self._shown_pass()
        if shown is None or index >= len(self.layers):
            return None
        kind, p = shown
        if kind == "record":
            return dict(p.backward.layers[index].grads) if p.backward is not None else None
        return p.grads[index]

    def loss_values(self) -> tuple[float, np.ndarray] | None:
        """(E of the batch, the per-output terms of the shown sample) of the shown pass, or None."""
        shown = self._shown_pass()
        if shown is None:
            return None
        kind, p = shown
        if kind == "record":
            if p.loss is None:
                return None
            value, terms = p.loss.value, np.asarray(p.loss.terms)
        else:
            if p.loss is None:
                return None
            with np.errstate(all="ignore"):      # a diverging run overflows: shown as inf / NaN
                value, terms = float(p.loss), np.asarray(self.network.loss.terms(p.z, p.yb))
        return value, terms[min(self.shown_sample, len(terms) - 1)]

    def batch_length(self) -> int:
        """How many samples the shown pass has (0 before the first step)."""
        shown = self._shown_pass()
        if shown is None:
            return 0
        kind, p = shown
        if kind == "record":
            return 0 if p.forward is None else len(p.forward.layers[0].x)
        return 0 if p.xb is None else len(p.xb)

    def set_shown_sample(self, sample: int) -> None:
        """Show sample ``sample`` of the batch in every panel."""
        self.shown_sample = max(0, int(sample))
        self.state_changed.emit()

    def status(self) -> dict[str, str]:
        """Texts for the status bar: ``phase`` (what comes next), ``iteration``,
        ``epoch``, ``loss`` (of the shown pass) and ``stop`` (why it last stopped)."""
        if self.network is None:
            return {"phase": "Network invalid: see the layer list" if self.layers else "No network yet"}
        dbg = self.debugger
        if dbg is None:
            if self.stack_error is not None:
                return {"phase": "Cannot run: see the layer list"}
            return {"phase": "Needs data and an optimizer"}
        cur = dbg.cursor
        if self.running:
            phase = "Running…"
        elif cur.phase in ("forward", "backward"):
            unit = f", unit {cur.unit + 1}/{cur.units}" if cur.unit else ""
            phase = f"Next: {cur.phase} layer {cur.layer}{unit}"
        else:
            phase = f"Next: the {cur.phase}"
        shown = self.loss_values()
        loss = "E = –" if shown is None else f"E = {shown[0]:.6g}"
        batch = f" (batch {cur.batch + 1}/{cur.batches})" if cur.batches > 1 else ""
        return {"phase": phase, "iteration": f"Iteration {cur.iteration}{batch}",
                "epoch": f"Epoch {cur.epoch}", "loss": loss, "stop": self.stop_reason}

    def set_param_value(self, layer: int, param: str, index: tuple, value: float) -> None:
        """Change one weight or bias. Before the first step it is a builder edit
        (Ctrl+Z undoes it); in the middle of a pass it is a what-if edit of the
        debugger (Step back undoes it)."""
        if self.debugger is not None and self.debugger.history_depth > 0:
            try:
                self.debugger.set_param(layer, param, index, value)
            except LayerLabError as e:
                self.error.emit(str(e))
                return
            self.message.emit(f"What-if: set {param}{list(index)} of layer {layer} to {value:g} "
                              "(Step back undoes it).")
            self.state_changed.emit()
            return
        layers = copy.deepcopy(self.layers)
        array = layers[layer].params[param].copy()
        array[index] = value
        try:
            layers[layer].params[param] = array
        except LayerLabError as e:
            self.error.emit(str(e))
            return
        self.edit_stack(f"Set {param}{list(index)} of layer {layer} to {value:g}", layers=layers)

    # --- breakpoints ------------------------------------------------------------
    def breakpoints(self) -> list:
        return list(self._breakpoints or [])

    def add_breakpoint(self, kind, **settings):
        """Add a breakpoint (see core.breakpoints); raises ConfigError for bad settings."""
        if self.debugger is None:
            raise ConfigError("Build a valid network with data first; breakpoints belong to its debugger.")
        bp = self.debugger.add_breakpoint(kind, **settings)
        self.breakpoints_changed.emit()
        return bp

    def remove_breakpoint(self, index: int) -> None:
        bp = self._breakpoints[index]
        if self.debugger is not None:
            self.debugger.remove_breakpoint(bp)
        else:
            self._breakpoints.remove(bp)
        self.breakpoints_changed.emit()

    def set_breakpoint_enabled(self, index: int, enabled: bool) -> None:
        self._breakpoints[index].enabled = bool(enabled)
        self.breakpoints_changed.emit()

    # --- selection --------------------------------------------------------------
    def select(self, selection: Selection | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selection_changed.emit()

    # --- stepping ---------------------------------------------------------------
    def step(self, granularity: str) -> None:
        """One step of ``granularity`` (one of core.debugger.GRANULARITIES)."""
        if not self._ready():
            return
        try:
            self.last_record = self.debugger.step(granularity)
        except LayerLabError as e:
            self.error.emit(str(e))
        self.last_hit = None
        self.stop_reason = f"Stopped after: step {granularity}"
        self.state_changed.emit()

    def step_back(self) -> None:
        if not self._ready():
            return
        try:
            with np.errstate(all="ignore"):
                self.last_record = self.debugger.step_back()
        except LayerLabError as e:
            self.error.emit(str(e))
            return
        self.last_hit = None
        self.stop_reason = "Stopped after: step back"
        self.state_changed.emit()
        self.message.emit("Stepped back.")

    def run(self) -> None:
        """Run / Continue in a worker thread until a breakpoint, a NaN or Pause."""
        if not self._ready():
            return
        self._run_record = None
        self._worker = DebuggerRun(self.debugger, self)
        self._worker.progress.connect(self._run_progress)
        self._worker.finished_run.connect(self._run_finished)
        self._worker.failed.connect(self._run_failed)
        self.running = True
        self.running_changed.emit(True)
        self.message.emit("Running… (Pause: F6)")
        collect_garbage_in_gui_thread()
        self._worker.start()

    def pause(self) -> None:
        """Pause the Run; for a run the session does not own (training), ask
        its owner through ``pause_requested``."""
        if self._worker is not None:
            self._worker.pause()
        elif self.running:
            self.pause_requested.emit()

    def stop_run(self) -> None:
        """Pause the session's own Run and wait for its thread (before the
        debugger is replaced or the window closes)."""
        if self._worker is None:
            return
        self.pause()
        self._worker.wait()
        QCoreApplication.processEvents()       # delivers finished_run
        if self.running:
            self._end_run()

    def wait_for_run(self, timeout_ms: int = 10_000) -> bool:
        """Block until the run's thread has ended (for tests and closing)."""
        return self._worker is None or self._worker.wait(timeout_ms)

    def _run_progress(self, record) -> None:
        self._run_record = record
        self.state_changed.emit()
        if self._worker is not None:
            self._worker.record_shown()

    def _run_finished(self, reason) -> None:
        if self._worker is None:     # already ended by stop_run
            return
        self._end_run()
        with np.errstate(all="ignore"):     # records of a diverged pass hold inf / NaN
            self.last_record = self.debugger.last_record
        self.last_hit = reason.hit
        self.stop_reason = _short_reason(reason)
        self.state_changed.emit()
        self.breakpoints_changed.emit()
        self.stopped.emit(reason.message)

    def _run_failed(self, text: str) -> None:
        if self._worker is None:     # already ended by stop_run
            return
        self._end_run()
        self.stop_reason = "Stopped: error"
        with np.errstate(all="ignore"):     # records of a diverged pass hold inf / NaN
            self.last_record = self.debugger.last_record
        self.state_changed.emit()
        self.error.emit(text)
        self.stopped.emit(text)

    def _end_run(self) -> None:
        self._worker.wait()
        self._worker = None
        self._run_record = None
        self.running = False
        self.running_changed.emit(False)

    def reset(self) -> None:
        """Back before the first step: the weights and optimizer state as they
        were when this network was loaded or last edited."""
        if self.running or self.debugger is None:
            self._ready()
            return
        self.network.set_weights(self._start_weights)
        if hasattr(self.optimizer, "reset"):
            self.optimizer.reset()
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


def debug_batch_size(n: int) -> int | None:
    """The debugger steps through the whole set as one batch (the lecture's
    E_total) unless it is large: then mini-batches of ``LARGE_SET_BATCH``, so a
    step of LeNet-5 stays quick."""
    return None if n <= LARGE_SET else LARGE_SET_BATCH


def _short_reason(reason) -> str:
    """A few words for the status bar from a core.breakpoints.StopReason."""
    if reason.reason == "breakpoint":
        return f"Stopped: breakpoint {reason.hit.breakpoint.kind} ({reason.hit.message})"
    if reason.reason == "paused":
        return f"Paused after {reason.iterations} iteration(s)"
    return f"Stopped: ran {reason.iterations} iteration(s)"


def backward_factors(net: Network, index: int, cache: dict, dout):
    """(∂E/∂out, ∂out/∂net, δ = ∂E/∂net) of layer ``index`` from the ∂E/∂out it
    was given, as :class:`core.trace.BackwardLayer` defines them: for the last
    layer of a fused softmax, ``dout`` is δ already."""
    layer = net.layers[index]
    act = getattr(layer, "activation", None)
    if index == len(net.layers) - 1 and net.fused_softmax:
        return None, None, dout
    if act is not None and "net" in cache:
        net_, out = cache["net"], cache["out"]
        return dout, act.derivative(net_, out), act.backward(dout, net_, out)
    return dout, None, dout
