"""The work a :class:`~desktop_app.training_worker.TrainingWorker` runs: a
:class:`TrainerJob` trains the session's network, a :class:`CompareJob`
trains several copies side by side. No Qt here: a job is plain Python driven
from the worker thread, and its snapshots are immutable copies the GUI thread
may read at any time.

Both wrap :class:`core.training.Trainer` (epochs, mini-batches, validation
split, early stopping) and stop by returning a reason from ``advance``:
the epochs are done, early stopping, the loss became NaN/infinite, or one of
the debugger's breakpoints hit.

**Breakpoints while training.** The trainer does not step through phases, so
after every iteration :class:`TrainerJob` hands each enabled breakpoint a
:class:`TrainingView` — the few things a check reads from a debugger (the
network, the batch loss, the gradients, each layer's output, the counters) —
at the stages "forward", "loss", "backward" and "update". Layer outputs are
computed (in inference mode, before the update) only when a breakpoint needs
them (dead ReLUs, saturation). "enter layer" breakpoints need layer-by-layer
stepping and apply only in the debugger; NaN/∞ is the trainer's own stop.

**Settings changed while training runs.** The GUI thread never touches the
trainer while the worker steps it. Learning rate and the other hyperparameters
live in ``optimizer.hyper`` (read at every update), dropout rates on the
layers and the number of epochs in a plain attribute: each is one assignment
the next iteration reads. Batch size, validation split, seed, optimizer and
early stopping change the trainer's data, generator, optimizer or best-epoch
tracking: ``set_batch_size``, ``set_val_split``, ``set_seed``, ``set_optimizer``
and ``set_early_stopping`` only *request* the change, and the worker applies
the requests at the start of its next chunk, between iterations
(``Trainer.set_…``: the batch size, split and seed from the next epoch, the
optimizer from the next iteration, early stopping at the next epoch's end). :class:`ProcessTrainerJob` sends
the same requests to its child with every chunk.
"""
from __future__ import annotations

import dataclasses
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from dataclasses import dataclass

import numpy as np

from core.errors import LayerLabError
from core.training import Trainer, held_out_count

#: how many snapshots a second the views may get (the worker asks for one at most this often)
SNAPSHOT_HZ = 30
#: breakpoint kinds a full-speed training run does not check (see the module docstring)
NOT_CHECKED_WHILE_TRAINING = ("nonfinite", "enter_layer")


@dataclass
class TrainingSettings:
    """What the training panel edits besides the optimizer's own hyperparameters.

    ``batch_size`` 1 is SGD, N (the number of training samples) full-batch
    gradient descent. ``patience`` None turns early stopping off."""
    epochs: int = 100
    batch_size: int = 32
    val_split: float = 0.0
    patience: int | None = None
    restore_best: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Progress:
    """Where a run is, for the progress bar."""
    epoch: int                 # epochs completed
    epochs: int                # epochs asked for
    iteration: int             # iterations (updates) done in total
    batch: int                 # batches done in the current epoch
    batches_per_epoch: int
    samples_per_second: float
    seconds_left: float | None
    loss: float                # the last batch loss

    @property
    def fraction(self) -> float:
        done = self.epoch * self.batches_per_epoch + self.batch
        return min(1.0, done / max(1, self.epochs * self.batches_per_epoch))

    def text(self) -> str:
        left = "" if self.seconds_left is None else f" · about {_duration(self.seconds_left)} left"
        return (f"epoch {min(self.epoch + 1, self.epochs):,}/{self.epochs:,} · iteration {self.iteration:,} · "
                f"{self.samples_per_second:,.0f} samples/s{left} · loss {self.loss:.4g}")


@dataclass(frozen=True)
class TrainingSnapshot:
    """A copy of what the views draw, taken by the worker at most 30 times a second."""
    iteration: int
    #: per layer, the gradient ∂E/∂θ of the last iteration (None before the first)
    grads: list | None
    #: per layer, θ_new − θ_old of the last iteration
    deltas: list
    #: curves: train_loss, val_loss, train_acc, val_acc (per epoch), iteration_loss
    history: dict
    best_epoch: int | None
    #: per watch, ``(iterations, values)``
    watches: list
    progress: Progress
    #: only from a :class:`ProcessTrainerJob`: the trained weights and optimizer state,
    #: for the GUI thread to copy into the session's network and optimizer
    weights: list | None = None
    optimizer_state: dict | None = None
    #: how many optimizer switches the child had taken when it sent ``optimizer_state``
    #: (a state from before the latest switch belongs to another kind of optimizer)
    optimizer_version: int = 0


