"""Per-iteration series of chosen statistics, for plotting, and the statistics
themselves (breakpoints use the same functions).

    dbg.watches.add("grad_norm", layer=1)          # returns the key "grad_norm[1]"
    dbg.watches.add("param", layer=1, param="W", index=(0, 0))   # "param[1].W[0, 0]"
    iters, values = dbg.watches.series("grad_norm[1]")

Statistics (one value per completed iteration, on that iteration's batch):

* ``"loss"``          — E of the batch (always watched)
* ``"accuracy"``      — fraction of samples classified right, as :mod:`core.metrics`
  counts it for the network's task (the Trainer's accuracy); NaN for a
  regression task such as the lecture's 2-2-2, which has no accuracy
* ``"grad_norm"``     — ‖∂E/∂θ‖₂ over all parameters of ``layer``
* ``"weight_norm"``   — ‖θ‖₂ over all parameters of ``layer`` after the update
* ``"dead_fraction"`` — fraction of ``layer``'s ReLU units that output 0 for every sample
* ``"param"``         — ``layer``'s parameter ``param`` at ``index`` after the update

Each series keeps the last ``maxlen`` points (default 10,000). Stepping back
over an iteration removes its points.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from . import metrics
from .errors import ConfigError, ShapeError

STATS = ("loss", "accuracy", "grad_norm", "weight_norm", "dead_fraction", "param")
_PER_LAYER = ("grad_norm", "weight_norm", "dead_fraction", "param")


# --- statistics -----------------------------------------------------------------
def norm(arrays) -> float:
    """‖·‖₂ over several arrays taken together: √(Σ a²)."""
    return float(np.sqrt(sum(float(np.vdot(a, a)) for a in arrays)))


def activation_name(layer) -> str | None:
    """The name of the function a layer ends in ("relu", "sigmoid", ...), or None."""
    act = getattr(layer, "activation", None)
    return None if act is None else act.name


def dead_fraction(out: np.ndarray) -> float:
    """Fraction of units (elements of one sample's output) that are ≤ 0 for every
    sample of the batch: a ReLU unit that outputs 0 for every sample gets no gradient."""
    alive = (out > 0).any(axis=0)
    return 1.0 - float(alive.mean())


def saturated_fraction(out: np.ndarray, activation: str, margin: float) -> float:
    """Fraction of outputs (over the batch) in the flat tails of a sigmoid
    (out < margin or out > 1 − margin) or a tanh (|out| > 1 − margin)."""
    if activation == "sigmoid":
        flat = (out < margin) | (out > 1.0 - margin)
    else:
        flat = np.abs(out) > 1.0 - margin
    return float(flat.mean())


def accuracy(net, out: np.ndarray, target: np.ndarray) -> float:
    """Fraction of samples classified right for ``net``'s task; NaN for regression."""
    value = metrics.accuracy(out, target, metrics.task_kind(net, target))
    return math.nan if value is None else value


# --- series ---------------------------------------------------------------------
class Watches:
    """The series watched on ``net`` (the debugger's ``watches``)."""

    def __init__(self, net, maxlen: int = 10_000):
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 2:
            raise ConfigError(f"A watch keeps at least 2 points; got maxlen={maxlen!r}.")
        self.net = net
        self.maxlen = maxlen
        self._specs: dict[str, tuple] = {}
        self._points: dict[str, deque] = {}
        self.add("loss")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def add(self, stat: str, layer: int | None = None, param: str | None = None, index=None) -> str:
        """Watch ``stat`` (see the module docstring) and return its key."""
        if stat not in STATS:
            raise ConfigError(f"Unknown watch {stat!r}. Choose one of: {', '.join(STATS)}.")
        if stat in _PER_LAYER and layer is None:
            raise ConfigError(f"The watch {stat!r} needs a layer index.")
        if stat == "param":
            if param is None or index is None:
                raise ConfigError("A 'param' watch needs param (e.g. 'W') and index (e.g. (0, 0)).")
            index = tuple(np.atleast_1d(index).tolist())
            if not all(isinstance(i, int) for i in index):
                raise ConfigError(f"A 'param' watch's index is whole numbers, like (0, 1); got {index!r}.")
        if layer is not None:
            check_param_index(self.net, layer, param, index)
        key = stat if layer is None else f"{stat}[{layer}]"
        if stat == "param":
            key += f".{param}[{', '.join(map(str, index))}]"
        if key not in self._specs:
            self._points[key] = deque(maxlen=self.maxlen)
            self._specs[key] = (stat, layer, param, index)
        return key

    def remove(self, key: str) -> None:
        if key == "loss":
            raise ConfigError("The loss is always watched.")
        self._check_key(key)
        del self._specs[key], self._points[key]

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """``(iterations, values)`` of one watch, oldest first."""
        self._check_key(key)
        points = list(self._points[key])
        if not points:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        it, val = zip(*points)
        return np.array(it, dtype=np.int64), np.array(val, dtype=np.float64)

    def last_values(self, key: str, n: int) -> list[float]:
        """Up to ``n`` latest values of ``key``, oldest first."""
        points = self._points[key]
        start = max(0, len(points) - n)
        return [points[i][1] for i in range(start, len(points))]

    def record(self, iteration: int, state) -> None:
        """Append one point to every series from a finished iteration ``state``
        (its ``loss``, ``outs``, ``yb``, ``grads``). A watch added meanwhile from
        another thread starts at the next iteration."""
        for key, (stat, layer, param, index) in list(self._specs.items()):
            self._points[key].append((iteration, _value(stat, layer, param, index, self.net, state)))

    def truncate(self, iteration: int) -> None:
        """Drop points of iterations ≥ ``iteration`` (stepping back)."""
        for points in self._points.values():
            while points and points[-1][0] >= iteration:
                points.pop()

    def _check_key(self, key):
        if key not in self._specs:
            raise ConfigError(f"No watch named {key!r}; watched: {', '.join(self._specs)}.")


def _value(stat, layer, param, index, net, state) -> float:
    if stat == "loss":
        return state.loss
    if stat == "accuracy":
        return accuracy(net, state.outs[-1], state.yb)
    if stat == "grad_norm":
        return norm(state.grads[layer].values())
    if stat == "weight_norm":
        return norm(net.layers[layer].params.values())
    if stat == "dead_fraction":
        return dead_fraction(state.outs[layer])
    return float(net.layers[layer].params[param][index])


def check_param_index(net, layer: int, param: str | None, index) -> None:
    """Raise ConfigError / ShapeError unless ``net.layers[layer].params[param][index]`` exists."""
    n = len(net.layers)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < n:
        raise ConfigError(f"Layer index {layer!r} is out of range: the network has layers 0..{n - 1}.")
    if param is None:
        return
    lay = net.layers[layer]
    if param not in lay.params:
        have = ", ".join(lay.params) or "no parameters"
        raise ConfigError(f"Layer {layer} ({lay!r}) has no parameter {param!r}; it has {have}.")
    shape = lay.params[param].shape
    if index is None:
        return
    if len(index) != len(shape) or any(not 0 <= i < s for i, s in zip(index, shape)):
        raise ShapeError(f"Index {tuple(index)} does not fit layer {layer}'s {param} of shape {shape}: "
                         f"give {len(shape)} indices, each from 0 to its size − 1.")
