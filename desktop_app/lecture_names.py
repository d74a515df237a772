"""Names of units and weights as the lecture writes them.

For the lecture's 2-2-2 network (two inputs i1, i2; hidden h1, h2; outputs
o1, o2) weights are named w1..w8 and biases b1, b2, with dense weights stored
as ``W[from, to]``:

    layer 0:  w1 = W[0, 0] (i1→h1)  w2 = W[1, 0] (i2→h1)  w3 = W[0, 1] (i1→h2)  w4 = W[1, 1] (i2→h2)
    layer 1:  w5 = W[0, 0] (h1→o1)  w6 = W[1, 0] (h2→o1)  w7 = W[0, 1] (h1→o2)  w8 = W[1, 1] (h2→o2)

The lecture's perceptron (2 inputs, one Dense unit) is ŷ = g(θ₀ + x₁θ₁ + x₂θ₂):
inputs x1, x2, output ŷ, weights θ1 = W[0, 0], θ2 = W[1, 0] and bias θ0.

Any other network gets systematic names, counted from 0 like the layers in the
layer list: unit j of layer l is ``L{l}:{j}``, input j is ``x{j}`` and a weight
``W{l}[i,j]``.
"""
from __future__ import annotations

from core.layers.dense import Dense

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

_LECTURE_UNITS = {-1: ("i1", "i2"), 0: ("h1", "h2"), 1: ("o1", "o2")}
_LECTURE_WEIGHTS = {(0, (0, 0)): "w1", (0, (1, 0)): "w2", (0, (0, 1)): "w3", (0, (1, 1)): "w4",
                    (1, (0, 0)): "w5", (1, (1, 0)): "w6", (1, (0, 1)): "w7", (1, (1, 1)): "w8"}


def subscript_digits(text: str) -> str:
    """``"w5"`` → ``"w₅"``: digits as Unicode subscripts."""
    return text.translate(_SUBSCRIPT)


def is_lecture_network(layers, input_shape) -> bool:
    """True for the lecture's shape of network: 2 inputs, two Dense layers of 2 units."""
    return (tuple(input_shape) == (2,) and len(layers) == 2
            and all(isinstance(layer, Dense) and layer.units_count == 2 for layer in layers))


def is_perceptron(layers, input_shape) -> bool:
    """True for the lecture's perceptron: 2 inputs, one Dense layer of one unit."""
    return (tuple(input_shape) == (2,) and len(layers) == 1
            and isinstance(layers[0], Dense) and layers[0].units_count == 1)


class Names:
    """Names for one network's units and parameters (the lecture's for its 2-2-2
    network and its perceptron)."""

    def __init__(self, layers, input_shape):
        self.lecture = is_lecture_network(layers, input_shape)
        self.perceptron = is_perceptron(layers, input_shape)

    def unit(self, layer: int, unit: int) -> str:
        """Name of unit ``unit`` of layer ``layer``; layer −1 is the input."""
        if self.lecture:
            return _LECTURE_UNITS[layer][unit]
        if self.perceptron:
            return f"x{unit + 1}" if layer < 0 else "ŷ"
        if layer < 0:
            return f"x{unit}"
        return f"L{layer}:{unit}"

    def param(self, layer: int, param: str, index: tuple[int, ...]) -> str:
        """Name of one parameter entry, e.g. ``w5``, ``θ1``, ``b1`` or ``W2[0,1]``."""
        index = tuple(int(i) for i in index)
        if self.lecture:
            if param == "W":
                return _LECTURE_WEIGHTS[(layer, index)]
            if param == "b":
                return f"b{layer + 1}"
        if self.perceptron:
            return f"θ{index[0] + 1}" if param == "W" else "θ0"
        return f"{param}{layer}[{','.join(map(str, index))}]"

    @property
    def named(self) -> bool:
        """True when the network has the lecture's own names."""
        return self.lecture or self.perceptron
