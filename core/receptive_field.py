"""Which input pixels an output cell depends on, and how a conv cell got its value.

**Receptive field.** A conv or pool layer with kernel ``k``, stride ``s`` and
``p`` rows of padding above the image computes output row ``i`` from input rows

    i·s − p  …  i·s − p + k − 1

so a block of output rows ``[r0, r1]`` reads input rows ``[r0·s − p, r1·s − p + k − 1]``
(columns likewise). Walking this back from the clicked cell to the input,
layer by layer, gives the set of input pixels the cell depends on — the
lecture's "set of image pixels that an intermediate output pixel depends on".
Rows that fall into a layer's padding hold zeros, not pixels, so the range is
clipped to each layer's input as it goes. Element-wise layers (activations,
dropout) keep the range; a layer that mixes all positions (Flatten, Dense,
GlobalAvgPool2D) makes every input pixel part of the field.

    field = receptive_field(net, layer_index=3, row=1, col=2)
    field.rows, field.cols        # half-open ranges [start, stop) on the input
    field.size                    # (height, width) of the field without clipping

**Dot product.** A conv output cell is ``net = Σ kernel · patch + bias``, the
lecture's "score at (x, y) = dot product (filter, image patch at (x, y))";
``conv_dot_product`` returns every term. ``max_pool_winner`` says which input
cell a max-pool cell copied.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError, ShapeError
from .layers.conv import Conv2D
from .layers.pooling import AvgPool2D, MaxPool2D


@dataclass(frozen=True)
class Window:
    """How a sliding-window layer reads its input, per axis (rows, columns)."""
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad_before: tuple[int, int]     # zero rows above / columns left of the image


@dataclass(frozen=True)
class ReceptiveField:
    """The input pixels one output cell depends on.

    ``rows`` / ``cols`` are half-open ranges ``[start, stop)`` on the network's
    input, clipped to the image (both ``(0, 0)`` for a cell whose window lies
    wholly on padding: it depends on no pixel); ``size`` is the textbook (unclipped) field size
    ``(height, width)``, which grows by ``(k − 1) · jump`` per layer, where
    ``jump`` is the product of the strides below that layer."""
    rows: tuple[int, int]
    cols: tuple[int, int]
    size: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the clipped field."""
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]


@dataclass(frozen=True)
class DotProduct:
    """Every term of one conv output cell, for input channels ``C`` and a ``kh × kw`` kernel.

    ``patch``, ``kernel`` and ``products`` are ``(C, kh, kw)``; ``kernel`` is the
    kernel as applied (turned by 180° in convolution mode); ``patch`` holds 0
    where the window lies on padding. ``total = products.sum() + bias`` is the
    cell's ``net``; ``top_left`` is the window's first input cell (row, col),
    negative when it starts in the padding."""
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    bias: float
    total: float
    top_left: tuple[int, int]


def layer_window(layer, input_shape) -> Window | None:
    """The sliding window of a conv or pooling layer on an input of
    ``input_shape`` (C, H, W), or None for any other layer."""
    if isinstance(layer, Conv2D):
        (top, _), (left, _) = layer.pads(input_shape)
        return Window(layer.kernel_size, layer.stride, (top, left))
    if isinstance(layer, (MaxPool2D, AvgPool2D)):
        return Window(layer.size, layer.stride, (0, 0))
    return None


def _elementwise(in_shape, out_shape) -> bool:
    return tuple(in_shape) == tuple(out_shape)


