"""What the "watch it learn" views share about one session: the last gradients
and updates, the watched weights, the training curves, and the training run.

There is one :class:`LiveState` per session (``live_state(session)`` finds or
creates it), so every panel is still built as ``Panel(session)``.

* **Gradients and Δ.** While stepping, Δ is worked out from the session's own
  weights: optimizers bind a *new* array on every update, so when a parameter's
  array object changes, Δ = new − old. Gradients come from the debugger's last
  record. While training, both come from the worker's snapshots (the exact
  gradient and change of the last iteration).
* **Watches.** :class:`WatchList` holds the chosen weights and one value per
  iteration for each.
* **Curves.** ``history`` holds per-epoch training / validation loss and
  accuracy and the per-iteration loss, as lists (what a project file stores),
  and ``events``: ``[epoch, text]`` per setting changed during training
  (validation split, seed, optimizer), which the curves mark.
* **Training.** ``start_training()`` runs a :class:`~desktop_app.training_job.TrainerJob`
  in a :class:`~desktop_app.training_worker.TrainingRun`; ``pause``, ``resume``,
  ``cancel`` control it, and ``set_…`` hand a changed setting to the running job.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from core.errors import LayerLabError

#: per-epoch and per-iteration curve names kept in ``LiveState.history``
CURVES = ("train_loss", "val_loss", "train_acc", "val_acc", "iteration_loss")
#: everything ``LiveState.history`` keeps: the curves and the ``[epoch, text]`` events
HISTORY_KEYS = CURVES + ("events",)
#: most points a watched weight keeps (oldest dropped first)
MAX_WATCH_POINTS = 100_000


@dataclass
class Watch:
    """One watched weight: ``layer``, parameter ``name``, element ``index``, and its series."""
    layer: int
    name: str
    index: tuple[int, ...]
    iterations: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"layer {self.layer} {self.name}[{', '.join(map(str, self.index))}]"

    def read(self, net) -> float:
        return float(net.layers[self.layer].params[self.name][self.index])

    def append(self, iteration: int, value: float) -> None:
        self.iterations.append(iteration)
        self.values.append(value)
        if len(self.values) > MAX_WATCH_POINTS:
            del self.iterations[0], self.values[0]


class WatchList(QObject):
    """The watched weights. ``changed()`` after a watch is added or removed,
    ``grown()`` after new points were recorded."""

    changed = Signal()
    grown = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[Watch] = []

    def add(self, layer: int, name: str, index) -> Watch:
        index = tuple(int(i) for i in index)
        for w in self.items:
            if (w.layer, w.name, w.index) == (layer, name, index):
                return w
        watch = Watch(layer, name, index)
        self.items.append(watch)
        self.changed.emit()
        return watch

    def remove(self, position: int) -> None:
        del self.items[position]
        self.changed.emit()

    def clear(self) -> None:
        self.items = []
        self.changed.emit()

    def keys(self) -> list[tuple[int, str, tuple[int, ...]]]:
        return [(w.layer, w.name, w.index) for w in self.items]

    def record(self, net, iteration: int) -> None:
        """Append every watch's current value at ``iteration``."""
        for w in self.items:
            w.append(iteration, w.read(net))
        if self.items:
            self.grown.emit()

    def truncate(self, iteration: int) -> None:
        """Forget the points recorded after ``iteration`` (the debugger stepped back)."""
        for w in self.items:
            keep = sum(1 for i in w.iterations if i <= iteration)
            del w.iterations[keep:], w.values[keep:]
        if self.items:
            self.grown.emit()

    def drop_invalid(self, net) -> None:
        """Forget watches that no longer point at a weight of ``net`` (after an edit)."""
        keep = [w for w in self.items if _points_into(net, w)]
        if len(keep) != len(self.items):
            self.items = keep
            self.changed.emit()

    def to_list(self) -> list:
        return [[w.layer, w.name, list(w.index), w.iterations, w.values] for w in self.items]

    def from_list(self, data) -> None:
        self.items = [Watch(int(layer), str(name), tuple(int(i) for i in index), list(its), list(vals))
                      for layer, name, index, its, vals in data]
        self.changed.emit()


def _points_into(net, w: Watch) -> bool:
    if net is None or w.layer >= len(net.layers) or w.name not in net.layers[w.layer].params:
        return False
    shape = net.layers[w.layer].params[w.name].shape
    return len(shape) == len(w.index) and all(0 <= i < s for i, s in zip(w.index, shape))


