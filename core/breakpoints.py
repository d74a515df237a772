"""Breakpoints: conditions that stop :meth:`Debugger.run <core.debugger.Debugger.run>`.

Add them by kind and settings, or as objects::

    dbg.add_breakpoint("loss_above", value=10.0)
    dbg.add_breakpoint("grad_norm_below", threshold=1e-6, layer=0)
    dbg.add_breakpoint(DeadReLU(fraction=0.5))

==================  ==============================  ===========================================
kind                settings                        hits when
==================  ==============================  ===========================================
``nonfinite``       —                               a NaN or ±inf appears in a forward value,
                                                    the loss or a gradient (on by default; the
                                                    hit names the first layer and array)
``loss_above``      ``value``                       the batch loss E > value
``loss_rising``     ``iterations`` (k)              E rose k iterations in a row (divergence)
``grad_norm_above`` ``threshold``, ``layer=None``   a layer's ‖∂E/∂θ‖₂ > threshold (exploding)
``grad_norm_below`` ``threshold``, ``layer=None``   a layer's ‖∂E/∂θ‖₂ < threshold (vanishing)
``dead_relu``       ``fraction``, ``layer=None``    more than that fraction of a ReLU layer's
                                                    units output 0 for the whole batch
``saturated``       ``fraction``, ``layer=None``,   more than that fraction of a sigmoid/tanh
                    ``margin=0.01``                 layer's outputs lie within ``margin`` of
                                                    its bounds
``iteration``       ``n``                           n updates have been done
``epoch``           ``n``                           n epochs have been finished
``enter_layer``     ``layer``, ``phase="forward"``  the run is about to compute that layer in
                                                    that phase ("forward" or "backward")
==================  ==============================  ===========================================

``layer=None`` means any layer (layers without parameters have no gradient
norm). A breakpoint is checked where its value becomes known — at the end of
the forward pass, the loss, the backward pass or the update — and the run stops
right there, so a NaN gradient is shown before it is applied. Only ``run``
checks breakpoints; ``step`` always does exactly the step asked for.

A check reads the debugger ``dbg`` it is given: ``dbg.net``, ``dbg.state``
(the iteration in progress: ``caches``, ``outs``, ``loss``, ``grads``, ``dxs``),
``dbg.iteration``, ``dbg.epoch``, ``dbg.batch``, ``dbg.watches`` and, at
"enter", ``dbg.cursor_phase`` / ``dbg.cursor_layer``. At "update" the update is
done and the counters have moved on to the next iteration.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .trace import Cursor
from .watches import activation_name, dead_fraction, norm, saturated_fraction


@dataclass(frozen=True)
class Hit:
    """What a breakpoint found: at ``layer`` (None if not a layer's), in ``array``
    (e.g. "net", "grads['W']", or None), the ``value`` that tripped it."""
    breakpoint: "Breakpoint"
    layer: int | None
    array: str | None
    value: float
    message: str


@dataclass(frozen=True)
class StopReason:
    """Why :meth:`Debugger.run` returned: ``reason`` is "breakpoint", "limit"
    (``max_iterations`` done) or "paused" (``request_pause`` or ``should_stop``).
    ``hit`` is the breakpoint's finding, ``cursor`` where the debugger now stands,
    ``iterations`` how many iterations the run completed."""
    reason: str
    hit: Hit | None
    cursor: Cursor
    iterations: int
    message: str

    def __str__(self) -> str:
        return self.message


class Breakpoint:
    """Base class: ``kind``, the ``stages`` it is checked at and ``check``.

    A breakpoint's attributes are exactly its settings plus ``enabled``, so
    ``make_breakpoint(bp.kind, **settings)`` rebuilds it (project files do)."""
    kind = ""
    #: where the check runs: "enter", "forward", "loss", "backward", "update"
    stages: frozenset = frozenset()

    def __init__(self):
        self.enabled = True

    def check(self, stage: str, dbg) -> Hit | None:
        raise NotImplementedError

    def hit(self, message, value=math.nan, layer=None, array=None) -> Hit:
        return Hit(self, layer, array, float(value), message)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "enabled")
        return f"{type(self).__name__}({args})"


def _number(value, what, kind, low=None, high=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ConfigError(f"Breakpoint {kind!r}: {what} must be a finite number, got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        allowed = f"be ≥ {low}" if high is None else f"lie in [{low}, {high}]"
        raise ConfigError(f"Breakpoint {kind!r}: {what} must {allowed}, got {value!r}.")
    return float(value)


def _count(value, what, kind, low=0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"Breakpoint {kind!r}: {what} must be a whole number ≥ {low}, got {value!r}.")
    return int(value)


def _layers(dbg, layer):
    return range(len(dbg.net.layers)) if layer is None else (layer,)


# --- NaN / inf -----------------------------------------------------------------
def _describe_nonfinite(a: np.ndarray) -> str:
    bad = ~np.isfinite(a)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    return f"{n_nan} NaN and {n_inf} ±inf of {a.size} values, the first at index {first}"


class NonFinite(Breakpoint):
    """Checked cheaply where NaN/inf shows up: the loss (a non-finite forward
    value reaches it) and the last thing the backward pass computes, layer 0's
    ∂E/∂input or, when that is skipped, its gradients (a non-finite δ anywhere
    in the backward pass reaches them, as inf·0 = NaN) — before the update.
    Inputs and edits are checked when given. On a hit, the arrays are searched
    in the order they were computed to name the first layer and array holding one."""
    kind = "nonfinite"
    stages = frozenset({"loss", "backward"})

    def check(self, stage, dbg):
        st, net = dbg.state, dbg.net
        if stage == "loss":
            if math.isfinite(st.loss):
                return None
            named = [(i, k, c[k]) for i, c in enumerate(st.caches) for k in ("net", "out")
                     if c.get(k) is not None]
            biggest = float(np.max(np.abs(st.z)))
            return self._first(named, net, "forward") or self.hit(
                f"The loss is {st.loss}: the outputs are finite but reach {biggest:.3g}, and the "
                f"loss overflowed. The weights have diverged; step back to watch them grow, and "
                f"try a smaller learning rate.", st.loss, None, "loss")
        lowest = [st.dxs[0]] if st.dxs[0] is not None else list(st.grads[0].values())
        if all(math.isfinite(a.sum()) or np.isfinite(a).all() for a in lowest):
            return None
        named = []                           # as computed: layer n−1 first, ∂E/∂out before its grads
        for i in range(len(net.layers) - 1, -1, -1):
            named.append((i, "∂E/∂out", st.douts[i]))
            named += [(i, f"grads[{k!r}]", g) for k, g in st.grads[i].items()]
        return self._first(named, net, "backward")

    def _first(self, named, net, where):
        for i, name, a in named:
            if not np.isfinite(a).all():
                return self.hit(f"Non-finite values in layer {i} ({net.layers[i]!r}) {where}, "
                                f"array {name}: {_describe_nonfinite(a)}. Step back to see how the "
                                f"values grew; a smaller learning rate often cures it.", math.nan, i, name)
        return None


# --- the loss --------------------------------------------------------------------
class LossAbove(Breakpoint):
    kind = "loss_above"
    stages = frozenset({"loss"})

    def __init__(self, value: float):
        super().__init__()
        self.value = _number(value, "value", self.kind)

    def check(self, stage, dbg):
        loss = dbg.state.loss
        if loss > self.value:
            return self.hit(f"The loss {loss:.6g} is above {self.value:g}.", loss, None, "loss")
        return None


class LossRising(Breakpoint):
    kind = "loss_rising"
    stages = frozenset({"loss"})

    def __init__(self, iterations: int = 3):
        super().__init__()
        self.iterations = _count(iterations, "iterations", self.kind, low=1)

    def check(self, stage, dbg):
        k = self.iterations
        losses = dbg.watches.last_values("loss", k) + [dbg.state.loss]
        if len(losses) == k + 1 and all(b > a for a, b in zip(losses, losses[1:])):
            return self.hit(f"The loss rose {k} iterations in a row: "
                            f"{' → '.join(f'{v:.4g}' for v in losses)}. The learning rate may be "
                            f"too large (the updates overshoot).", losses[-1], None, "loss")
        return None


# --- gradients -------------------------------------------------------------------
class _GradNorm(Breakpoint):
    stages = frozenset({"backward"})

    def __init__(self, threshold: float, layer: int | None = None):
        super().__init__()
        self.threshold = _number(threshold, "threshold", self.kind, low=0.0)
        self.layer = None if layer is None else _count(layer, "layer", self.kind)

    def check(self, stage, dbg):
        for i in _layers(dbg, self.layer):
            grads = dbg.state.grads[i]
            if grads:
                g = norm(grads.values())
                if self.trips(g):
                    return self.hit(self.message(i, dbg.net.layers[i], g), g, i, "grads")
        return None


class GradNormAbove(_GradNorm):
    kind = "grad_norm_above"

    def trips(self, g):
        return g > self.threshold

    def message(self, i, layer, g):
        return (f"Exploding gradient: layer {i} ({layer!r}) has ‖∂E/∂θ‖ = {g:.4g} > {self.threshold:g}. "
                f"Try a smaller learning rate or gradient clipping.")


class GradNormBelow(_GradNorm):
    kind = "grad_norm_below"

    def trips(self, g):
        return g < self.threshold

    def message(self, i, layer, g):
        return (f"Vanishing gradient: layer {i} ({layer!r}) has ‖∂E/∂θ‖ = {g:.4g} < {self.threshold:g}. "
                f"Saturating activations (sigmoid/tanh) in a deep stack shrink δ at every layer; "
                f"try ReLU or a better initialisation.")


# --- activations -----------------------------------------------------------------
class _UnitFraction(Breakpoint):
    """Hits when more than ``fraction`` of one layer's units are in a bad state.
    A subclass names the activations it watches (``acts``), measures the
    fraction of a layer's outputs (``measure``) and says what it means (``message``)."""
    stages = frozenset({"forward"})
    acts: tuple[str, ...] = ()

    def __init__(self, fraction: float = 0.5, layer: int | None = None):
        super().__init__()
        self.fraction = _number(fraction, "fraction", self.kind, 0.0, 1.0)
        self.layer = None if layer is None else _count(layer, "layer", self.kind)

    def check(self, stage, dbg):
        for i in _layers(dbg, self.layer):
            act = activation_name(dbg.net.layers[i])
            if act in self.acts:
                f = self.measure(dbg.state.outs[i], act)
                if f > self.fraction:
                    return self.hit(self.message(i, dbg.net.layers[i], act, f), f, i, "out")
        return None


class DeadReLU(_UnitFraction):
    kind = "dead_relu"
    acts = ("relu",)

    def measure(self, out, act):
        return dead_fraction(out)

    def message(self, i, layer, act, f):
        return (f"Dead ReLUs: {f:.0%} of layer {i}'s units ({layer!r}) output 0 for every sample "
                f"of the batch, so they get no gradient. Check the biases and the learning rate.")


class Saturated(_UnitFraction):
    kind = "saturated"
    acts = ("sigmoid", "tanh")

    def __init__(self, fraction: float = 0.5, layer: int | None = None, margin: float = 0.01):
        super().__init__(fraction, layer)
        self.margin = _number(margin, "margin", self.kind, 0.0, 0.5)

    def measure(self, out, act):
        return saturated_fraction(out, act, self.margin)

    def message(self, i, layer, act, f):
        return (f"Saturation: {f:.0%} of layer {i}'s {act} outputs lie within {self.margin:g} of "
                f"their bounds, where g′ ≈ 0 and gradients vanish.")


# --- places ----------------------------------------------------------------------
class _Count(Breakpoint):
    """Hits after the update that completes the ``n``-th iteration or epoch."""
    stages = frozenset({"update"})

    def __init__(self, n: int):
        super().__init__()
        self.n = _count(n, "n", self.kind, low=1)

    def check(self, stage, dbg):
        return self.hit(self.message(), self.n) if self.reached(dbg) else None


class AtIteration(_Count):
    kind = "iteration"

    def reached(self, dbg):
        return dbg.iteration == self.n

    def message(self):
        return f"Reached iteration {self.n}."


class AtEpoch(_Count):
    kind = "epoch"

    def reached(self, dbg):
        return dbg.epoch == self.n and dbg.batch == 0      # the counters have moved to the next epoch

    def message(self):
        return f"Finished epoch {self.n}."


class EnterLayer(Breakpoint):
    kind = "enter_layer"
    stages = frozenset({"enter"})

    def __init__(self, layer: int, phase: str = "forward"):
        super().__init__()
        self.layer = _count(layer, "layer", self.kind)
        if phase not in ("forward", "backward"):
            raise ConfigError(f"Breakpoint 'enter_layer': phase must be 'forward' or 'backward', "
                              f"got {phase!r}.")
        self.phase = phase

    def check(self, stage, dbg):
        if dbg.cursor_phase == self.phase and dbg.cursor_layer == self.layer:
            return self.hit(f"Entering layer {self.layer} ({dbg.net.layers[self.layer]!r}) "
                            f"in the {self.phase} pass.", self.layer, self.layer)
        return None


KINDS: dict[str, type[Breakpoint]] = {cls.kind: cls for cls in (
    NonFinite, LossAbove, LossRising, GradNormAbove, GradNormBelow, DeadReLU, Saturated,
    AtIteration, AtEpoch, EnterLayer)}


def make_breakpoint(kind, **settings) -> Breakpoint:
    """A breakpoint from its kind and settings (see the table above)."""
    if isinstance(kind, Breakpoint):
        if settings:
            raise ConfigError("Give either a Breakpoint object or a kind with settings, not both.")
        return kind
    if kind not in KINDS:
        raise ConfigError(f"Unknown breakpoint kind {kind!r}. Choose one of: {', '.join(KINDS)}.")
    try:
        return KINDS[kind](**settings)
    except TypeError as e:
        raise ConfigError(f"Breakpoint {kind!r}: {e}. See core.breakpoints for its settings.") from None