class _Rate:
    """Samples per second, smoothed, and the time left."""

    def __init__(self):
        self.t0, self.samples0, self.value = time.perf_counter(), 0, 0.0

    def update(self, samples: int) -> float:
        now = time.perf_counter()
        if now - self.t0 >= 0.2:
            rate = (samples - self.samples0) / (now - self.t0)
            self.value = rate if not self.value else 0.7 * self.value + 0.3 * rate
            self.t0, self.samples0 = now, samples
        return self.value


class TrainerJob:
    """Trains ``net`` with ``optimizer`` on ``(x, y)`` for ``settings.epochs`` epochs.

    ``watch_keys`` lists ``(layer, name, index)`` of watched weights: each gets a
    value per iteration. ``history`` (curves of earlier runs, and their
    ``events``) is continued, and ``start_iteration`` numbers iterations after
    those already done. Raises a LayerLabError if the data does not fit the network."""

    def __init__(self, net, optimizer, x, y, settings: TrainingSettings, watch_keys=(),
                 start_iteration: int = 0, history: dict | None = None, breakpoints=()):
        self.net, self.settings = net, settings
        self.trainer = _ObservedTrainer(net, optimizer, x, y, batch_size=settings.batch_size,
                                        val_split=settings.val_split, seed=settings.seed,
                                        patience=settings.patience, restore_best=settings.restore_best)
        #: the debugger's breakpoint objects (shared: enabling one applies at once)
        self.breakpoints = breakpoints
        #: the breakpoint finding that stopped the run (core.breakpoints.Hit), or None
        self.hit = None
        self.batch_size = self.trainer.batch_size
        self.start_iteration = start_iteration
        self.base = {k: list(v) for k, v in (history or {}).items()}
        self.base_epochs = len(self.base.get("train_loss", []))
        self.watch_keys = list(watch_keys)
        self.watch_series = [([], []) for _ in self.watch_keys]
        self._before = self._after = _references(net)
        self._rate = _Rate()
        self._samples = 0
        self._n_samples = len(x)
        #: changes asked for by the GUI thread, applied by the worker before its next chunk
        self._requests: dict = {}
        self._requests_lock = threading.Lock()

    @property
    def optimizer(self):
        """The optimizer the trainer updates the weights with."""
        return self.trainer.optimizer

    #: the optimizer the last iteration updated with: the trainer's (a switch asked for
    #: since reaches it at the next chunk)
    optimizer_in_use = optimizer

    def set_early_stopping(self, patience: int | None, restore_best: bool) -> None:
        """Change early stopping while training runs (from the next epoch's end on;
        see ``Trainer.set_early_stopping``)."""
        self._request("early_stopping", (patience, restore_best))

    def set_epochs(self, epochs: int) -> None:
        """Change how many epochs this run trains while it runs (applies at once:
        the run ends when the trainer has done ``epochs`` epochs)."""
        self.settings = dataclasses.replace(self.settings, epochs=epochs)

    def set_batch_size(self, batch_size: int) -> None:
        """Change the batch size while training runs (from the next epoch on)."""
        self._request("batch_size", batch_size)
        self.settings = dataclasses.replace(self.settings, batch_size=batch_size)
        self.batch_size = min(batch_size, len(self.trainer.x_train))

    def set_val_split(self, fraction: float) -> None:
        """Change the validation split while training runs (from the next epoch on;
        see ``Trainer.set_val_split``). Raises ConfigError at once for a bad fraction."""
        held_out_count(self._n_samples, fraction)
        self._request("val_split", fraction)
        self.settings = dataclasses.replace(self.settings, val_split=fraction)

    def set_seed(self, seed: int) -> None:
        """Reseed the shuffling of the batches while training runs (from the next epoch on)."""
        self._request("seed", seed)
        self.settings = dataclasses.replace(self.settings, seed=seed)

    def set_optimizer(self, optimizer) -> None:
        """Update with ``optimizer`` (and the state it has) from the next iteration on."""
        self._request("optimizer", optimizer)

    def _request(self, name: str, value) -> None:
        with self._requests_lock:
            self._requests[name] = value

    def _apply_requests(self) -> None:
        """Hand the requested changes to the trainer (worker thread, between iterations)."""
        with self._requests_lock:
            requests, self._requests = self._requests, {}
        t = self.trainer
        if "optimizer" in requests:
            t.set_optimizer(requests["optimizer"])
        if "batch_size" in requests:
            t.set_batch_size(requests["batch_size"])
        if "val_split" in requests:
            t.set_val_split(requests["val_split"])
        if "seed" in requests:
            t.set_seed(requests["seed"])
        if "early_stopping" in requests:
            t.set_early_stopping(*requests["early_stopping"])

    # --- the worker calls these --------------------------------------------------------
    def advance(self, n: int) -> str | None:
        t = self.trainer
        self._apply_requests()
        left = t.iterations_until(self.settings.epochs)
        if left <= 0:
            return self._done_message()
        active = [bp for bp in self.breakpoints if bp.enabled and bp.kind not in NOT_CHECKED_WHILE_TRAINING]
        if not active:
            t.run_iterations(min(n, left), callback=self._after_iteration)
        else:
            t.keep_layer_outputs = any("forward" in bp.stages for bp in active)
            for _ in range(min(n, left)):
                t.run_iterations(1, callback=self._after_iteration)
                if t.finished:
                    break
                self.hit = check_breakpoints(active, TrainingView(self))
                if self.hit is not None:
                    return f"Breakpoint: {self.hit.message}"
        if t.finished:
            return t.message
        if t.epoch >= self.settings.epochs:
            return self._done_message()
        return None

    def _after_iteration(self, progress) -> None:
        self._before, self._after = self._after, _references(self.net)
        self._samples += self.trainer.batch_size
        iteration = self.start_iteration + progress.iteration
        for (layer, name, index), (its, values) in zip(self.watch_keys, self.watch_series):
            its.append(iteration)
            values.append(float(self.net.layers[layer].params[name][index]))

    def snapshot(self) -> TrainingSnapshot:
        t = self.trainer
        deltas = [{k: a[k] - b[k] for k in a if a[k] is not b[k]} for a, b in zip(self._after, self._before)]
        rate = self._rate.update(self._samples)
        left_iterations = t.iterations_until(self.settings.epochs)
        seconds_left = left_iterations * t.batch_size / rate if rate > 0 else None
        loss = t.history.iteration_loss[-1] if len(t.history.iteration_loss) else math.nan
        progress = Progress(t.epoch, self.settings.epochs, self.start_iteration + t.iteration, t.batch,
                            t.batches_per_epoch, rate, seconds_left, loss)
        history = {k: self.base.get(k, []) + v for k, v in t.history.as_dict().items()}
        history["events"] = self.base.get("events", []) + [[epoch + self.base_epochs, text]
                                                           for epoch, text in t.history.events]
        best = None if t.best_epoch is None else t.best_epoch + self.base_epochs
        return TrainingSnapshot(self.start_iteration + t.iteration, t.grads, deltas, history, best,
                                [(list(i), list(v)) for i, v in self.watch_series], progress)

    def _done_message(self) -> str:
        h = self.trainer.history
        last = h.epochs[-1] if h.epochs else None
        text = f"Finished {self.settings.epochs} epochs"
        if last is not None:
            text += f": training loss {last.train_loss:.4g}"
            if last.val_loss is not None:
                text += f", validation loss {last.val_loss:.4g}"
            if last.train_acc is not None:
                text += f", training accuracy {last.train_acc:.1%}"
        return text + "."


