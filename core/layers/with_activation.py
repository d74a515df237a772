"""Shared forward/backward for layers that compute ``net`` then ``out = g(net)``
(:class:`~core.layers.dense.Dense` and :class:`~core.layers.conv.Conv2D`).

A subclass provides ``affine_forward(x) -> net`` and
``affine_backward(delta, cache) -> (dx, grads)`` where ``delta = ∂E/∂net``.
The cache holds ``x``, ``net`` and ``out`` — the values the lecture's slides print.
"""
from __future__ import annotations

from ..activations import get_activation


class WithActivation:
    def set_activation(self, name) -> None:
        self.activation = get_activation(name)

    def forward(self, x, training=False, rng=None):
        net = self.affine_forward(x)
        out = net if self.activation.name == "identity" else self.activation.forward(net)
        return out, {"x": x, "net": net, "out": out}

    def forward_logits(self, x):
        """``(net, cache)`` without g: for a softmax fused into cross-entropy, whose
        loss takes ``net`` and never needs the softmax output."""
        net = self.affine_forward(x)
        return net, {"x": x, "net": net}

    def backward(self, dout, cache):
        """(∂E/∂x, grads) from ∂E/∂out."""
        if self.activation.name == "identity":
            return self.affine_backward(dout, cache)
        return self.affine_backward(self.activation.backward(dout, cache["net"], cache["out"]), cache)

    def backward_delta(self, delta, cache):
        """(∂E/∂x, grads) from δ = ∂E/∂net directly: used when softmax is fused into cross-entropy."""
        return self.affine_backward(delta, cache)

    def backward_params(self, dout, cache):
        """Only the parameter gradients of ``backward``, skipping ∂E/∂x: for the first
        layer, whose input gradient no one uses. Needs ``param_grads(delta, cache)``."""
        if self.activation.name == "identity":
            return self.param_grads(dout, cache)
        return self.param_grads(self.activation.backward(dout, cache["net"], cache["out"]), cache)
