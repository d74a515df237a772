"""A step-through debugger for a network: step by unit, layer, phase, iteration
or epoch; step back; breakpoints; the chain rule with its numbers.

    from core import Debugger
    dbg = Debugger(net, SGD(lr=0.5), x, y, batch_size=None, seed=0)
    rec = dbg.step("unit")        # a frozen record of what was computed (core.trace)
    dbg.cursor                    # where it stands: the next computation
    dbg.step_back()               # undo the last step (weights, optimizer, RNG, cursor)
    dbg.add_breakpoint("loss_above", value=10.0)
    why = dbg.run(max_iterations=1000)       # until a breakpoint, the limit or a pause
    dbg.explain(1, "W", (0, 0))   # ∂E/∂w as a product of factors, with a finite-difference check

**A training step** is a fixed sequence of computations: forward through
layers 0 … n−1, the loss, backward through layers n−1 … 0, the update. The
debugger performs them on request, with the network's own pieces
(``layer.forward(x, True, rng)``, ``net.loss_input``, ``net.loss.value/grad``,
``net.backward_layer``, ``optimizer.step``), so stepping gives bit for bit the
loss, gradients and new weights of ``net.forward_backward`` + ``optimizer.step``
(and draws dropout masks from its generator in the same order).

**Granularities** of ``step(granularity)``:

* ``"unit"`` — one unit: a neuron of a dense layer, a channel of an image layer
  (an element for other outputs). *Decision:* a layer is computed by its kernel
  in one call when the cursor enters it (so the numbers are the one-shot ones);
  unit steps then reveal its units one by one: ``ForwardUnit`` (the unit's ``net``
  and ``out``), and in the backward pass ``BackwardUnit`` (its δ). The loss and
  the update are one step each at every granularity.
* ``"layer"`` — the rest of the current layer (``ForwardLayer`` / ``BackwardLayer``),
  or the loss (``LossRecord``), or the update (``UpdateRecord``).
* ``"phase"`` — the rest of the forward pass (``ForwardPass``), the loss, the rest
  of the backward pass (``BackwardPass``) or the update.
* ``"iteration"`` — the rest of the mini-batch step (``IterationRecord``).
* ``"epoch"`` — the rest of the epoch (``EpochRecord``: every loss and the last
  iteration's full record).

A step never crosses the boundary of its own granularity: a "layer" step in
the middle of a layer finishes that layer; a "phase" step never runs into the
update. Records are frozen copies (see :mod:`core.trace`).

**State**, read-only: ``cursor`` (a :class:`~core.trace.Cursor`: phase, layer,
unit, iteration, epoch, batch), ``last_record`` (what the last step returned),
``current`` (the iteration in progress as an ``IterationRecord``, phases not yet
reached are None), ``last_iteration`` (the last finished iteration),
``iteration``, ``epoch``, ``batch``, ``batches_per_epoch``, ``history_depth``,
``history_note``, ``breakpoints``, ``watches`` (:mod:`core.watches`), and
``state``, the :class:`PassState` of the iteration in progress (references to
the engine's own arrays: read them, never write into them).

**Data**: ``x`` (N, …) and ``y`` (N, …) or class labels (N,). ``batch_size=None``
means the whole set in one batch. With more than one batch per epoch the order
is shuffled at the start of each epoch (``shuffle=False`` to keep it), with the
debugger's generator ``rng`` (seeded by ``seed``), which also draws dropout
masks; it belongs to the debugger (draw from it elsewhere and stepping back no
longer restores it exactly).

**Step back**: ``step_back()`` undoes the last step or edit and returns the
record that was current before it (None at the start). Every step and edit
pushes a snapshot. Inside a run one step back is one iteration (after a run
that stopped mid-iteration, the first goes back to that iteration's start); a
run keeps a snapshot every ``checkpoint_every`` iterations (every one for
LeNet-5; every 833rd for the 2-2-2 net, whose iteration costs less than a
snapshot) and steps back by restoring it and replaying, bit for bit. History
is bounded by ``memory_budget`` bytes (default 256 MB); ``history_depth`` and
``history_note`` say how far back one can go.

**Run**: ``run(max_iterations=None, should_stop=None, on_iteration=None)`` goes
on until a breakpoint hits, ``max_iterations`` iterations are finished (when it
starts inside an iteration, finishing that one counts as the first), or a pause
is asked for (``request_pause()`` from any thread, or ``should_stop()`` returning
True; checked after every layer, the loss and the update). It returns a
:class:`~core.breakpoints.StopReason`. ``on_iteration(dbg)`` is called after
every iteration. Only the last iteration's records are kept. The ``nonfinite``
breakpoint is on by default (remove it with ``remove_breakpoint``): a NaN or
inf never crashes a run, it stops it and names the layer and array. Numpy
floating-point warnings are silenced inside steps and runs.

**Breakpoints**: ``add_breakpoint(kind, **settings)`` (or a Breakpoint object),
``remove_breakpoint(bp)``; kinds in :mod:`core.breakpoints`.

**What if**: ``set_param(layer_index, name, index, value)`` changes one weight,
bias or kernel cell; ``set_input(index, value)`` one input value (``index``
into ``x``, sample first; it takes effect from the next forward pass through
layer 0). Later records reflect the edit; ``step_back`` undoes it.

**Chain rule**: ``explain(layer_index, param_name, index, check=True)`` returns
an :class:`~core.explain.Explanation` of ∂E/∂θ for one parameter entry, from
the latest iteration whose backward pass reached that layer; ``check`` adds a
finite difference (four forward passes).

Bad requests raise :class:`~core.errors.ConfigError` (unknown granularity, kind,
parameter name, layer index) or :class:`~core.errors.ShapeError` (an index that
does not fit a parameter's shape), with a message saying what is allowed.
"""
from __future__ import annotations