class _ObservedTrainer(Trainer):
    """A Trainer that keeps each iteration's gradients (for the views and breakpoints)
    and, when asked, every layer's output on its batch (for breakpoints that look at
    activations)."""

    keep_grads = True
    keep_layer_outputs = False
    outs: list | None = None

    def train_step(self, xb, yb):
        if self.keep_layer_outputs:
            out, self.outs = xb, []
            for layer in self.net.layers:
                out, _ = layer.forward(out, False)
                self.outs.append(out)
        return super().train_step(xb, yb)


class TrainingView:
    """What a breakpoint's ``check(stage, dbg)`` reads from a debugger, taken
    from the iteration the trainer just finished."""

    def __init__(self, job: "TrainerJob"):
        t = job.trainer
        self.net = t.net
        self.iteration, self.epoch, self.batch = t.iteration, t.epoch, t.batch
        self.state = _IterationState(float(t.history.iteration_loss[-1]), t.grads, t.outs)
        self.watches = _LossSeries(t.history.iteration_loss)


@dataclass(frozen=True)
class _IterationState:
    loss: float
    grads: list
    outs: list | None


class _LossSeries:
    """``last_values("loss", k)``: the k batch losses before the current one."""

    def __init__(self, losses):
        self.losses = losses

    def last_values(self, key: str, n: int) -> list[float]:
        earlier = self.losses[:-1]
        return list(earlier[max(0, len(earlier) - n):])


