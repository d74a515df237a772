"""Frozen records of what the debugger computed.

Every record is a frozen dataclass. The arrays it holds are *copies*, marked
read-only (``a.flags.writeable is False``), so nothing a caller holds changes
when training goes on. Records of one pass share the copy of an array they
both show (layer i's ``x`` is layer i−1's ``out``). Shapes below use ``N`` for
the batch size; ``...`` is the sample shape of that layer.

Every record has ``phase`` ("forward", "loss", "backward", "update", or
"iteration" / "epoch" for the summaries), ``iteration`` (how many updates came
before it) and ``epoch``.

=====================  ==========================================================
record                 what it holds
=====================  ==========================================================
``ForwardUnit``        one unit's ``net`` and ``out`` over the batch
``ForwardLayer``       a layer's input ``x``, ``net`` (pre-activation), ``out``
``ForwardPass``        ``layers``: every layer's ``ForwardLayer``, in order
``LossRecord``         ``output``, ``target``, ``terms`` (E_o1, E_o2, ...), ``value``, ``grad``
``BackwardUnit``       one unit's ``dout``, ``dout_dnet`` and ``delta`` over the batch
``BackwardLayer``      ``dout`` = ∂E/∂out, ``dout_dnet`` = ∂out/∂net, ``delta`` = ∂E/∂net,
                       ``grads`` (∂E/∂param by name), ``dx`` = ∂E/∂input
``BackwardPass``       ``layers``: every layer's ``BackwardLayer``, indexed by layer
``ParamUpdate``        one parameter: ``old``, ``grad``, optimizer ``state``, ``new``
``UpdateRecord``       ``params``: one ``ParamUpdate`` per parameter
``IterationRecord``    ``forward``, ``loss``, ``backward``, ``update`` (None if not reached)
``EpochRecord``        ``losses`` of each iteration of the epoch and its ``last`` iteration
=====================  ==========================================================

A *unit* is a neuron of a dense layer (column ``j`` of a ``(N, units)``
output) or a channel of an image layer (``out[:, c]``, shape ``(N, H, W)``);
other outputs (a Flatten) count each element as a unit. See
:func:`unit_slice`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .errors import ConfigError


def frozen(a) -> np.ndarray | None:
    """A read-only copy of ``a`` (``None`` stays ``None``)."""
    if a is None:
        return None
    c = np.array(a, copy=True)
    c.flags.writeable = False
    return c


def unit_slice(a: np.ndarray | None, unit: int) -> np.ndarray | None:
    """Unit ``unit`` of a batch ``a``: ``a[:, unit]`` for ``(N, units)`` and
    ``(N, C, H, W)`` arrays, element ``unit`` of each flattened sample otherwise."""
    if a is None:
        return None
    if a.ndim == 2 or a.ndim == 4:
        return a[:, unit]
    return a.reshape(a.shape[0], -1)[:, unit]


@dataclass(frozen=True, eq=False)
class Record:
    phase: str
    iteration: int
    epoch: int


# --- forward -------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ForwardUnit(Record):
    """Unit ``unit`` of layer ``layer`` in the forward pass: ``net`` and ``out``
    over the batch, shape ``(N,)`` for a neuron or ``(N, H, W)`` for a channel.
    ``net`` is None for layers without one (pooling, flatten, dropout)."""
    layer: int
    layer_name: str
    unit: int
    units: int
    net: np.ndarray | None
    out: np.ndarray


@dataclass(frozen=True, eq=False)
class ForwardLayer(Record):
    """Layer ``layer`` forward: ``x`` (N, ...in), ``net`` and ``out`` (N, ...out).

    ``extras`` holds other cache arrays worth seeing: a dropout ``"mask"``, a
    max-pool ``"argmax"``. ``params`` are the parameter values the layer used."""
    layer: int
    layer_name: str
    x: np.ndarray
    net: np.ndarray | None
    out: np.ndarray
    extras: Mapping[str, np.ndarray]
    params: Mapping[str, np.ndarray]
    units: int

    def unit(self, j: int) -> ForwardUnit:
        """The record of unit ``j`` (a view of this record's read-only arrays)."""
        return ForwardUnit("forward", self.iteration, self.epoch, self.layer, self.layer_name, j,
                           self.units, unit_slice(self.net, j), unit_slice(self.out, j))


@dataclass(frozen=True, eq=False)
class ForwardPass(Record):
    layers: tuple[ForwardLayer, ...]


# --- loss ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LossRecord(Record):
    """The loss of the batch.

    ``output`` is what the loss saw (the last layer's ``out``, or its logits when
    softmax is fused into cross-entropy), ``target`` the targets, ``terms`` the
    per-sample, per-output errors (the lecture's ``E_o1``, ``E_o2``), ``value``
    the loss E (``terms`` summed, averaged over the batch) and ``grad`` = ∂E/∂output."""
    loss_name: str
    output: np.ndarray
    target: np.ndarray
    terms: np.ndarray
    value: float
    grad: np.ndarray


# --- backward ------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BackwardUnit(Record):
    """Unit ``unit`` of layer ``layer`` in the backward pass: its error term
    ``delta`` = ∂E/∂net (for layers without ``net``: ∂E/∂out), with the two
    factors ``dout`` = ∂E/∂out and ``dout_dnet`` = ∂out/∂net when they exist."""
    layer: int
    layer_name: str
    unit: int
    units: int
    dout: np.ndarray | None
    dout_dnet: np.ndarray | None
    delta: np.ndarray


@dataclass(frozen=True, eq=False)
class BackwardLayer(Record):
    """Layer ``layer`` backward.

    ``dout`` = ∂E/∂out (None when softmax is fused into cross-entropy: backward
    then starts from δ), ``dout_dnet`` = ∂out/∂net elementwise (None for layers
    without an activation; for softmax its diagonal), ``delta`` = ∂E/∂net
    (= ``dout`` for layers without ``net``), ``grads`` = ∂E/∂param by name,
    ``dx`` = ∂E/∂input, shape of the layer's input.

    Training skips layer 0's ∂E/∂input (nothing needs it), so that record
    computes it the first time ``dx`` is read, from values that never change."""
    layer: int
    layer_name: str
    dout: np.ndarray | None
    dout_dnet: np.ndarray | None
    delta: np.ndarray
    grads: Mapping[str, np.ndarray]
    units: int
    #: ∂E/∂input, or a function that computes it (read it as ``dx``)
    _dx: np.ndarray | Callable[[], np.ndarray] = field(repr=False)

    @property
    def dx(self) -> np.ndarray:
        if callable(self._dx):
            object.__setattr__(self, "_dx", self._dx())
        return self._dx

    def unit(self, j: int) -> BackwardUnit:
        return BackwardUnit("backward", self.iteration, self.epoch, self.layer, self.layer_name, j,
                            self.units, unit_slice(self.dout, j), unit_slice(self.dout_dnet, j),
                            unit_slice(self.delta, j))


@dataclass(frozen=True, eq=False)
class BackwardPass(Record):
    """``layers[i]`` is layer i's record (computed from the last layer down)."""
    layers: tuple[BackwardLayer, ...]


# --- update --------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ParamUpdate:
    """One parameter's update: ``new`` = rule(``old``, ``grad``, state).

    ``state`` is the optimizer's state for this parameter after the update
    (``"step"``, ``"momentum_buffer"``, ``"exp_avg"``, ...); empty for SGD.
    ``frozen`` is True when the update left the parameter as it was (a frozen
    parameter, like the lecture's biases)."""
    layer: int
    name: str
    old: np.ndarray
    grad: np.ndarray
    state: Mapping[str, object]
    new: np.ndarray
    frozen: bool


@dataclass(frozen=True, eq=False)
class UpdateRecord(Record):
    optimizer: str
    hyper: Mapping[str, object]
    params: tuple[ParamUpdate, ...]

    def get(self, layer: int, name: str) -> ParamUpdate:
        """The update of ``layers[layer].params[name]``; raises ConfigError naming
        the parameters this record has."""
        for p in self.params:
            if p.layer == layer and p.name == name:
                return p
        have = ", ".join(f"({p.layer}, {p.name!r})" for p in self.params) or "none"
        raise ConfigError(f"No update of layer {layer} parameter {name!r} in this record; "
                          f"it has {have}.")


# --- summaries -----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class IterationRecord(Record):
    """One mini-batch step. ``batch`` is its index in the epoch, ``indices`` the
    samples it used. Phases not reached yet are None."""
    batch: int
    indices: np.ndarray
    forward: ForwardPass | None
    loss: LossRecord | None
    backward: BackwardPass | None
    update: UpdateRecord | None


@dataclass(frozen=True, eq=False)
class EpochRecord(Record):
    """The iterations a ``step("epoch")`` ran: their losses in order, and the full
    record of the last one (records of the others are not kept)."""
    losses: np.ndarray
    last: IterationRecord | None


# --- where the debugger stands ------------------------------------------------
@dataclass(frozen=True)
class Cursor:
    """Where the debugger is paused: the *next* computation it will perform.

    ``phase`` is "forward", "loss", "backward" or "update". In the forward and
    backward phases ``layer`` is the layer and ``unit`` the next unit to reveal
    (0 means the layer is not computed yet; ``units`` is how many it has); for
    the loss and the update both are None and ``units`` is 0. ``iteration``
    counts the updates done so far, ``epoch`` the finished epochs and ``batch``
    the index of the current mini-batch in its epoch (of ``batches``)."""
    phase: str
    layer: int | None
    unit: int | None
    units: int
    iteration: int
    epoch: int
    batch: int
    batches: int

    def __str__(self) -> str:
        where = {"loss": "the loss", "update": "the update"}.get(self.phase)
        if where is None:
            inside = f", unit {self.unit} of {self.units}" if self.unit else ""
            where = f"{self.phase} layer {self.layer}{inside}"
        return (f"epoch {self.epoch}, batch {self.batch + 1}/{self.batches}, "
                f"iteration {self.iteration}: next is {where}")