import math
import threading
from types import MappingProxyType

import numpy as np

from .breakpoints import Breakpoint, NonFinite, StopReason, make_breakpoint
from .errors import ConfigError, InputError, ShapeError
from .explain import Explanation, explain, with_params
from .history import History, Snapshot, nbytes
from .layers import Dropout
from .network import Network, as_array, check_seed
from .trace import (BackwardLayer, BackwardPass, Cursor, EpochRecord, ForwardLayer, ForwardPass,
                    IterationRecord, LossRecord, ParamUpdate, UpdateRecord, frozen)
from .watches import Watches, check_param_index

GRANULARITIES = ("unit", "layer", "phase", "iteration", "epoch")
PHASES = ("forward", "loss", "backward", "update")
#: cache entries shown in ForwardLayer.extras besides x, net and out
EXTRA_CACHE_KEYS = ("mask", "argmax")
_KEPT_CACHE_KEYS = frozenset({"x", "net", "out", *EXTRA_CACHE_KEYS})
#: layers whose forward draws from the generator (the only state a step changes
#: besides parameters that the debugger cannot see); the generator's state is
#: read again only after one of these or a shuffle has drawn from it
RANDOM_LAYERS = (Dropout,)
#: run() snapshots every CHECKPOINT_PARAMS // (parameter count) iterations, at
#: most CHECKPOINT_MAX: every iteration for LeNet-5, every 833rd for the
#: lecture's 2-2-2 net, whose iteration costs less than a snapshot
CHECKPOINT_PARAMS = 10_000
CHECKPOINT_MAX = 1000


class PassState:
    """The iteration in progress: references to everything computed so far.

    ``xb``/``yb`` the batch (``indices`` into x), ``rng_state`` the generator's
    state just before layer 0's forward (replaying from it redraws the same
    dropout masks), per layer ``inputs``, ``caches``, ``outs``, ``params_used``
    (the parameter arrays the forward pass used), ``douts`` (∂E/∂out given to
    backward), ``dxs``, ``grads``; ``z`` (what the loss saw), ``loss``, ``dloss``;
    after the update ``old_params``, ``new_params``, ``opt_state``. Records are
    built from these on demand and cached.

    Like ``Network.forward_backward``, the backward pass skips layer 0's ∂E/∂x,
    which nothing needs (``dxs[0]`` stays None); ``first_dx_params`` keeps the
    parameters that backward used, and a record computes it when asked."""

    __slots__ = ("iteration", "epoch", "batch", "indices", "xb", "yb", "rng_state", "inputs", "caches",
                 "outs", "params_used", "douts", "dxs", "grads", "z", "loss", "dloss", "old_params",
                 "new_params", "opt_state", "records", "frozen_copies", "first_dx_params")
    _LISTS = ("inputs", "caches", "outs", "params_used", "douts", "dxs", "grads")

    def __init__(self, n_layers: int, iteration: int, epoch: int, batch: int):
        self.iteration, self.epoch, self.batch = iteration, epoch, batch
        self.indices = self.xb = self.yb = self.rng_state = None
        empty = [None] * n_layers
        for k in self._LISTS:
            setattr(self, k, empty.copy())
        self.z = self.loss = self.dloss = None
        self.old_params = self.new_params = self.opt_state = None
        self.records: dict | None = None
        self.frozen_copies: dict[int, tuple] = {}
        self.first_dx_params = None

    def copy(self) -> "PassState":
        c = object.__new__(PassState)
        for k in self.__slots__:
            setattr(c, k, getattr(self, k))
        for k in self._LISTS:
            setattr(c, k, list(getattr(self, k)))
        if self.records is not None:
            c.records = dict(self.records)
        return c

    def parts(self) -> list:
        """The arrays (and caches) this pass holds, in a fixed order, then the
        copies its records made (for history's memory count)."""
        return [self.xb, self.yb, self.z, self.dloss, *self.inputs, *self.caches, *self.outs,
                *self.douts, *self.dxs, *self.grads, *(c for _, c in self.frozen_copies.values())]

    def compact(self) -> None:
        """Once the pass is finished, keep of each cache only what records show: a
        conv layer's im2col columns are larger than everything else. (Layer 0
        keeps all when its ∂E/∂x is still to be computed from them.)"""
        keep = _KEPT_CACHE_KEYS
        self.caches = [c if c.keys() <= keep or (i == 0 and self.first_dx_params is not None)
                       else {k: c[k] for k in keep if k in c} for i, c in enumerate(self.caches)]

    def freeze(self, a):
        """A read-only copy of ``a``, made once per array per pass (layer i's input
        is layer i−1's output: both records share one copy)."""
        if a is None:
            return None
        hit = self.frozen_copies.get(id(a))
        if hit is None or hit[0] is not a:
            hit = self.frozen_copies[id(a)] = (a, frozen(a))
        return hit[1]

    def freeze_map(self, d) -> MappingProxyType:
        """A read-only mapping of :meth:`freeze` copies (other values as they are)."""
        return MappingProxyType({k: self.freeze(v) if isinstance(v, np.ndarray) else v for k, v in d.items()})