def check_breakpoints(breakpoints, view) -> object | None:
    """The first hit of ``breakpoints`` on ``view``, stage by stage in the order a pass computes them."""
    for stage in ("forward", "loss", "backward", "update"):
        for bp in breakpoints:
            if stage in bp.stages:
                hit = bp.check(stage, view)
                if hit is not None:
                    return hit
    return None


def _references(net) -> list[dict]:
    return [dict(layer.params) for layer in net.layers]


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# --- training in another process ------------------------------------------------------------
#: networks with at least this many parameters train in a separate process (see ProcessTrainerJob)
PROCESS_MIN_PARAMS = 20_000
#: threads the child's linear algebra (OpenBLAS) may use: all cores but one, which the GUI keeps
CHILD_BLAS_THREADS = max(1, (os.cpu_count() or 2) - 1)


def make_trainer_job(net, optimizer, x, y, settings, watch_keys=(), start_iteration=0, history=None,
                     breakpoints=()):
    """A :class:`ProcessTrainerJob` for big networks, a :class:`TrainerJob` (in the worker
    thread, no start-up cost) for small ones."""
    cls = ProcessTrainerJob if net.param_count() >= PROCESS_MIN_PARAMS else TrainerJob
    return cls(net, optimizer, x, y, settings, watch_keys, start_iteration, history, breakpoints)


