"""Training at full speed: epochs of shuffled mini-batches, a validation split,
early stopping, and a history of the losses and accuracies.

    trainer = Trainer(net, Adam(lr=0.01), x, y, batch_size=32, val_split=0.2, patience=5)
    history = trainer.fit(100)
    history.val_loss[-1], trainer.best_epoch, trainer.stopped_early

The lecture's mini-batch gradient descent, one *iteration* per batch:

    1. pick a batch of B samples (the order is reshuffled every epoch, seeded)
    2. compute the gradient  ∂J/∂θ = (1/B) Σₖ ∂Jₖ/∂θ     (the losses average over the batch)
    3. update the weights    θ ← θ − η ∂J/∂θ              (or the optimizer's own rule)

``batch_size=1`` is stochastic gradient descent, ``batch_size=N`` full-batch
gradient descent; the last batch of an epoch is smaller when B does not divide N.

The GUI's worker thread drives a trainer in small chunks (``run_iterations(n)``)
or through ``fit(epochs, callback, should_stop)``, which asks ``should_stop()``
after every iteration, so a stop request is served within one iteration.

A loss that becomes NaN or infinite (a learning rate far too large) does not
raise: training stops, ``trainer.diverged`` is True and ``trainer.message`` says
what happened and what to change.

Settings that change while training runs (the GUI edits them live):

* ``set_batch_size``, ``set_val_split`` and ``set_seed`` apply from the start
  of the next epoch (at once between epochs), so an epoch keeps the batches it
  started with;
* ``set_optimizer`` applies from the next iteration;
* ``set_early_stopping`` applies at the next epoch's end.

A change of validation split, seed or optimizer is recorded in
``history.events`` as ``(epoch, text)``, e.g. ``(12, "validation split 0.20 → 0.30")``:
the curves jump there for a reason the curve alone does not show.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError, InputError
from .metrics import correct_count, task_kind
from .network import as_array


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch ended with. Accuracies are None for regression, validation
    values None without a validation split."""
    epoch: int                   # 1 for the first epoch
    iteration: int               # iterations done when the epoch ended
    train_loss: float            # mean of the epoch's batch losses, weighted by batch size
    train_acc: float | None      # fraction of training samples classified right during the epoch
    val_loss: float | None
    val_acc: float | None


@dataclass(frozen=True)
class Progress:
    """The snapshot a ``fit`` callback receives after every iteration."""
    iteration: int               # iterations done so far (this one included)
    epoch: int                   # epochs completed so far
    batch: int                   # batches done in the current epoch (0 right after an epoch ends)
    batches_per_epoch: int
    loss: float                  # this iteration's batch loss
    epoch_record: EpochRecord | None   # set when this iteration ended an epoch


@dataclass
class History:
    """Per-epoch records, the loss of every iteration, and the settings changed on the way."""
    epochs: list[EpochRecord] = field(default_factory=list)
    #: the batch loss of every iteration (a compact array of doubles; np.asarray reads it without copying)
    iteration_loss: array = field(default_factory=lambda: array("d"))
    #: ``(epoch, text)`` per change made while training: it applies from epoch ``epoch`` on
    #: (1 for the first epoch; an optimizer switched mid-epoch applies to the rest of that epoch)
    events: list[tuple[int, str]] = field(default_factory=list)

    @property
    def train_loss(self) -> list[float]:
        return [r.train_loss for r in self.epochs]

    @property
    def val_loss(self) -> list[float]:
        return [r.val_loss for r in self.epochs if r.val_loss is not None]

    @property
    def train_acc(self) -> list[float]:
        return [r.train_acc for r in self.epochs if r.train_acc is not None]

    @property
    def val_acc(self) -> list[float]:
        return [r.val_acc for r in self.epochs if r.val_acc is not None]

    def as_dict(self) -> dict:
        """Plain lists, JSON-able (the curves a project file stores)."""
        return {"train_loss": self.train_loss, "val_loss": self.val_loss,
                "train_acc": self.train_acc, "val_acc": self.val_acc,
                "iteration_loss": self.iteration_loss.tolist(),
                "events": [[epoch, text] for epoch, text in self.events]}


