"""Inverted dropout: while training, drop each unit with probability ``rate``
and scale the kept ones by 1 / (1 − rate), so the expected output equals the
input and nothing needs rescaling at inference.

    training:   mask = (u ≥ rate) / (1 − rate),  u ~ U[0, 1) per element
                out  = x · mask                  ∂E/∂x = ∂E/∂out · mask
    inference:  out  = x                         ∂E/∂x = ∂E/∂out

The mask (x's shape and dtype: 0 for a dropped unit, 1/(1 − rate) for a kept
one) is drawn from the ``rng`` passed to ``forward`` and kept in the cache as
``"mask"``, so a seeded generator gives a reproducible pass.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .base import Layer


class Dropout(Layer):
    def __init__(self, rate: float):
        super().__init__()
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating, np.integer)) \
                or not 0.0 <= rate < 1.0:
            raise ConfigError(f"Dropout: rate is the probability of dropping a unit and must lie in "
                              f"[0, 1) (0 keeps every unit, 0.5 drops half); got {rate!r}.")
        self.rate = float(rate)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False, rng=None):
        if not training or self.rate == 0.0:
            return x, {"x": x, "out": x, "mask": None}
        if rng is None:
            raise ConfigError("Dropout needs a random generator while training: "
                              "pass rng=np.random.default_rng(seed) to forward.")
        mask = (rng.random(x.shape, dtype=x.dtype) >= self.rate) * x.dtype.type(1.0 / (1.0 - self.rate))
        out = x * mask
        return out, {"x": x, "out": out, "mask": mask}

    def backward(self, dout, cache):
        mask = cache["mask"]
        return (dout if mask is None else dout * mask), {}

    def config(self):
        return {"rate": self.rate}
