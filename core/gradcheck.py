"""Gradient checking: compare backward's analytic gradients with centred
finite differences, in float64.

    numeric ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h          (error O(h²))
    relative error = |a − n| / max(|a|, |n|, tiny)             per element; the worst is reported

A correct float64 kernel gives relative errors around 1e-9 or smaller; a
wrong one usually gives something near 1. Inputs at a kink (ReLU at 0, two
equal maxima in a pooling window) break the check for every implementation:
keep test inputs away from them.

A layer's output is an array, so it is turned into a scalar with a fixed random
projection E = Σ out · R; then ∂E/∂out = R is the ``dout`` handed to backward.

    errors = check_layer(Conv2D(4, 3, stride=2), x)     # {"x": 3e-11, "W": 8e-11, "b": 2e-12}
    assert max(errors.values()) < 1e-7
"""
from __future__ import annotations

import math

import numpy as np

from .errors import ConfigError
from .layers.base import Layer
from .losses import get_loss

#: Denominator floor of the relative error, so that two zero gradients agree.
TINY = 1e-30


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences of ``f`` with respect to every element of ``x``.

    ``f()`` returns the scalar, or an array of terms whose sum is the scalar;
    terms are subtracted and summed exactly (``math.fsum``), so the terms that
    ``x[i]`` does not touch cancel and add no rounding error. ``x`` is changed
    in place one element at a time (and put back): ``f`` must read ``x`` itself."""
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ConfigError("numerical_gradient needs a contiguous array to perturb in place.")
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        plus = np.ravel(f())
        flat_x[i] = old - h
        minus = np.ravel(f())
        flat_x[i] = old
        flat_grad[i] = math.fsum(np.concatenate([plus, -minus])) / (2.0 * h)
    return grad


def relative_error(analytic, numeric, tiny: float = TINY) -> float:
    """Largest elementwise |a − n| / max(|a|, |n|, tiny); 0.0 for empty arrays."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ConfigError(f"Cannot compare gradients of shapes {a.shape} and {n.shape}.")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), tiny)))


def check_layer(layer: Layer, x, training: bool = False, seed: int = 0, h: float = 1e-5) -> dict[str, float]:
    """Relative errors of ``layer``'s ∂E/∂x (key ``"x"``) and of every parameter
    gradient, for E = Σ out · R with a random R.

    Builds the layer on ``x.shape[1:]`` in float64 (parameters of that shape
    and dtype are kept, others are replaced by fresh ones). Every forward pass gets a
    fresh ``np.random.default_rng(seed)``, so a dropout mask is the same in
    every evaluation."""
    x = np.array(x, dtype=np.float64)
    layer.build(x.shape[1:], np.random.default_rng(seed), np.float64)

    def forward():
        return layer.forward(x, training, np.random.default_rng(seed))

    out, cache = forward()
    projection = np.random.default_rng(seed + 1).standard_normal(out.shape)

    def energy():
        return forward()[0] * projection      # the terms of E

    dx, grads = layer.backward(projection, cache)
    errors = {"x": relative_error(dx, numerical_gradient(energy, x, h))}
    for name in layer.params:
        errors[name] = relative_error(grads[name], numerical_gradient(energy, layer.params[name], h))
    return errors


def check_loss(loss, out, y, h: float = 1e-5) -> float:
    """Relative error of ``loss.grad(out, y)`` against differences of ``loss.value``."""
    loss = get_loss(loss)
    out = np.array(out, dtype=np.float64)
    numeric = numerical_gradient(lambda: loss.value(out, y), out, h)
    return relative_error(loss.grad(out, y), numeric)


def check_network(net, x, y, training: bool = False, seed: int = 0, h: float = 1e-5) -> dict[str, float]:
    """Relative error of every parameter gradient of ``net.forward_backward``,
    keyed ``"layers[i].W"``. The loss is the network's own, so a fused
    softmax + cross-entropy is checked through the path training uses."""
    if net.dtype != np.float64:
        raise ConfigError(f"Gradient checks need float64, but the network is {net.dtype}: "
                          f"build it with dtype=np.float64.")
    x = net.check_input(x)

    def loss_terms():      # loss.value is the sum of these
        out, caches = net.forward_layers(x, training, np.random.default_rng(seed))
        return net.loss.terms(net.loss_input(out, caches), y) / x.shape[0]

    _, grads = net.forward_backward(x, y, training, np.random.default_rng(seed))
    errors = {}
    for i, layer in enumerate(net.layers):
        for name, param in layer.params.items():
            errors[f"layers[{i}].{name}"] = relative_error(grads[i][name],
                                                           numerical_gradient(loss_terms, param, h))
    return errors

