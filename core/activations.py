"""Activation functions g(net), their derivatives, and their formulas as text.

Each activation is an :class:`ActivationFn` with

* ``forward(net) -> out``                  out = g(net), elementwise (softmax: per row)
* ``backward(dout, net, out) -> dnet``     dE/dnet = dE/dout * g'(net)  (softmax: Jacobian product)
* ``derivative(net, out) -> g'(net)``      the elementwise factor dout/dnet shown by the debugger
* ``formula`` / ``derivative_formula``     Unicode text the GUI displays

Arrays may have any shape; softmax works over the last axis.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class ActivationFn:
    name: str
    formula: str
    derivative_formula: str
    _forward: Callable[[np.ndarray], np.ndarray]
    _derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    note: str = ""

    def forward(self, net: np.ndarray) -> np.ndarray:
        return self._forward(net)

    def derivative(self, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        """dout/dnet, elementwise. For softmax this is the diagonal of the Jacobian, out·(1 − out)."""
        return self._derivative(net, out)

    def backward(self, dout: np.ndarray, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        """dE/dnet from dE/dout (chain rule through g)."""
        return dout * self._derivative(net, out)

    def __repr__(self) -> str:
        return f"{self.name}: {self.formula}"


class _Softmax(ActivationFn):
    def backward(self, dout, net, out):
        # Jacobian-vector product: dnet_i = out_i · (dout_i − Σ_j dout_j · out_j)
        return out * (dout - np.sum(dout * out, axis=-1, keepdims=True))


class _ReLU(ActivationFn):
    def backward(self, dout, net, out):
        # dout · g′(net) with the 0/1 factor as a boolean: one multiply, no float mask
        return dout * (net > 0)


def _sigmoid(net):
    # 1 / (1 + e^(−net)) written as exp(−log(1 + e^(−net))): never overflows.
    return np.exp(-np.logaddexp(0.0, -net))


def _softmax(net):
    e = np.exp(net - net.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)   # in place: e is a new array of this call
    return e


def _step_derivative(net, out):
    return np.zeros_like(net)


ACTIVATIONS: dict[str, ActivationFn] = {
    fn.name: fn
    for fn in (
        ActivationFn("identity", "g(net) = net", "g′(net) = 1",
                     lambda net: net, lambda net, out: np.ones_like(net)),
        ActivationFn("step", "g(net) = 1 if net ≥ 0 else 0", "g′(net) = 0 (everywhere it exists)",
                     lambda net: (net >= 0).astype(net.dtype), _step_derivative,
                     note="The step function's derivative is 0 everywhere, so no gradient flows "
                          "through it: a step network cannot be trained by gradient descent."),
        ActivationFn("sigmoid", "g(net) = 1 / (1 + e^(−net))", "g′(net) = g(net) · (1 − g(net))",
                     _sigmoid, lambda net, out: out * (1.0 - out)),
        ActivationFn("tanh", "g(net) = (e^net − e^(−net)) / (e^net + e^(−net))", "g′(net) = 1 − g(net)²",
                     np.tanh, lambda net, out: 1.0 - out * out),
        _ReLU("relu", "g(net) = max(0, net)", "g′(net) = 1 if net > 0 else 0",
              lambda net: np.maximum(net, 0.0), lambda net, out: (net > 0).astype(net.dtype)),
        _Softmax("softmax", "g(net)ᵢ = e^(netᵢ) / Σⱼ e^(netⱼ)", "∂gᵢ/∂netⱼ = gᵢ · (δᵢⱼ − gⱼ)",
                 _softmax, lambda net, out: out * (1.0 - out)),
    )
}

# The lecture calls the sigmoid the logistic function.
_ALIASES = {"logistic": "sigmoid", "linear": "identity", "none": "identity"}


def get_activation(name: str | None) -> ActivationFn:
    """Look an activation up by name (``None`` means identity); unknown names raise ConfigError."""
    if name is None:
        return ACTIVATIONS["identity"]
    if isinstance(name, ActivationFn):
        return name
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ConfigError(f"Unknown activation {name!r}. Choose one of: {known}.")
    return ACTIVATIONS[key]