class ProcessTrainerJob:
    """A :class:`TrainerJob` run in a child process, driven from the worker thread.

    Why: numpy releases Python's global lock only inside its larger operations, so a
    training *thread* and the GUI thread mostly take turns — drawing slows training
    and training slows drawing. A child process has its own interpreter: on two
    cores both run at full speed. The worker thread waits on a pipe (without the
    lock) while the child trains. The child's linear algebra uses all cores but one
    (``CHILD_BLAS_THREADS``): on two cores, two BLAS threads would take the GUI's core
    and buy little — LeNet-5's matrices are small.

    The child rebuilds the network and optimizer from their specs (as a project file
    does) and trains copies; every snapshot brings back the weights and the
    optimizer state, which the GUI thread copies into the session's objects.
    Before each chunk the job sends the current optimizer (a new one when the user
    switched: the child then starts a fresh one of that kind), its learning rate and
    other hyperparameters, the epoch count, batch size, validation split and seed,
    dropout rates and breakpoint switches, so edits made while training apply as
    they do with a thread. Snapshots carry the number of optimizer switches the
    child had made, so an optimizer state from before a switch is never copied into
    the new optimizer. When a snapshot is due (at most
    ``SNAPSHOT_HZ`` a second) the child sends it with its answer to that chunk:
    asking for it separately would leave the child idle for another round trip. ``net`` and ``optimizer`` are only
    read here (on the worker thread), never written.

    Pause freezes the child with SIGSTOP (where the system has it), so it takes
    effect at once even when one iteration takes longer than 100 ms."""

    #: the work happens in another process: the worker thread need not rest to leave
    #: the GUI thread the GIL (see desktop_app.gil_share), and resting would idle the child
    computes_elsewhere = True

    def __init__(self, net, optimizer, x, y, settings: TrainingSettings, watch_keys=(),
                 start_iteration: int = 0, history: dict | None = None, breakpoints=()):
        check = TrainerJob(net.copy(), _optimizer_copy(optimizer), x, y, settings)     # same checks, same errors, here
        self._n_train = len(check.trainer.x_train)
        self._n_samples = len(x)
        self.net, self.breakpoints = net, breakpoints
        #: (switches so far, the optimizer): one attribute, so the worker reads both at once
        self._optimizer_choice = (0, optimizer)
        #: every optimizer asked for during the run, indexed by its switch count
        self._optimizers = [optimizer]
        self.hit = None
        self.batch_size = min(settings.batch_size, len(x))
        payload = {"spec": net.spec(), "weights": net.get_weights(), "optimizer": optimizer.spec(),
                   "state": optimizer.get_state(), "x": np.asarray(x), "y": np.asarray(y),
                   "settings": settings, "watch_keys": list(watch_keys), "start_iteration": start_iteration,
                   "history": history, "breakpoints": list(breakpoints)}
        # a fresh interpreter (not a fork of this one, which holds Qt), talking over a socket pair
        ours, theirs = socket.socketpair()
        code = "import sys; from desktop_app.training_job import child_main; child_main(int(sys.argv[1]))"
        threads = str(CHILD_BLAS_THREADS)
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        self._process = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], env=env)
        theirs.close()
        self._conn = Connection(ours.detach())
        #: sent by the worker thread with the first request: sending blocks until the
        #: child, still starting up, reads it, and the GUI thread must not wait for that
        self._payload = payload
        self._last = None
        #: whether ``_last`` is the child's state now (no iteration ran since it was taken)
        self._current = False
        self._early_stopping = (settings.patience, settings.restore_best)
        self._epochs, self._batch_size = settings.epochs, settings.batch_size
        self._val_split, self._seed = settings.val_split, settings.seed

    @property
    def optimizer(self):
        """The optimizer the child trains with (or starts with at its next chunk)."""
        return self._optimizer_choice[1]

    @property
    def optimizer_in_use(self):
        """The optimizer of the child's last snapshot (a switch not yet sent comes later)."""
        return self._optimizers[self._last.optimizer_version if self._last is not None else 0]

    @property
    def optimizer_version(self) -> int:
        """How many times the optimizer was switched during this run."""
        return self._optimizer_choice[0]

    def _ask(self, *message):
        try:
            if self._payload is not None:
                self._conn.send(self._payload)
                self._payload = None
            self._conn.send(message)
            reply = self._conn.recv()
        except (EOFError, OSError):
            self.close()
            raise RuntimeError(f"the training process ended unexpectedly (exit status "
                               f"{self._process.poll()})") from None
        if reply[0] == "error":
            self.close()
            raise RuntimeError(reply[1])
        return reply

    def advance(self, n: int) -> str | None:
        version, optimizer = self._optimizer_choice
        sync = {"optimizer": (version, optimizer.spec()), "hyper": dict(optimizer.hyper),
                "early_stopping": self._early_stopping, "epochs": self._epochs,
                "batch_size": self._batch_size, "val_split": self._val_split, "seed": self._seed,
                "rates": {i: layer.rate for i, layer in enumerate(self.net.layers) if hasattr(layer, "rate")},
                "enabled": [bp.enabled for bp in self.breakpoints]}
        _, reason, hit, index, snap = self._ask("advance", n, sync)
        if hit is not None:           # the child hit its copy of breakpoint ``index``: point at ours
            self.hit = dataclasses.replace(hit, breakpoint=self.breakpoints[index])
        self._current = snap is not None
        if snap is not None:          # sent when due, and always with the last chunk
            self._last = snap
        if reason is not None:
            self.close()
        return reason

    def snapshot(self) -> TrainingSnapshot:
        """The child's latest state; once it has gone, the last state it sent."""
        if self.alive() and not self._current:
            try:
                self._last = self._ask("snapshot")[1]
                self._current = True
            except RuntimeError:
                pass
        return self._last

    def set_early_stopping(self, patience: int | None, restore_best: bool) -> None:
        """Change early stopping while training runs (sent with the next chunk)."""
        self._early_stopping = (patience, restore_best)

    def set_epochs(self, epochs: int) -> None:
        """Change how many epochs this run trains (sent with the next chunk)."""
        self._epochs = epochs

    def set_batch_size(self, batch_size: int) -> None:
        """Change the batch size (sent with the next chunk; the child applies it from its next epoch)."""
        self._batch_size = batch_size
        self.batch_size = min(batch_size, self._n_train)

    def set_val_split(self, fraction: float) -> None:
        """Change the validation split (sent with the next chunk; the child applies it from its
        next epoch). Raises ConfigError at once for a bad fraction."""
        held_out_count(self._n_samples, fraction)
        self._val_split = fraction

    def set_seed(self, seed: int) -> None:
        """Reseed the batch shuffling (sent with the next chunk; applied from the child's next epoch)."""
        self._seed = seed

    def set_optimizer(self, optimizer) -> None:
        """Switch to a fresh optimizer of ``optimizer``'s kind and settings (sent with the next
        chunk); the snapshots then bring its state into ``optimizer``."""
        self._optimizer_choice = (self._optimizer_choice[0] + 1, optimizer)
        self._optimizers.append(optimizer)

    def alive(self) -> bool:
        return self._process.poll() is None

    def suspend(self) -> None:
        """Freeze the child at once, even in the middle of an iteration (Pause)."""
        if hasattr(signal, "SIGSTOP") and self.alive():
            self._process.send_signal(signal.SIGSTOP)

    def unsuspend(self) -> None:
        """Let a frozen child go on (Resume, or Cancel, which ends the current iteration first)."""
        if hasattr(signal, "SIGCONT") and self.alive():
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Stop the child process (after the run, or when it is cancelled)."""
        if self.alive():
            self.unsuspend()
            try:
                self._conn.send(("stop",))
                self._process.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()

    def __del__(self):
        if getattr(self, "_process", None) is not None:
            self.close()


def _optimizer_copy(optimizer):
    from core.optimizers import optimizer_from_spec
    copy = optimizer_from_spec(optimizer.spec())
    copy.set_state(optimizer.get_state())
    return copy


def _child_snapshot(job: TrainerJob, optimizer_version: int) -> TrainingSnapshot:
    """The job's snapshot with the weights and optimizer state the GUI copies back."""
    return dataclasses.replace(job.snapshot(), weights=job.net.get_weights(),
                               optimizer_state=job.optimizer.get_state(), optimizer_version=optimizer_version)


