"""Names of units and weights as the lecture writes them.

For the lecture's 2-2-2 network (two inputs i1, i2; hidden h1, h2; outputs
o1, o2) weights are named w1..w8 and biases b1, b2, with dense weights stored
as ``W[from, to]``:

    layer 0:  w1 = W[0, 0] (i1→h1)  w2 = W[1, 0] (i2→h1)  w3 = W[0, 1] (i1→h2)  w4 = W[1, 1] (i2→h2)
    layer 1:  w5 = W[0, 0] (h1→o1)  w6 = W[1, 0] (h2→o1)  w7 = W[0, 1] (h1→o2)  w8 = W[1, 1] (h2→o2)

Any other network gets systematic names: unit j of layer l is ``L{l+1}.{j+1}``,
its input ``x{j+1}`` and a weight ``W{l+1}[i,j]``.
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


class Names:
    """Names for one network's units and parameters (lecture names when it is the 2-2-2 net)."""

    def __init__(self, layers, input_shape):
        self.lecture = is_lecture_network(layers, input_shape)

    def unit(self, layer: int, unit: int) -> str:
        """Name of unit ``unit`` of layer ``layer``; layer −1 is the input."""
        if self.lecture:
            return _LECTURE_UNITS[layer][unit]
        if layer < 0:
            return f"x{unit + 1}"
        return f"L{layer + 1}.{unit + 1}"

    def param(self, layer: int, param: str, index: tuple[int, ...]) -> str:
        """Name of one parameter entry, e.g. ``w5`` or ``W2[0,1]`` or ``b1``."""
        index = tuple(int(i) for i in index)
        if self.lecture:
            if param == "W":
                return _LECTURE_WEIGHTS[(layer, index)]
            if param == "b":
                return f"b{layer + 1}"
        return f"{param}{layer + 1}[{','.join(map(str, index))}]"