class LiveState(QObject):
    """See the module docstring. Signals: ``curves_changed()``,
    ``training_changed(bool)`` (a run started / ended), ``progress(object)``
    (a :class:`~desktop_app.training_job.Progress` at ≤ 30 Hz),
    ``finished(str)`` (why the last run ended)."""

    curves_changed = Signal()
    training_changed = Signal(bool)
    progress = Signal(object)
    finished = Signal(str)

    def __init__(self, session):
        super().__init__(session)
        self.session = session
        self.watches = WatchList(self)
        self.history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
        self.best_epoch: int | None = None
        self.grads: list[dict] | None = None
        self.deltas: list[dict] = []
        self.iteration = 0
        self._seen: list[dict] = []
        self._debugger = None
        self._debugger_iteration: int | None = None
        self.run = None
        self._trained = None                  # the network the current run trains
        self.last_progress = None
        #: the built-in data chosen in the toy-data panel: {"name": ..., "n": ..., "seed": ...}
        self.dataset: dict | None = None
        session.network_changed.connect(self._on_network_changed)
        session.state_changed.connect(self._on_state_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._on_network_changed()

    # --- tracking while stepping ------------------------------------------------------
    def _on_network_changed(self) -> None:
        if self.training and self.session.network is not self._trained:
            self.cancel()                     # a template or project replaced the network mid-run
        net = self.session.network
        self._seen = _references(net)
        self.deltas = [{} for _ in self._seen]
        self.grads = None
        self.watches.drop_invalid(net)
        dbg = self.session.debugger
        self._debugger, self._debugger_iteration = dbg, None if dbg is None else dbg.iteration

    def _on_state_changed(self) -> None:
        if self.training:
            return
        net = self.session.network
        now = _references(net)
        if len(now) != len(self._seen) or any(a.keys() != b.keys() for a, b in zip(now, self._seen)):
            self._on_network_changed()
            return
        for i, (new, old) in enumerate(zip(now, self._seen)):
            for k, array in new.items():
                if array is not old[k] and array.shape == old[k].shape:
                    self.deltas[i][k] = array - old[k]
        self._seen = now
        dbg = self.session.debugger
        grads = _debugger_grads(dbg)
        if grads is not None:
            self.grads = grads
        self._follow_debugger_iterations(dbg, net)

    def _follow_debugger_iterations(self, dbg, net) -> None:
        """One watch point per update the debugger makes; step back takes points away.
        (A what-if edit changes a weight but is no update: it adds no point.)"""
        if dbg is None or dbg is not self._debugger:
            self._debugger = dbg
            self._debugger_iteration = None if dbg is None else dbg.iteration
            return
        done = dbg.iteration - self._debugger_iteration
        self._debugger_iteration = dbg.iteration
        if done > 0:
            self.iteration += done
            self.watches.record(net, self.iteration)
        elif done < 0:
            self.iteration += done
            self.watches.truncate(self.iteration)

    # --- what the views draw ------------------------------------------------------------
    def array(self, key: tuple[int, str], mode: str) -> tuple[np.ndarray | None, str]:
        """``(array, note)`` for parameter ``key`` in ``mode`` "value", "gradient" or "delta";
        the note says where the numbers come from, or why there are none yet."""
        i, name = key
        net = self.session.network
        if mode == "value":
            return net.layers[i].params[name], ""
        source = self.grads if mode == "gradient" else self.deltas
        array = source[i].get(name) if source is not None and i < len(source) else None
        if array is None:
            what = "gradient" if mode == "gradient" else "update"
            return None, (f"No {what} yet: step through a backward pass"
                          f"{' and an update' if mode == 'delta' else ''}, or train.")
        if mode == "delta" and name in net.layers[i].frozen:
            return array, f"{name} is frozen: the optimizer does not change it."
        return array, ""

    # --- training -------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.run is not None and self.run.running

    def clear_history(self) -> None:
        self.history = {k: [] for k in HISTORY_KEYS}
        self.best_epoch = None
        self.curves_changed.emit()

    def start_training(self, settings) -> bool:
        """Train the session's network with its optimizer and data in a worker
        thread. Returns False (after telling the user why) if it cannot start."""
        from .training_job import make_trainer_job
        from .training_worker import TrainingRun
        s = self.session
        if self.training:
            s.error.emit("Training is already running.")
            return False
        if s.network is None or s.optimizer is None or s.x is None:
            why = str(s.stack_error) if s.stack_error else "load a template or build a network and choose data"
            s.error.emit(f"Cannot train yet: {why}.")
            return False
        try:
            job = make_trainer_job(s.network, s.optimizer, s.x, s.y, settings, self.watches.keys(),
                                   start_iteration=self.iteration, history=self.history,
                                   breakpoints=getattr(s.debugger, "breakpoints", ()))
        except LayerLabError as e:
            s.error.emit(str(e))
            return False
        self._trained = s.network
        if self.run is not None:
            self.run.deleteLater()            # the previous, finished run
        self.run = TrainingRun(job, self)
        self.run.snapshot.connect(self._apply_snapshot)
        self.run.failed.connect(s.error)
        self.run.finished.connect(self._on_finished)
        s.running = True
        s.running_changed.emit(True)
        self.training_changed.emit(True)
        self.run.start()
        s.message.emit(f"Training with {s.optimizer.name}, batch size {job.batch_size}…")
        return True

    def set_early_stopping(self, patience: int | None, restore_best: bool) -> None:
        """Change early stopping of the running training (no effect when none runs)."""
        if self.training:
            self.run.worker.job.set_early_stopping(patience, restore_best)

    def set_epochs(self, epochs: int) -> None:
        """Change how many epochs the running training trains (applies at once)."""
        if self.training:
            self.run.worker.job.set_epochs(epochs)

    def set_batch_size(self, batch_size: int) -> None:
        """Change the batch size of the running training (from its next epoch on)."""
        if self.training:
            self.run.worker.job.set_batch_size(batch_size)

    def set_val_split(self, fraction: float) -> bool:
        """Change the validation split of the running training (from its next epoch on).
        Returns False, after telling the user why, if the job refuses it."""
        if self.training:
            try:
                self.run.worker.job.set_val_split(fraction)
            except LayerLabError as e:
                self.session.error.emit(str(e))
                return False
        return True

    def set_seed(self, seed: int) -> None:
        """Reseed the batch shuffling of the running training (from its next epoch on)."""
        if self.training:
            self.run.worker.job.set_seed(seed)

    def set_optimizer(self, optimizer) -> None:
        """Make ``optimizer`` the session's. A running training switches to it from its
        next iteration; the session holds it at once, so the hyperparameter fields edit
        the optimizer the run goes on with (the debugger follows when the run ends)."""
        s = self.session
        if not self.training:
            s.set_optimizer(optimizer)
            return
        self.run.worker.job.set_optimizer(optimizer)
        s.optimizer = optimizer
        s.state_changed.emit()

    def pause(self) -> None:
        if self.training:
            self.run.pause()

    def resume(self) -> None:
        if self.training:
            self.run.resume()

    def cancel(self) -> None:
        if self.training:
            self.run.cancel()

    def shutdown(self) -> None:
        """Cancel a run and wait for its thread (the app is quitting)."""
        if self.training:
            self.run.cancel()
            self.run.wait()

    def _apply_snapshot(self, snap) -> None:
        """Take over a worker snapshot (GUI thread, ≤ 30 Hz) and tell the views."""
        if self.session.network is not self._trained:
            return                            # the network was replaced: this run's results are moot
        if snap.weights is not None:          # trained in another process: copy its results in
            self.session.network.set_weights(snap.weights)
            if snap.optimizer_version == self.run.worker.job.optimizer_version:    # not from before a switch
                self.session.optimizer.set_state(snap.optimizer_state)
        self.grads, self.deltas = snap.grads, snap.deltas
        self.iteration = snap.iteration
        self.history = snap.history
        self.best_epoch = snap.best_epoch
        for w, series in zip(self.watches.items, snap.watches):
            w.iterations, w.values = series
        self._seen = _references(self.session.network)
        self.last_progress = snap.progress
        self.progress.emit(snap.progress)
        self.curves_changed.emit()
        if snap.watches:
            self.watches.grown.emit()
        self.session.state_changed.emit()

    def _on_finished(self, reason: str) -> None:
        s = self.session
        s.running = False
        s.running_changed.emit(False)
        self._record_late_switch()
        # a fresh debugger over the trained weights: stepping (and step back) go on from here
        s.set_optimizer(s.optimizer)
        hit = self.run.worker.job.hit
        if hit is not None and hasattr(s, "breakpoints_changed"):
            s.last_hit = hit                  # the breakpoints panel highlights the one that hit
            s.breakpoints_changed.emit()
        self.training_changed.emit(False)
        self.finished.emit(reason)
        s.stopped.emit(reason)
        s.message.emit(reason)

    def _record_late_switch(self) -> None:
        """An optimizer switched as the run ended, too late for any of its iterations,
        is still a switch: record it, as the trainer would have, for the next epoch."""
        used = self.run.worker.job.optimizer_in_use
        if used is not self.session.optimizer and self.session.network is self._trained:
            epoch = len(self.history.get("train_loss", [])) + 1
            self.history["events"].append([epoch, f"optimizer {used.name} → {self.session.optimizer.name}"])
            self.curves_changed.emit()


def _references(net) -> list[dict]:
    """The parameter arrays of ``net`` (references, not copies)."""
    return [] if net is None else [dict(layer.params) for layer in net.layers]


def _debugger_grads(debugger) -> list[dict] | None:
    """Per-layer gradients of the debugger's latest backward pass (None before the first).

    Layers the pass in progress has not reached yet keep the previous iteration's."""
    if debugger is None:
        return None
    grads = None
    last = debugger.last_iteration
    if last is not None and last.backward is not None:
        grads = [dict(rec.grads) for rec in last.backward.layers]
    current = debugger.state.grads
    if any(g is not None for g in current):
        base = grads or [{} for _ in current]
        grads = [dict(g) if g is not None else b for g, b in zip(current, base)]
    return grads


def live_state(session) -> LiveState:
    """The session's :class:`LiveState`, created on first use."""
    found = session.findChild(LiveState)
    return found if found is not None else LiveState(session)