def child_main(fd: int) -> None:
    """The child process: receive the work, rebuild the network and optimizer, then serve requests."""
    from core.memory import keep_freed_memory
    from core.network import Network
    from core.optimizers import optimizer_from_spec
    keep_freed_memory()         # a fresh interpreter: ask again, as the app does at start
    conn = Connection(fd)
    try:
        payload = conn.recv()
        net = Network.from_spec(payload["spec"])
        net.set_weights(payload["weights"])
        optimizer = optimizer_from_spec(payload["optimizer"])
        optimizer.set_state(payload["state"])
        job = TrainerJob(net, optimizer, payload["x"], payload["y"], payload["settings"],
                         payload["watch_keys"], payload["start_iteration"], payload["history"],
                         payload["breakpoints"])
        sent = 0.0                  # when the last snapshot was sent
        version = 0                 # optimizer switches taken so far
        while True:
            message = conn.recv()
            if message[0] == "advance":
                _, n, sync = message
                if sync["optimizer"][0] != version:
                    version, spec = sync["optimizer"]
                    optimizer = optimizer_from_spec(spec)       # fresh state
                    job.set_optimizer(optimizer)
                optimizer.hyper.update(sync["hyper"])
                job.set_early_stopping(*sync["early_stopping"])
                if sync["epochs"] != job.settings.epochs:
                    job.set_epochs(sync["epochs"])
                if sync["batch_size"] != job.settings.batch_size:
                    job.set_batch_size(sync["batch_size"])
                if sync["val_split"] != job.settings.val_split:
                    job.set_val_split(sync["val_split"])
                if sync["seed"] != job.settings.seed:
                    job.set_seed(sync["seed"])
                for i, rate in sync["rates"].items():
                    net.layers[i].rate = rate
                for bp, enabled in zip(job.breakpoints, sync["enabled"]):
                    bp.enabled = enabled
                reason = job.advance(n)
                index = None if job.hit is None else \
                    next(i for i, bp in enumerate(job.breakpoints) if bp is job.hit.breakpoint)
                due = time.perf_counter() - sent >= 1.0 / SNAPSHOT_HZ or reason is not None
                conn.send(("advanced", reason, job.hit, index, _child_snapshot(job, version) if due else None))
                if due:
                    sent = time.perf_counter()
            elif message[0] == "snapshot":
                conn.send(("snapshot", _child_snapshot(job, version)))
                sent = time.perf_counter()
            else:
                return
    except (EOFError, OSError):     # the app went away: nothing left to report to
        return
    except Exception as e:          # noqa: BLE001 - reported to the GUI, which shows it
        conn.send(("error", f"{type(e).__name__}: {e}"))