class Trainer:
    """Trains ``net`` with ``optimizer`` on ``(x, y)``.

    ``val_split``: the fraction of samples held out for validation, picked at
    random with ``seed`` (the same seed always holds out the same samples): the
    first round(N·val_split) entries of one permutation of the N samples, drawn
    when the trainer is built. ``seed`` also seeds the shuffling of the batches.
    ``patience``: stop when the monitored loss has not improved for that many
    epochs: the validation loss, or without a validation split the training loss
    the weights give at the end of each epoch; with ``restore_best`` the weights
    of the best epoch are put back. ``shuffle=False`` keeps the training samples
    in order (to compare with a hand calculation).
    """

    #: keep each step's gradients in ``grads`` (a subclass that shows them sets this)
    keep_grads = False

    def __init__(self, net, optimizer, x, y, batch_size=32, val_split=0.0, seed=0,
                 patience=None, restore_best=True, shuffle=True):
        x = net.check_input(x)
        y = as_array(y, "The targets")
        if y.ndim == 0 or len(y) != len(x):
            raise InputError(f"There are {len(x)} input samples but {len(y) if y.ndim else 'no'} "
                             f"targets; give one target per sample.")
        if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
            raise InputError("The targets must be finite numbers; clean or drop samples with NaN targets.")
        if np.issubdtype(y.dtype, np.floating):
            y = y.astype(net.dtype, copy=False)     # float32 networks compute in float32 throughout
        # Targets that do not fit the outputs (shape, class labels out of range) fail now, not mid-run.
        net.loss.check(np.zeros((len(y),) + net.output_shape, net.dtype), y)
        batch_size = _whole(batch_size, "batch_size", 1)
        n_val = held_out_count(len(x), val_split)
        if patience is not None:
            patience = _whole(patience, "patience", 1)

        self.net, self.optimizer = net, optimizer
        #: the last step's gradients when ``keep_grads`` is set, else None
        self.grads = None
        self.kind = task_kind(net, y)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self._x_all, self._y_all = x, y
        # The permutation that picks the held-out samples, drawn once: the seeded generator's
        # first draw (taken from the batch shuffler itself when there is a split from the start,
        # as always, so the batches of a run keep their seeded order).
        self._holdout_order = (self.rng if n_val else np.random.default_rng(seed)).permutation(len(x))
        self.val_split = float(val_split)
        self._hold_out(n_val)
        self.batch_size = self.batches_per_epoch = 0
        self._apply_batch_size(batch_size)
        # changes waiting for the end of the current epoch (None: no change)
        self._next_batch_size: int | None = None
        self._next_val_split: float | None = None
        self._next_seed: int | None = None
        self.shuffle = shuffle
        self.patience, self.restore_best = patience, restore_best

        self.history = History()
        self.iteration = 0            # iterations (weight updates) done
        self.epoch = 0                # epochs completed
        self.batch = 0                # batches done in the current epoch
        self._restart_early_stopping()
        self._order = None
        self._loss_sum = 0.0          # Σ batch loss · batch size over the current epoch
        self._correct = 0
        self.stop_reason: str | None = None   # None, "early_stopping" or "diverged"
        self.message = ""

    # --- status -------------------------------------------------------------------
    @property
    def stopped_early(self) -> bool:
        return self.stop_reason == "early_stopping"

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "diverged"

    @property
    def finished(self) -> bool:
        """True once early stopping or divergence ended training: further runs do nothing."""
        return self.stop_reason is not None

    # --- settings that change while training runs ----------------------------------------
    def set_batch_size(self, batch_size: int) -> None:
        """Use ``batch_size`` from the next epoch on (at once between epochs).

        An epoch keeps the batches it started with, so ``batches_per_epoch`` and
        the epoch's seeded shuffle stay consistent; the rows each later epoch
        visits are the same for any batch size (one permutation per epoch)."""
        self._next_batch_size = _whole(batch_size, "batch_size", 1)
        self._apply_waiting_changes_between_epochs()

    def set_val_split(self, fraction: float) -> None:
        """Hold out ``fraction`` of the samples for validation from the next epoch on
        (at once between epochs).

        The held-out samples are the first round(N·fraction) of the permutation
        drawn when the trainer was built, so a larger split holds out a superset of
        the samples held out before, a smaller one a subset. Samples moved into
        validation were already trained on, and validation before and after is
        measured on different samples: the change is recorded in ``history.events``
        and early stopping starts afresh (best loss, best epoch and patience count
        are forgotten; restore-best then restores the best weights since the change).
        Raises ConfigError if ``fraction`` is not in [0, 1) or leaves no training sample."""
        held_out_count(len(self._x_all), fraction)
        self._next_val_split = float(fraction)
        self._apply_waiting_changes_between_epochs()

    def set_seed(self, seed: int) -> None:
        """Shuffle the batches with a new ``np.random.default_rng(seed)`` from the next
        epoch on (at once between epochs), and record the change in ``history.events``.

        The held-out validation samples stay as they are: the seed picks them only
        when the trainer is built. Raises ConfigError for a seed that is not a whole number ≥ 0."""
        self._next_seed = _whole(seed, "seed", 0)
        self._apply_waiting_changes_between_epochs()

    def set_optimizer(self, optimizer) -> None:
        """Update the weights with ``optimizer`` from the next iteration on, with the
        state it has (a new optimizer starts empty: no velocity, no moments), and
        record the switch in ``history.events``."""
        self.history.events.append((self.epoch + 1, f"optimizer {self.optimizer.name} → {optimizer.name}"))
        self.optimizer = optimizer

    def set_early_stopping(self, patience: int | None, restore_best: bool = True) -> None:
        """Stop after ``patience`` epochs without improvement (None: never), putting back
        the best epoch's weights if ``restore_best``; checked at each epoch's end.

        The best epoch's weights are kept only while early stopping with restore-best
        is on. Switched on mid-run, when the best epoch so far was not kept, the
        best-epoch tracking starts afresh, so restore-best always has what it restores."""
        if patience is not None:
            patience = _whole(patience, "patience", 1)
        restore_best = bool(restore_best)
        if patience is not None and restore_best and self.best_epoch is not None and self._best_weights is None:
            self._restart_early_stopping()
        self.patience, self.restore_best = patience, restore_best

    def iterations_until(self, epochs: int) -> int:
        """How many iterations are left until ``epochs`` epochs are complete:
        the rest of this epoch, then whole epochs with the batch size and split they will use."""
        if self.epoch >= epochs:
            return 0
        n = len(self._x_all)
        split = self.val_split if self._next_val_split is None else self._next_val_split
        n_train = n - held_out_count(n, split)
        batch = self._batch_request if self._next_batch_size is None else self._next_batch_size
        later = math.ceil(n_train / min(batch, n_train))
        return self.batches_per_epoch - self.batch + (epochs - self.epoch - 1) * later

    def _apply_batch_size(self, batch_size: int) -> None:
        self._batch_request = batch_size        # kept: the training set may grow later
        self.batch_size = min(batch_size, len(self.x_train))
        self.batches_per_epoch = math.ceil(len(self.x_train) / self.batch_size)

    def _hold_out(self, n_val: int) -> None:
        """Split the samples: the first ``n_val`` of the hold-out permutation validate,
        the rest (in their original order) train."""
        x, y = self._x_all, self._y_all
        if n_val:
            val, train = self._holdout_order[:n_val], np.sort(self._holdout_order[n_val:])
            self.x_train, self.y_train = x[train], y[train]
            self.x_val, self.y_val = x[val], y[val]
        else:
            self.x_train, self.y_train = x, y
            self.x_val = self.y_val = None

    def _apply_val_split(self, fraction: float) -> None:
        if fraction == self.val_split:
            return
        self.history.events.append((self.epoch + 1, f"validation split {self.val_split:.2f} → {fraction:.2f}"))
        self.val_split = fraction
        self._hold_out(held_out_count(len(self._x_all), fraction))
        self._apply_batch_size(self._batch_request)
        self._restart_early_stopping()

    def _apply_seed(self, seed: int) -> None:
        if seed == self.seed:
            return
        self.history.events.append((self.epoch + 1, f"seed {self.seed} → {seed}"))
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def _apply_waiting_changes_between_epochs(self) -> None:
        """A change asked for between epochs applies at once; one asked for during an
        epoch waits for its end (``_apply_waiting_changes``)."""
        if self.batch == 0:
            self._apply_waiting_changes()

    def _apply_waiting_changes(self) -> None:
        """At the end of an epoch: the batch size, split and seed asked for during it."""
        if self._next_batch_size is not None:
            self._apply_batch_size(self._next_batch_size)
        if self._next_val_split is not None:
            self._apply_val_split(self._next_val_split)
        if self._next_seed is not None:
            self._apply_seed(self._next_seed)
        self._next_batch_size = self._next_val_split = self._next_seed = None

    def _restart_early_stopping(self) -> None:
        """Forget the best epoch so far (at the start, and when the monitored data changes)."""
        self.best_epoch = None
        self.best_loss = math.inf
        self._best_weights = None
        self._epochs_without_improvement = 0

    # --- driving ----------------------------------------------------------------------
    def run_iterations(self, n: int, callback=None) -> int:
        """Run up to ``n`` iterations (crossing epoch ends as needed); return how many ran."""
        n = _whole(n, "The number of iterations", 0)
        with np.errstate(over="ignore", invalid="ignore"):
            for done in range(n):
                if self.finished:
                    return done
                self._iterate(callback)
        return n

    def run_epoch(self, callback=None) -> EpochRecord | None:
        """Run the rest of the current epoch; return its record (None if training had finished)."""
        with np.errstate(over="ignore", invalid="ignore"):
            while not self.finished:
                progress = self._iterate(callback)
                if progress.epoch_record is not None:
                    return progress.epoch_record
        return None

    def fit(self, epochs: int, callback=None, should_stop=None) -> History:
        """Run ``epochs`` more epochs (finishing a started epoch counts as one).

        ``callback(progress)`` is called after every iteration with a
        :class:`Progress`; ``should_stop()`` is asked after every iteration and
        ends the run (not the training: call ``fit`` again to go on) when True."""
        epochs = _whole(epochs, "epochs", 0)
        target = self.epoch + epochs
        with np.errstate(over="ignore", invalid="ignore"):
            while self.epoch < target and not self.finished:
                self._iterate(callback)
                if should_stop is not None and should_stop():
                    break
        return self.history

    # --- one iteration ------------------------------------------------------------------
    def _iterate(self, callback) -> Progress:
        if self.batch == 0:
            n = len(self.x_train)
            self._order = self.rng.permutation(n) if self.shuffle else np.arange(n)
            self._loss_sum, self._correct = 0.0, 0
        rows = self._order[self.batch * self.batch_size:(self.batch + 1) * self.batch_size]
        xb, yb = self.x_train[rows], self.y_train[rows]

        loss, out = self.train_step(xb, yb)
        self.iteration += 1
        self.batch += 1
        self.history.iteration_loss.append(loss)
        record = None
        if not math.isfinite(loss):
            self._diverge(loss)
        else:
            self._loss_sum += loss * len(rows)
            self._correct += correct_count(out, yb, self.kind)
            if self.batch == self.batches_per_epoch:
                record = self._end_epoch()
        progress = Progress(self.iteration, self.epoch, self.batch, self.batches_per_epoch, loss, record)
        if callback is not None:
            callback(progress)
        return progress

    def train_step(self, xb, yb):
        """Forward, loss, backward and update on one batch: ``net.train_step``, which
        gives the weights of ``net.forward_backward`` followed by ``optimizer.step``
        and updates nothing when the loss is not finite. Returns ``(loss, out)``,
        ``out`` the logits when softmax is fused into the loss (the same argmax).
        With ``keep_grads`` the step's gradients stay readable in ``self.grads``."""
        step = self.net.train_step(xb, yb, self.optimizer, keep_grads=self.keep_grads)
        self.grads = step.grads
        return step.loss, step.out

    def _end_epoch(self) -> EpochRecord:
        n = len(self.x_train)
        self.epoch += 1
        self.batch = 0
        val_loss = val_acc = None
        if self.x_val is not None:
            val_loss, val_acc = self.evaluate(self.x_val, self.y_val)
        record = EpochRecord(self.epoch, self.iteration, self._loss_sum / n,
                             None if self.kind == "regression" else self._correct / n,
                             val_loss, val_acc)
        self.history.epochs.append(record)
        monitored = val_loss if val_loss is not None else self._loss_after_epoch(record)
        if not math.isfinite(monitored):
            self._diverge(monitored)
        elif monitored < self.best_loss:
            self.best_loss, self.best_epoch = monitored, self.epoch
            self._epochs_without_improvement = 0
            if self.patience is not None and self.restore_best:
                self._best_weights = self.net.get_weights()
        else:
            self._epochs_without_improvement += 1
            if self.patience is not None and self._epochs_without_improvement >= self.patience:
                self._stop_early(monitored)
        self._apply_waiting_changes()
        return record

    def _loss_after_epoch(self, record: EpochRecord) -> float:
        """The training loss early stopping watches when there is no validation set.

        ``record.train_loss`` averages batches seen while the weights moved; the
        weights restored at the end must be judged by the loss they give, so with
        ``patience`` set the training set is evaluated once more."""
        if self.patience is None:
            return record.train_loss
        return self.evaluate(self.x_train, self.y_train)[0]

    def _stop_early(self, monitored: float) -> None:
        which = "validation" if self.x_val is not None else "training"
        self.stop_reason = "early_stopping"
        self.message = (f"Stopped early after epoch {self.epoch}: the {which} loss has not improved "
                        f"for {self.patience} epochs (best {self.best_loss:.6g} at epoch {self.best_epoch}).")
        if self.restore_best and self._best_weights is not None:
            self.net.set_weights(self._best_weights)
            self.message += f" The weights of epoch {self.best_epoch} are restored."

    def _diverge(self, loss: float) -> None:
        what = "NaN" if math.isnan(loss) else "infinite"
        lr = self.optimizer.hyper.get("lr")
        epoch = self.epoch + 1 if self.batch else self.epoch    # batch is 0 once an epoch has ended
        self.stop_reason = "diverged"
        self.message = (f"The loss became {what} at iteration {self.iteration} (epoch {epoch}): "
                        f"training diverged. The learning rate {lr:g} is too large for this network; "
                        f"lower it (try {lr / 10:g}), re-initialise the weights and train again.")

    # --- evaluating ---------------------------------------------------------------------
    def evaluate(self, x, y) -> tuple[float, float | None]:
        """``(loss, accuracy)`` on ``(x, y)`` in inference mode (no dropout, no update);
        the accuracy is None for regression."""
        net = self.net
        x, y = net.check_input(x), net.check_targets(y)
        out, caches = net.forward_layers(x, training=False)
        loss = net.loss.value(net.loss_input(out, caches), y)
        acc = None if self.kind == "regression" else correct_count(out, y, self.kind) / len(x)
        return loss, acc


def _whole(value, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{what} must be a whole number ≥ {minimum}, got {value!r}.")
    return int(value)


def held_out_count(n: int, val_split) -> int:
    """How many of ``n`` samples a validation split holds out: round(n·val_split),
    at least one when the split is above 0.

    Raises ConfigError if ``val_split`` is not a number in [0, 1) or leaves no training sample."""
    if isinstance(val_split, bool) or not isinstance(val_split, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(val_split) < 1.0:
        raise ConfigError(f"val_split is the fraction of samples held out for validation, "
                          f"from 0 up to (not including) 1; got {val_split!r}.")
    n_val = max(1, round(n * val_split)) if val_split > 0 else 0
    if n - n_val < 1:
        raise ConfigError(f"val_split {val_split:g} leaves no training sample out of {n}; "
                          f"lower it or add data.")
    return n_val