def receptive_field(network, layer_index: int, row: int, col: int) -> ReceptiveField:
    """The input pixels that cell ``(row, col)`` of layer ``layer_index``'s output depends on.

    Any channel of that cell has the same field (a conv layer reads all input
    channels). Raises ShapeError if the layer's output is not an image or the
    cell lies outside it."""
    shapes = [network.input_shape] + list(network.shapes)
    if not -len(network.layers) <= layer_index < len(network.layers):
        raise ConfigError(f"Layer {layer_index} does not exist: the network has "
                          f"{len(network.layers)} layers.")
    layer_index %= len(network.layers)
    out_shape = shapes[layer_index + 1]
    if len(out_shape) != 3:
        raise ShapeError(f"Layer {layer_index} outputs {out_shape}, not an image (C, H, W): "
                         f"its cells have no position on the input.")
    if not (0 <= row < out_shape[1] and 0 <= col < out_shape[2]):
        raise ShapeError(f"Cell ({row}, {col}) is outside layer {layer_index}'s "
                         f"{out_shape[1]} × {out_shape[2]} output.")
    span = [[row, row], [col, col]]          # inclusive [first, last] per axis
    size = [1, 1]
    for index in range(layer_index, -1, -1):
        layer, in_shape = network.layers[index], shapes[index]
        window = layer_window(layer, in_shape)
        if window is not None:
            for axis in (0, 1):
                k, s, p = window.kernel[axis], window.stride[axis], window.pad_before[axis]
                first, last = span[axis]
                if first <= last:            # an empty range (all padding) stays empty
                    span[axis] = [max(first * s - p, 0), min(last * s - p + k - 1, in_shape[axis + 1] - 1)]
                size[axis] = (size[axis] - 1) * s + k
        elif not _elementwise(in_shape, shapes[index + 1]):
            if len(in_shape) != 3:
                raise ShapeError(f"Layer {index} ({layer!r}) takes {in_shape}: cells before it "
                                 f"have no position on an image.")
            span = [[0, in_shape[1] - 1], [0, in_shape[2] - 1]]
            size = [in_shape[1], in_shape[2]]
    if span[0][0] > span[0][1] or span[1][0] > span[1][1]:
        return ReceptiveField((0, 0), (0, 0), tuple(size))
    return ReceptiveField((span[0][0], span[0][1] + 1), (span[1][0], span[1][1] + 1), tuple(size))


def _window_slices(window: Window, x: np.ndarray, row: int, col: int):
    """``(patch, top_left)``: the (C, kh, kw) input window under output cell
    (row, col) of the sample ``x`` (C, H, W), with zeros where it covers padding."""
    c, h, w = x.shape
    kh, kw = window.kernel
    top = row * window.stride[0] - window.pad_before[0]
    left = col * window.stride[1] - window.pad_before[1]
    patch = np.zeros((c, kh, kw), dtype=x.dtype)
    r0, r1 = max(top, 0), min(top + kh, h)
    c0, c1 = max(left, 0), min(left + kw, w)
    if r0 < r1 and c0 < c1:
        patch[:, r0 - top:r1 - top, c0 - left:c1 - left] = x[:, r0:r1, c0:c1]
    return patch, (top, left)


def _check_cell(layer, x, row, col):
    x = np.asarray(x)
    if x.ndim != 3:
        raise ShapeError(f"Give one input sample (C, H, W) of {layer!r}, got shape {x.shape}.")
    window = layer_window(layer, x.shape)
    if window is None:
        raise ConfigError(f"{layer!r} has no sliding window (it is not a conv or pooling layer).")
    _, ho, wo = layer.output_shape(x.shape)
    if not (0 <= row < ho and 0 <= col < wo):
        raise ShapeError(f"Cell ({row}, {col}) is outside {layer!r}'s {ho} × {wo} output.")
    return window, x


def conv_dot_product(layer, x, channel: int, row: int, col: int) -> DotProduct:
    """The terms of ``net[channel, row, col]`` of conv ``layer`` on one input sample ``x`` (C, H, W)."""
    window, x = _check_cell(layer, x, row, col)
    if not isinstance(layer, Conv2D):
        raise ConfigError(f"{layer!r} is not a conv layer: it has no kernel to show.")
    weights = layer.params["W"]
    if not 0 <= channel < weights.shape[0]:
        raise ShapeError(f"{layer!r} has {weights.shape[0]} output channels; there is no channel {channel}.")
    patch, top_left = _window_slices(window, x, row, col)
    kernel = np.array(layer.kernel()[channel])
    products = patch * kernel
    bias = float(layer.params["b"][channel])
    return DotProduct(patch, kernel, products, bias, float(products.sum() + bias), top_left)


def max_pool_winner(layer, x, channel: int, row: int, col: int) -> tuple[int, int]:
    """The input cell (row, col) whose value max-pool ``layer`` copied to
    output cell ``(channel, row, col)`` of sample ``x`` (C, H, W).

    On a tie the first maximum in reading order wins, as in the layer itself."""
    if not isinstance(layer, MaxPool2D):
        raise ConfigError(f"{layer!r} is not a max-pooling layer: no input cell wins.")
    window, x = _check_cell(layer, x, row, col)
    if not 0 <= channel < x.shape[0]:
        raise ShapeError(f"The input has {x.shape[0]} channels; there is no channel {channel}.")
    patch, (top, left) = _window_slices(window, x[channel:channel + 1], row, col)
    r, c = np.unravel_index(int(np.argmax(patch[0])), patch[0].shape)   # pools have no padding
    return top + int(r), left + int(c)