class Debugger:
    def __init__(self, net: Network, optimizer, x, y, batch_size=None, seed: int = 0, *,
                 shuffle: bool = True, memory_budget: int = 256 * 2**20, watch_length: int = 10_000):
        if not isinstance(net, Network):
            raise ConfigError(f"Debugger needs a core Network, got {type(net).__name__}.")
        if not net.layers:
            raise ConfigError("The network has no layers: add at least one before debugging.")
        if not callable(getattr(optimizer, "step", None)):
            raise ConfigError(f"Debugger needs an optimizer from core.optimizers, got {optimizer!r}.")
        self.net, self.optimizer = net, optimizer
        self.x = net.check_input(x)
        self._x_given = self.x
        self.y = as_array(y, "The targets")
        n = len(self.x)
        if self.y.ndim == 0 or len(self.y) != n:
            raise ShapeError(f"x has {n} samples but y has "
                             f"{'no sample axis' if self.y.ndim == 0 else len(self.y)}; "
                             f"give one target per sample.")
        net.loss.check(np.zeros((1, *net.output_shape), dtype=net.dtype), self.y[:1])
        if not np.issubdtype(self.y.dtype, np.number) or not np.isfinite(self.y).all():
            raise InputError("The targets y must be finite numbers (no NaN or inf).")
        if batch_size is None:
            batch_size = n
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or not 1 <= batch_size <= n:
            raise ConfigError(f"batch_size must be a whole number from 1 to {n} (the number of "
                              f"samples), or None for the whole set; got {batch_size!r}.")
        self.batch_size = int(batch_size)
        self.batches_per_epoch = -(-n // self.batch_size)
        self.shuffle = bool(shuffle)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self._rng_state_cache = None
        self._random_layers = {i for i, layer in enumerate(net.layers) if isinstance(layer, RANDOM_LAYERS)}
        self._n_layers = len(net.layers)
        self._units = [layer.units(shape) for layer, shape in zip(net.layers, net.shapes)]
        # position: the next computation
        self.iteration, self.epoch, self.batch = 0, 0, 0
        self._order = None
        self._in_order = np.arange(n)
        self._in_order.flags.writeable = False
        self._phase, self._layer, self._unit = "forward", 0, 0
        self.state = PassState(self._n_layers, 0, 0, 0)
        self._state_shared = False            # a snapshot holds self.state: copy before changing it
        self._last_pass: PassState | None = None
        self._last_record = None
        self.breakpoints: list[Breakpoint] = [NonFinite()]
        self.watches = Watches(net, watch_length)
        if isinstance(memory_budget, bool) or not isinstance(memory_budget, (int, np.integer)) \
                or memory_budget < 1:
            raise ConfigError(f"memory_budget is the history's size in bytes, a whole number ≥ 1 "
                              f"(256 * 2**20 is 256 MB); got {memory_budget!r}.")
        self._history = History(memory_budget)
        self._pass_nbytes: dict[int, int] = {}
        #: a run keeps a snapshot every this many iterations (see core.history)
        self.checkpoint_every = max(1, min(CHECKPOINT_MAX, CHECKPOINT_PARAMS // max(1, net.param_count())))
        self._pause = threading.Event()
        self._should_stop = None

    # --- where we are ----------------------------------------------------------------
    @property
    def cursor(self) -> Cursor:
        units = self._units[self._layer] if self._layer is not None else 0
        return Cursor(self._phase, self._layer, self._unit if self._layer is not None else None,
                      units, self.iteration, self.epoch, self.batch, self.batches_per_epoch)

    @property
    def cursor_phase(self) -> str:
        return self._phase

    @property
    def cursor_layer(self) -> int | None:
        return self._layer

    @property
    def history_depth(self) -> int:
        """How many steps ``step_back`` can still undo."""
        return self._history.depth

    @property
    def history_note(self) -> str:
        return self._history.note

    @property
    def last_record(self):
        """What the last step returned; after ``run()``, the iteration it stopped in."""
        if isinstance(self._last_record, PassState):
            self._last_record = self._iteration_record(self._last_record)
        return self._last_record

    @property
    def current(self) -> IterationRecord | None:
        """The iteration in progress (None before its first computation)."""
        if self.state.indices is None:
            return None
        return self._iteration_record(self.state)

    @property
    def last_iteration(self) -> IterationRecord | None:
        """The last finished iteration (None before the first update)."""
        return None if self._last_pass is None else self._iteration_record(self._last_pass)

    # --- stepping ----------------------------------------------------------------------
    def step(self, granularity: str = "layer"):
        """Advance by one ``granularity`` and return the frozen record of what was computed."""
        if granularity not in GRANULARITIES:
            raise ConfigError(f"Unknown granularity {granularity!r}. Choose one of: "
                              f"{', '.join(GRANULARITIES)}.")
        self._check_network()
        snap = self._push_history(granularity)
        try:
            with np.errstate(all="ignore"):
                record = getattr(self, f"_step_{granularity}")()
        except Exception:
            self._history.pop()                   # a step that fails leaves everything as it was
            self._restore(snap)
            raise
        self._last_record = record
        return record

    def _step_unit(self):
        if self._phase in ("loss", "update"):
            return self._step_layer()
        i, j = self._layer, self._unit
        if j == 0:
            self._compute_layer(i)
        rec = self._layer_record(self.state, self._phase, i).unit(j)
        if j + 1 == self._units[i]:
            self._next_layer()
        else:
            self._unit = j + 1
        return rec

    def _step_layer(self):
        if self._phase == "loss":
            self._compute_loss()
            return self._loss_record(self.state)
        if self._phase == "update":
            done = self._compute_update()
            return self._update_record(done)
        phase, i = self._phase, self._layer
        self._finish_layer()
        return self._layer_record(self.state, phase, i)

    def _step_phase(self):
        phase = self._phase
        if phase in ("loss", "update"):
            return self._step_layer()
        while self._phase == phase:
            self._finish_layer()
        st, n = self.state, self._n_layers
        if phase == "forward":
            return ForwardPass("forward", st.iteration, st.epoch,
                               tuple(self._layer_record(st, "forward", i) for i in range(n)))
        return BackwardPass("backward", st.iteration, st.epoch,
                            tuple(self._layer_record(st, "backward", i) for i in range(n)))

    def _step_iteration(self):
        self._finish_iteration()
        return self._iteration_record(self._last_pass)

    def _step_epoch(self):
        epoch, losses = self.epoch, []
        while self.epoch == epoch:
            self._finish_iteration()
            losses.append(self._last_pass.loss)
        last = self._iteration_record(self._last_pass)
        return EpochRecord("epoch", last.iteration, epoch, frozen(np.array(losses)), last)

    # --- the computations ------------------------------------------------------------------
    def _begin_batch(self) -> None:
        """Draw this iteration's batch (shuffling at the start of an epoch)."""
        n, b = len(self.x), self.batch
        if self._order is None:
            if self.shuffle and self.batches_per_epoch > 1:
                self._order, self._rng_state_cache = self.rng.permutation(n), None
            else:
                self._order = self._in_order
        idx = self._order[b * self.batch_size:(b + 1) * self.batch_size]
        st = self.state
        st.indices = idx
        if self.batches_per_epoch == 1:
            st.xb, st.yb = self.x, self.y       # the whole set, in order: no copy
        else:
            st.xb, st.yb = self.x[idx], self.y[idx]
        st.rng_state = self._rng_state()

    def _rng_state(self) -> dict:
        """The generator's state, read again only if something drew from it since."""
        if self._rng_state_cache is None:
            self._rng_state_cache = self.rng.bit_generator.state
        return self._rng_state_cache

    def _own_state(self) -> PassState:
        """``self.state``, copied first if a snapshot holds it (copy on write: a
        step that only reveals units costs no copy)."""
        if self._state_shared:
            self.state, self._state_shared = self.state.copy(), False
        return self.state

    def _compute_layer(self, i: int) -> None:
        st, layer = self._own_state(), self.net.layers[i]
        if self._phase == "forward":
            if i == 0:
                self._begin_batch()
            x_in = st.xb if i == 0 else st.outs[i - 1]
            st.params_used[i] = dict.copy(layer.params)
            out, cache = layer.forward(x_in, True, self.rng)
            if i in self._random_layers:
                self._rng_state_cache = None
            st.inputs[i], st.caches[i], st.outs[i] = x_in, cache, out
        else:
            last = self._n_layers - 1
            d = st.dloss if i == last else st.dxs[i + 1]
            if i == 0 and hasattr(layer, "backward_params") and not (i == last and self.net.fused_softmax):
                dx, grads = None, layer.backward_params(d, st.caches[i])     # as forward_backward does
                st.first_dx_params = dict.copy(layer.params)
            else:
                dx, grads = self.net.backward_layer(i, d, st.caches[i])
            st.douts[i], st.dxs[i], st.grads[i] = d, dx, grads

    def _finish_layer(self) -> None:
        """Compute the cursor's layer if it is not computed yet and move past it."""
        if self._unit == 0:
            self._compute_layer(self._layer)
        self._next_layer()

    def _next_layer(self) -> None:
        i, self._unit = self._layer, 0
        if self._phase == "forward":
            if i + 1 < self._n_layers:
                self._layer = i + 1
            else:
                self._phase, self._layer = "loss", None
        elif i > 0:
            self._layer = i - 1
        else:
            self._phase, self._layer = "update", None

    def _compute_loss(self) -> None:
        st, net = self._own_state(), self.net
        st.z = net.loss_input(st.outs[-1], st.caches)
        st.loss = net.loss.value(st.z, st.yb)
        st.dloss = net.loss.grad(st.z, st.yb)
        self._phase, self._layer, self._unit = "backward", self._n_layers - 1, 0

    def _compute_update(self) -> PassState:
        """Apply the optimizer, then move on to the next iteration; returns the finished pass."""
        st, layers = self._own_state(), self.net.layers
        st.old_params = tuple(dict.copy(layer.params) for layer in layers)
        self.optimizer.step(self.net, st.grads)
        st.new_params = tuple(dict.copy(layer.params) for layer in layers)
        st.opt_state = tuple(getattr(self.optimizer, "state", {}).items())
        self.iteration += 1
        self.batch += 1
        if self.batch == self.batches_per_epoch:
            self.epoch, self.batch, self._order = self.epoch + 1, 0, None
        self.watches.record(st.iteration, st)
        st.compact()
        self._last_pass = st
        self.state = PassState(self._n_layers, self.iteration, self.epoch, self.batch)
        self._phase, self._layer, self._unit = "forward", 0, 0
        return st

    def _finish_iteration(self) -> None:
        while self._phase != "update":
            if self._phase == "loss":
                self._compute_loss()
            else:
                self._finish_layer()
        self._compute_update()

    # --- records ------------------------------------------------------------------------
    @staticmethod
    def _cached(st: PassState, key, build):
        """The record ``key`` of pass ``st``, built once."""
        if st.records is None:
            st.records = {}
        if key not in st.records:
            st.records[key] = build()
        return st.records[key]

    def _layer_record(self, st: PassState, phase: str, i: int):
        build = self._forward_record if phase == "forward" else self._backward_record
        return self._cached(st, (phase, i), lambda: build(st, i))

    def _forward_record(self, st: PassState, i: int) -> ForwardLayer:
        c, layer = st.caches[i], self.net.layers[i]
        extras = {k: c[k] for k in EXTRA_CACHE_KEYS if c.get(k) is not None}
        return ForwardLayer("forward", st.iteration, st.epoch, i, repr(layer), st.freeze(st.inputs[i]),
                            st.freeze(c.get("net")), st.freeze(st.outs[i]), st.freeze_map(extras),
                            st.freeze_map(st.params_used[i]), self._units[i])

    def _backward_record(self, st: PassState, i: int) -> BackwardLayer:
        layer, c, d = self.net.layers[i], st.caches[i], st.douts[i]
        act = getattr(layer, "activation", None)
        fused = i == self._n_layers - 1 and self.net.fused_softmax
        if fused:
            dout, dout_dnet, delta = None, None, d
        elif act is not None and "net" in c:
            dout, dout_dnet = d, act.derivative(c["net"], c["out"])
            # δ as the layer's backward computes it: dout · g′(net), or the Jacobian product for softmax
            delta = act.backward(d, c["net"], c["out"]) if act.name == "softmax" else \
                d if act.name == "identity" else d * dout_dnet
        else:
            dout, dout_dnet, delta = d, None, d
        if st.dxs[i] is not None:
            dx = st.freeze(st.dxs[i])
        else:                                     # skipped by the pass: computed when first read
            params, cache = st.first_dx_params, st.caches[i]

            def dx():
                return frozen(with_params(layer, params).backward(d, cache)[0])
        return BackwardLayer("backward", st.iteration, st.epoch, i, repr(layer), st.freeze(dout),
                             st.freeze(dout_dnet), st.freeze(delta), st.freeze_map(st.grads[i]),
                             self._units[i], dx)

    def _loss_record(self, st: PassState) -> LossRecord:
        loss = self.net.loss
        return self._cached(st, "loss", lambda: LossRecord(
            "loss", st.iteration, st.epoch, loss.name, st.freeze(st.z), st.freeze(st.yb),
            st.freeze(loss.terms(st.z, st.yb)), float(st.loss), st.freeze(st.dloss)))

    def _update_record(self, st: PassState) -> UpdateRecord:
        return self._cached(st, "update", lambda: self._build_update_record(st))

    def _build_update_record(self, st: PassState) -> UpdateRecord:
        params, opt_state = [], dict(st.opt_state)
        for i, layer in enumerate(self.net.layers):
            for k in layer.params:
                params.append(ParamUpdate(
                    i, k, st.freeze(st.old_params[i][k]), st.freeze(st.grads[i][k]),
                    st.freeze_map(opt_state.get((i, k)) or {}), st.freeze(st.new_params[i][k]),
                    st.new_params[i][k] is st.old_params[i][k]))
        opt = self.optimizer
        return UpdateRecord("update", st.iteration, st.epoch, getattr(opt, "name", repr(opt)),
                            st.freeze_map(getattr(opt, "hyper", {})), tuple(params))

    def _iteration_record(self, st: PassState) -> IterationRecord:
        n = self._n_layers
        fwd = bwd = None
        if all(c is not None for c in st.caches):
            fwd = ForwardPass("forward", st.iteration, st.epoch,
                              tuple(self._layer_record(st, "forward", i) for i in range(n)))
        if all(g is not None for g in st.grads):
            bwd = BackwardPass("backward", st.iteration, st.epoch,
                               tuple(self._layer_record(st, "backward", i) for i in range(n)))
        return IterationRecord("iteration", st.iteration, st.epoch, st.batch, frozen(st.indices), fwd,
                               None if st.loss is None else self._loss_record(st), bwd,
                               None if st.new_params is None else self._update_record(st))

    # --- history ----------------------------------------------------------------------------
    def _push_history(self, label: str, keep_last_pass: bool = True) -> Snapshot:
        """Snapshot the state before a step. A run's later checkpoints leave out
        the previous iteration's pass (``keep_last_pass=False``): it is large
        (every layer's values) and a step back rebuilds it by replay."""
        last_pass, last_record = (self._last_pass, self._last_record) if keep_last_pass else (None, None)
        weights = tuple(param_refs(layer) for layer in self.net.layers)
        opt_state = tuple(getattr(self.optimizer, "state", {}).items())
        fresh = self.state.indices is None          # nothing computed yet in this iteration
        state = None if fresh else self.state
        self._state_shared = not fresh
        values = (weights, opt_state, self._rng_state(), self.x, self._order,
                  (self.iteration, self.epoch, self.batch, self._phase, self._layer, self._unit),
                  state, last_pass, last_record)
        # memory count: parts in a stable order, the most variable last
        parts = [a for w in weights for a in w.values()]
        parts.append(None if self.x is self._x_given else self.x)
        if last_pass is not None:                     # counted as a whole: see _pass_bytes
            parts.append((id(last_pass), self._pass_bytes(last_pass)))
        parts += (s for _, s in opt_state)
        if state is not None:
            parts += state.parts()
        snap = Snapshot(label, self.iteration, values, tuple(parts))
        self._history.push(snap)
        return snap

    def _pass_bytes(self, st: PassState) -> int:
        """What a finished pass holds. Every pass of one batch size holds the same
        shapes, so this is counted once per batch size."""
        rows = len(st.indices)
        if rows not in self._pass_nbytes:
            self._pass_nbytes[rows] = sum(nbytes(p) for p in st.parts())
        return self._pass_nbytes[rows]

    def step_back(self):
        """Undo the last step or edit; returns the record that was current before it.

        Inside a run, one step back is one iteration (or, if the run stopped
        inside an iteration, back to that iteration's start): the run's last
        snapshot is restored and the iterations up to there replayed."""
        snap = self._history.top()
        if snap is None:
            raise ConfigError("Nothing to step back to: " + (
                "this is the start." if not self._history.dropped else
                f"older history was dropped to stay within the {self._history.budget_bytes / 2**20:.0f} MB "
                f"memory budget."))
        if snap.partial:
            snap.partial = False
        elif snap.iterations:
            snap.iterations -= 1
        if snap.iterations:
            self._replay(snap, snap.iterations)
            return self.last_record
        self._history.pop()
        before = self._history.top()
        if snap.values[7] is None and before is not None and before.label == "run" \
                and before.iterations and not before.partial:
            # ``snap`` left out the previous pass; the run before it ends where it starts
            self._replay(before, before.iterations)
        else:
            self._restore(snap)
        return self.last_record

    def _replay(self, snap: Snapshot, iterations: int) -> None:
        """Restore ``snap`` and run ``iterations`` iterations from it."""
        self._restore(snap)
        with np.errstate(all="ignore"):
            for _ in range(iterations):
                self._finish_iteration()
        self._last_record = self._last_pass

    def _restore(self, snap: Snapshot) -> None:
        weights, opt_state, rng, self.x, self._order, position, state, last_pass, last_record = snap.values
        for layer, w in zip(self.net.layers, weights):
            for k, a in w.items():
                layer.params.set_array(k, a)
        if hasattr(self.optimizer, "state"):
            self.optimizer.state = dict(opt_state)
        self.rng.bit_generator.state = self._rng_state_cache = rng
        (self.iteration, self.epoch, self.batch, self._phase, self._layer, self._unit) = position
        self.state = state or PassState(self._n_layers, self.iteration, self.epoch, self.batch)
        self._state_shared = state is not None     # the snapshot may stay in history (replay)
        self._last_pass, self._last_record = last_pass, last_record
        self.watches.truncate(self.iteration)

    # --- running ------------------------------------------------------------------------------
    def request_pause(self) -> None:
        """Ask a running ``run()`` to stop after the layer it is computing (any thread)."""
        self._pause.set()

    def run(self, max_iterations: int | None = None, should_stop=None, on_iteration=None) -> StopReason:
        """Train until a breakpoint hits, ``max_iterations`` iterations are done or a
        pause is asked for; returns why it stopped (see the module docstring)."""
        if max_iterations is not None and (isinstance(max_iterations, bool) or
                                           not isinstance(max_iterations, (int, np.integer))
                                           or max_iterations < 0):
            raise ConfigError(f"max_iterations must be a whole number ≥ 0 or None, got {max_iterations!r}.")
        self._check_network()
        self._pause.clear()
        self._should_stop = should_stop
        active = [bp for bp in self.breakpoints if bp.enabled]
        by_stage = {s: [bp for bp in active if s in bp.stages]
                    for s in ("enter", *PHASES)}
        done, first, hit, reason, snap = 0, True, None, "paused", None
        with np.errstate(all="ignore"):
            while True:
                at_start = self._phase == "forward" and self._layer == 0 and self._unit == 0
                if max_iterations is not None and done >= max_iterations:
                    reason = "limit"
                    break
                if first or (at_start and snap.iterations >= self.checkpoint_every):
                    snap = self._push_history("run", keep_last_pass=first)
                if not first and by_stage["enter"] and self._unit == 0 and self._layer is not None:
                    hit = self._check(by_stage["enter"], "enter")
                    if hit:
                        break
                first = False
                stage = self._run_atom(whole_phase=not by_stage["enter"])
                if stage == "update":
                    done += 1
                    snap.iterations += 1
                    if on_iteration is not None:
                        on_iteration(self)
                if stage is not None:
                    hit = self._check(by_stage[stage], stage)
                    if hit:
                        break
                if self._stop_requested():
                    break
        if snap is not None:
            snap.partial = not (self._phase == "forward" and self._layer == 0 and self._unit == 0)
            if not (snap.iterations or snap.partial):
                self._history.pop()                  # the run did nothing: nothing to undo
        # The record is built when asked for: a run costs no copies.
        self._last_record = self.state.copy() if self.state.indices is not None else self._last_pass
        return self._stop_reason("breakpoint" if hit else reason, hit, done)

    def _run_atom(self, whole_phase: bool) -> str | None:
        """Compute the next layer (or the rest of its pass if ``whole_phase``, unless
        a pause is asked for), the loss or the update; return the phase it
        completed, if it completed one."""
        phase = self._phase
        if phase == "loss":
            self._compute_loss()
            return "loss"
        if phase == "update":
            self._compute_update()
            return "update"
        self._finish_layer()
        while whole_phase and self._phase == phase and not self._stop_requested():
            self._finish_layer()
        return phase if self._phase != phase else None

    def _stop_requested(self) -> bool:
        return self._pause.is_set() or (self._should_stop is not None and self._should_stop())

    def _check(self, breakpoints, stage: str):
        """The first hit among ``breakpoints`` at ``stage``."""
        for bp in breakpoints:
            hit = bp.check(stage, self)
            if hit:
                return hit
        return None

    def _stop_reason(self, reason: str, hit, done: int) -> StopReason:
        cur = self.cursor
        if reason == "breakpoint":
            msg = f"Stopped at a breakpoint ({hit.breakpoint.kind}): {hit.message} Now at {cur}."
        elif reason == "limit":
            msg = f"Ran {done} iteration(s); now at {cur}."
        else:
            msg = f"Paused after {done} iteration(s); now at {cur}."
        return StopReason(reason, hit, cur, done, msg)

    # --- breakpoints ------------------------------------------------------------------------------
    def add_breakpoint(self, kind, **settings) -> Breakpoint:
        """Add a breakpoint by kind and settings (see :mod:`core.breakpoints`) or as an object."""
        bp = make_breakpoint(kind, **settings)
        layer = getattr(bp, "layer", None)
        if layer is not None:
            check_param_index(self.net, layer, None, None)
        self.breakpoints.append(bp)
        return bp

    def remove_breakpoint(self, bp: Breakpoint) -> None:
        if bp not in self.breakpoints:
            raise ConfigError(f"{bp!r} is not one of this debugger's breakpoints.")
        self.breakpoints.remove(bp)

    # --- what if ------------------------------------------------------------------------------------
    def set_param(self, layer_index: int, name: str, index, value: float) -> None:
        """Set one entry of a parameter (weight, bias, kernel cell) while paused;
        ``step_back`` undoes it."""
        index = _as_index(index)
        check_param_index(self.net, layer_index, name, index)
        value = _finite(value, f"layer {layer_index} {name}{list(index)}")
        self._push_history("edit")
        params = self.net.layers[layer_index].params
        new = params[name].copy()
        new[index] = value
        params.set_array(name, new)

    def set_input(self, index, value: float) -> None:
        """Set one input value ``x[index]`` (sample first); it takes effect from the
        next forward pass through layer 0. ``step_back`` undoes it."""
        index = _as_index(index)
        if len(index) != self.x.ndim or any(not 0 <= i < s for i, s in zip(index, self.x.shape)):
            raise ShapeError(f"Index {index} does not fit the inputs of shape {self.x.shape}: give "
                             f"{self.x.ndim} indices (sample first), each from 0 to its size − 1.")
        value = _finite(value, f"input {list(index)}")
        self._push_history("edit")
        x = self.x.copy()
        x[index] = value
        self.x = x

    # --- chain rule --------------------------------------------------------------------------------
    def explain(self, layer_index: int, param_name: str, index, check: bool = True) -> Explanation:
        """∂E/∂θ for one parameter entry as the product (and sum) of its chain-rule
        factors, with a finite-difference check (four forward passes; ``check=False``
        skips it and leaves NaN there). See :mod:`core.explain`."""
        index = _as_index(index)
        check_param_index(self.net, layer_index, param_name, index)
        st = self.state if self.state.grads[layer_index] is not None else self._last_pass
        if st is None:
            raise ConfigError(f"Layer {layer_index}'s gradient is not computed yet: step through the "
                              f"backward pass to layer {layer_index} first.")
        fwd = [self._layer_record(st, "forward", i) for i in range(self._n_layers)]
        bwd = [self._layer_record(st, "backward", i) if st.grads[i] is not None else None
               for i in range(self._n_layers)]
        with np.errstate(all="ignore"):
            return explain(self.net, st, fwd, bwd, layer_index, param_name, index, check)

    def __repr__(self) -> str:
        return f"<Debugger over {self.net!r}: {self.cursor}>"

    # --- helpers ------------------------------------------------------------------------------------
    def _check_network(self) -> None:
        if len(self.net.layers) != self._n_layers or \
                [layer.units(s) for layer, s in zip(self.net.layers, self.net.shapes)] != self._units:
            raise ConfigError("The network's layers changed after this debugger was made: "
                              "create a new Debugger for the edited network.")


def param_refs(layer) -> dict:
    """The layer's parameter arrays by name, as a plain dict of references, built
    item by item so that Python's garbage collector does not track it: history
    keeps one per layer per snapshot. (Within a pass, ``dict.copy`` is quicker.)"""
    return {k: a for k, a in layer.params.items()}


def _as_index(index) -> tuple[int, ...]:
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        return (int(index),)
    try:
        out = tuple(index)
    except TypeError:
        raise ConfigError(f"An index is a whole number or a tuple of them, like (0, 1); got {index!r}.") \
            from None
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in out):
        raise ConfigError(f"An index is a whole number or a tuple of them, like (0, 1); got {index!r}.")
    return tuple(int(i) for i in out)


def _finite(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"The value for {what} must be a number, got {value!r}.") from None
    if not math.isfinite(v):
        raise InputError(f"The value for {what} must be finite, got {value!r}.")
    return v