# --- compare mode -----------------------------------------------------------------------------
@dataclass
class CompareRun:
    """One of the side-by-side runs: its label, network copy, optimizer and trainer."""
    label: str
    net: object
    optimizer: object
    trainer: Trainer
    status: str = ""


@dataclass(frozen=True)
class CompareSnapshot:
    labels: list
    #: per run, the per-iteration loss (a numpy copy) and the per-epoch curves
    iteration_loss: list
    histories: list
    statuses: list
    progress: Progress


class CompareJob:
    """Trains each ``(label, optimizer)`` on its own copy of ``net`` — all from
    the same initial weights — on the same data and the same batches, one chunk
    of iterations for each in turn."""

    def __init__(self, net, variants, x, y, settings: TrainingSettings):
        if not variants:
            raise LayerLabError("Add at least one learning rate or optimizer to compare.")
        self.settings = settings
        self.runs: list[CompareRun] = []
        for label, optimizer in variants:
            copy = net.copy()
            trainer = Trainer(copy, optimizer, x, y, batch_size=settings.batch_size,
                              val_split=settings.val_split, seed=settings.seed)
            self.runs.append(CompareRun(label, copy, optimizer, trainer))
        self._rate = _Rate()
        self._samples = 0

    def advance(self, n: int) -> str | None:
        active = 0
        for run in self.runs:
            t = run.trainer
            left = (self.settings.epochs - t.epoch) * t.batches_per_epoch - t.batch
            if t.finished or left <= 0:
                continue
            done = t.run_iterations(min(n, left))
            self._samples += done * t.batch_size
            if t.diverged:
                run.status = "diverged (loss NaN or ∞)"
            elif t.epoch >= self.settings.epochs:
                run.status = "done"
            else:
                active += 1
        if active == 0:
            return self._summary()
        return None

    def _summary(self) -> str:
        parts = []
        for run in self.runs:
            h = run.trainer.history
            final = f"loss {h.epochs[-1].train_loss:.4g}" if h.epochs and not run.trainer.diverged else run.status
            parts.append(f"{run.label}: {final}")
        return "Compare finished — " + "; ".join(parts) + "."

    def snapshot(self) -> CompareSnapshot:
        slowest = min(self.runs, key=lambda r: r.trainer.iteration).trainer
        rate = self._rate.update(self._samples)
        total = self.settings.epochs * sum(r.trainer.batches_per_epoch for r in self.runs)
        done = sum(r.trainer.iteration for r in self.runs)
        seconds = (total - done) * slowest.batch_size / rate if rate > 0 else None
        progress = Progress(slowest.epoch, self.settings.epochs, slowest.iteration, slowest.batch,
                            slowest.batches_per_epoch, rate, seconds,
                            slowest.history.iteration_loss[-1] if len(slowest.history.iteration_loss) else math.nan)
        return CompareSnapshot([r.label for r in self.runs],
                               [np.array(r.trainer.history.iteration_loss) for r in self.runs],
                               [r.trainer.history.as_dict() for r in self.runs],
                               [r.status for r in self.runs], progress)
