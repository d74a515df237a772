"""The chain rule for one parameter entry, with its numbers.

For a weight w of a layer computing net = f(x; w) and out = g(net), every
output position p that w feeds contributes one term:

    ∂E/∂w = Σₚ ∂E/∂net_p · ∂net_p/∂w           with ∂E/∂net_p = ∂E/∂out_p · ∂out_p/∂net_p

A dense weight W[a, j] with a batch of one has a single term, the lecture's

    ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = 0.741 · 0.187 · 0.593 = 0.082

and, in a hidden layer followed by a dense layer, ∂E/∂out_j is itself the sum
over the paths through the next layer's units k: Σₖ δₖ · W_next[j, k]. A conv
weight has one term per sample and output position of its channel; those are
summarised (how many, the largest).

∂net/∂w is obtained from the layer itself: net is linear in the parameters,
so running the layer's forward with that parameter set to a one-hot array
(1 at ``index``) and every other parameter to zero gives ∂net_p/∂w at every p.
Such runs use copies of the layers (:func:`with_params`): the network itself
is never touched.

Beside the analytic value: a centred finite difference of the loss, replayed on
the same batch with the same dropout masks,

    (−E(w + 2h) + 8 E(w + h) − 8 E(w − h) + E(w − 2h)) / 12h      (fourth order: error O(h⁴))

and the relative difference |analytic − numeric| / max(|analytic|, |numeric|).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .layers.base import ParamDict
from .layers.dense import Dense
from .layers.pooling import MaxPool2D

#: how many of the largest terms a summary lists
TOP_TERMS = 5
KINK_NOTE = ("ReLU and max-pooling have kinks: a finite difference whose steps cross one "
             "disagrees with the gradient, which is still right")


@dataclass(frozen=True)
class Factor:
    """One factor of the product. ``kind`` is "dE/dout", "dout/dnet", "dnet/dw" or
    "delta" (∂E/∂net, used when softmax is fused into cross-entropy);
    ``unit`` is the output unit (neuron or channel) of layer ``layer`` it belongs to."""
    kind: str
    layer: int
    unit: int
    value: float


@dataclass(frozen=True)
class Path:
    """∂E/∂out_j of a hidden unit through one unit ``unit`` of the next (dense)
    layer ``layer``: ``delta`` · ``weight`` = ``product``."""
    layer: int
    unit: int
    delta: float
    weight: float
    product: float


@dataclass(frozen=True)
class Term:
    """One term ∂E/∂net_p · ∂net_p/∂w at ``position`` (sample, unit[, row, column])."""
    position: tuple[int, ...]
    delta: float
    dnet_dw: float
    product: float


UnitName = Callable[[int, int], str]
WeightName = Callable[[int, str, tuple], str]


def default_unit_name(layer: int, unit: int) -> str:
    return f"({layer},{unit})"


def default_weight_name(layer: int, name: str, index: tuple) -> str:
    return f"{name}{layer}[{','.join(map(str, index))}]"


@dataclass(frozen=True, eq=False)
class Explanation:
    """∂E/∂θ for ``param_name[index]`` of layer ``layer_index``.

    ``value`` is the gradient the backward pass computed. ``factors`` are the
    chain-rule factors when there is a single term (else empty), ``paths`` the
    sum behind ∂E/∂out of a hidden unit (else empty), ``n_terms`` how many
    terms the sum has, ``top_terms`` the largest of them by size.
    ``finite_difference`` and ``relative_difference`` check ``value`` (NaN when
    the check was skipped); ``note`` explains a large difference when the network
    has kinks, and says that no gradient flows when a step layer lies between the
    parameter and the loss; ``text`` is :meth:`format` with the default names."""
    layer_index: int
    param_name: str
    index: tuple[int, ...]
    value: float
    factors: tuple[Factor, ...]
    paths: tuple[Path, ...]
    n_terms: int
    top_terms: tuple[Term, ...]
    finite_difference: float
    relative_difference: float
    note: str
    text: str

    def format(self, unit_name: UnitName = default_unit_name,
               weight_name: WeightName = default_weight_name, digits: int = 3) -> str:
        """One line in the lecture's style; ``unit_name(layer, unit)`` and
        ``weight_name(layer, name, index)`` choose the names (the GUI maps them to h1, w5, …)."""
        return _format(self, unit_name, weight_name, digits)


def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}g}"


def _symbol(f: Factor, w: str, unit_name: UnitName) -> str:
    u = unit_name(f.layer, f.unit)
    return {"dE/dout": f"∂E/∂out_{u}", "dout/dnet": f"∂out_{u}/∂net_{u}",
            "dnet/dw": f"∂net_{u}/∂{w}", "delta": f"∂E/∂net_{u}"}[f.kind]


def _format(e: Explanation, unit_name, weight_name, digits) -> str:
    w = weight_name(e.layer_index, e.param_name, e.index)
    lhs = f"∂E/∂{w}"
    check = "" if math.isnan(e.finite_difference) else (
        f"  [finite difference {_num(e.finite_difference, 6)}, "
        f"relative difference {e.relative_difference:.1e}{'; ' + e.note if e.note else ''}]")
    if e.factors:
        symbols = " · ".join(_symbol(f, w, unit_name) for f in e.factors)
        numbers = " · ".join(_num(f.value, digits) for f in e.factors)
        line = f"{lhs} = {symbols} = {numbers} = {_num(e.value, digits)}"
        if e.paths:
            u = unit_name(e.factors[0].layer, e.factors[0].unit)
            nxt = e.paths[0].layer
            sym = " + ".join(f"δ_{unit_name(p.layer, p.unit)}·{weight_name(nxt, 'W', (e.factors[0].unit, p.unit))}"
                             for p in e.paths)
            nums = " + ".join(f"{_num(p.delta, digits)} · {_num(p.weight, digits)}" for p in e.paths)
            line += f", where ∂E/∂out_{u} = {sym} = {nums}"
        return line + check
    if e.n_terms == 0:
        return f"{lhs} = 0: {w} feeds no output of this batch" + check
    tops = ", ".join(f"{_num(t.product, digits)} at {t.position}" for t in e.top_terms)
    return (f"{lhs} = Σ over {e.n_terms} terms ∂E/∂net · ∂net/∂{w} = {_num(e.value, digits)}; "
            f"largest terms: {tops}" + check)


# --- computing -------------------------------------------------------------------
def with_params(layer, params: dict):
    """A shallow copy of ``layer`` that computes with ``params``. The layer itself
    is not touched, so this is safe while another thread trains it."""
    clone = copy.copy(layer)
    clone.params = ParamDict(clone)
    for k, a in params.items():
        clone.params.set_array(k, a)
    return clone


def dnet_dparam(layer, params_used: dict, name: str, index: tuple, x: np.ndarray) -> np.ndarray:
    """∂net/∂θ at every output position, shape of net: the layer's forward with
    θ = one-hot at ``index`` and every other parameter zero (net is linear in them)."""
    basis = {k: np.zeros_like(a) for k, a in params_used.items()}
    basis[name][index] = 1.0
    return with_params(layer, basis).forward(x, False, None)[1]["net"]


def loss_with(net, st, layer_index: int, name: str, index: tuple, value: float) -> float:
    """The loss of pass ``st`` (same batch, same dropout masks, the parameters its
    forward pass used) with one parameter entry set to ``value``."""
    changed = np.array(st.params_used[layer_index][name], copy=True)
    changed[index] = value
    rng = np.random.default_rng()
    rng.bit_generator.state = st.rng_state
    out, caches = st.xb, []
    for i, (layer, used) in enumerate(zip(net.layers, st.params_used)):
        out, cache = with_params(layer, {**used, name: changed} if i == layer_index else used) \
            .forward(out, True, rng)
        caches.append(cache)
    return net.loss.value(net.loss_input(out, caches), st.yb)


def finite_difference(net, st, layer_index: int, name: str, index: tuple) -> float:
    """Fourth-order centred difference of the loss in one parameter entry."""
    w = float(st.params_used[layer_index][name][index])
    h = (1e-4 if net.dtype == np.float64 else 1e-2) * max(1.0, abs(w))
    e = {k: loss_with(net, st, layer_index, name, index, w + k * h) for k in (-2, -1, 1, 2)}
    return (-e[2] + 8.0 * e[1] - 8.0 * e[-1] + e[-2]) / (12.0 * h)


def explain(net, st, fwd, bwd, layer_index: int, name: str, index: tuple, check: bool = True) -> Explanation:
    """Build the :class:`Explanation` from pass ``st`` and its forward (``fwd``) and
    backward (``bwd``) layer records (``bwd[i]`` None where not computed); with
    ``check``, add the finite difference."""
    layer, b = net.layers[layer_index], bwd[layer_index]
    value = float(b.grads[name][index])
    used = st.params_used[layer_index]
    x = st.inputs[layer_index]
    dnet = dnet_dparam(layer, used, name, index, x)
    feeds = dnet_dparam(layer, used, name, index, np.ones_like(x)) != 0
    positions = np.argwhere(feeds)
    delta = b.delta
    products = delta[feeds] * dnet[feeds]
    order = np.argsort(-np.abs(products), kind="stable")[:TOP_TERMS]
    top = tuple(Term(tuple(int(i) for i in positions[k]), float(delta[tuple(positions[k])]),
                     float(dnet[tuple(positions[k])]), float(products[k])) for k in order)
    factors, paths = (), ()
    if len(positions) == 1:
        pos = tuple(int(i) for i in positions[0])
        unit = pos[1]
        act = getattr(layer, "activation", None)
        if b.dout is None or (act is not None and act.name == "softmax"):
            # softmax couples its units: ∂E/∂net_j is a sum over all outputs, not one product
            factors = (Factor("delta", layer_index, unit, float(delta[pos])),)
        else:
            factors = (Factor("dE/dout", layer_index, unit, float(b.dout[pos])),
                       Factor("dout/dnet", layer_index, unit, float(b.dout_dnet[pos])))
        factors += (Factor("dnet/dw", layer_index, unit, float(dnet[pos])),)
        paths = _paths(net, fwd, bwd, layer_index, pos)
    fd = finite_difference(net, st, layer_index, name, index) if check else math.nan
    scale = max(abs(value), abs(fd))
    rel = math.nan if not check else 0.0 if scale == 0.0 else abs(value - fd) / scale
    note = "; ".join(n for n in (KINK_NOTE if rel > 1e-4 and _has_kinks(net) else "",
                                  _step_note(net, layer_index)) if n)
    e = Explanation(layer_index, name, index, value, factors, paths, len(positions), top, fd, rel, note, "")
    object.__setattr__(e, "text", e.format())
    return e


def _step_note(net, layer_index: int) -> str:
    """The step activation's note (its derivative is 0, so no gradient flows) when a
    step layer lies between parameter ``layer_index`` and the loss."""
    for layer in net.layers[layer_index:]:
        act = getattr(layer, "activation", None)
        if act is not None and act.name == "step":
            return act.note
    return ""


def _has_kinks(net) -> bool:
    """True when some layer is piecewise linear (ReLU, step, max-pooling)."""
    return any(isinstance(layer, MaxPool2D) or getattr(getattr(layer, "activation", None), "name", "")
               in ("relu", "step") for layer in net.layers)


def _paths(net, fwd, bwd, layer_index, pos) -> tuple[Path, ...]:
    """The terms of ∂E/∂out_j = Σₖ δₖ · W_next[j, k] when the next layer is dense."""
    nxt = layer_index + 1
    if nxt >= len(net.layers) or not isinstance(net.layers[nxt], Dense) or bwd[nxt] is None \
            or len(pos) != 2:
        return ()
    n, j = pos
    w_next = fwd[nxt].params["W"]
    delta = bwd[nxt].delta
    return tuple(Path(nxt, k, float(delta[n, k]), float(w_next[j, k]), float(delta[n, k] * w_next[j, k]))
                 for k in range(delta.shape[1]))
