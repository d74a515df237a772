"""A standalone activation layer: ``out = g(x)`` elementwise (softmax: over the last axis).

Backward: ∂E/∂x = ∂E/∂out · g′(x). Here ``net`` is the layer's input.
"""
from __future__ import annotations

from ..activations import get_activation
from .base import Layer


class Activation(Layer):
    def __init__(self, name: str):
        super().__init__()
        self.activation = get_activation(name)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False, rng=None):
        out = self.activation.forward(x)
        return out, {"x": x, "net": x, "out": out}

    def forward_logits(self, x):
        """``(net, cache)`` without g: for a softmax fused into cross-entropy (net = x)."""
        return x, {"x": x, "net": x}

    def backward(self, dout, cache):
        return self.activation.backward(dout, cache["net"], cache["out"]), {}

    def backward_delta(self, delta, cache):
        """Softmax fused into cross-entropy hands us ∂E/∂net = ∂E/∂x already."""
        return delta, {}

    def config(self):
        return {"name": self.activation.name}
