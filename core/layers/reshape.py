"""Flatten: turn each sample into one long vector, so a Dense layer can follow
image layers.

    x   : (N, C, H, W)   (any sample shape)
    out : (N, C·H·W)     out[n] = x[n].ravel(), row-major: channel, then row, then column

Backward only undoes the reshape: ∂E/∂x = ∂E/∂out reshaped to x's shape.
"""
from __future__ import annotations

import numpy as np

from .base import Layer


class Flatten(Layer):
    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False, rng=None):
        out = x.reshape(x.shape[0], -1)
        return out, {"x": x, "out": out}

    def backward(self, dout, cache):
        return dout.reshape(cache["x"].shape), {}

    def __repr__(self):
        return "Flatten()"
