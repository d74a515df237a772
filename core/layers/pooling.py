"""Pooling layers: summarise each window of each channel by one number.

    x   : (N, C, H, W)
    out : (N, C, H', W')      H' = 1 + (H − ph) // sh,   W' = 1 + (W − pw) // sw

for a (ph, pw) window moved by a (sh, sw) stride (the stride defaults to the
window size: windows that touch but do not overlap). Rows or columns left over
at the bottom/right, where no whole window fits, are ignored.

Both kinds work on ph·pw arrays of shape (N, C, H', W'), one per offset (p, q)
inside the window: ``x[:, :, p::sh, q::sw]`` (cut to H'×W') holds, for every
window, its cell at (p, q). Average pooling uses these strided slices as they
are (``window_cells``); max pooling first copies them into one contiguous stack
(``window_stack``) when windows do not overlap, which its dozen comparisons then
read much faster.

:class:`GlobalAvgPool2D` averages each whole channel: (N, C, H, W) → (N, C).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import ShapeError
from ..im2col import output_size, patches
from .base import Layer
from .conv import collapse_pair, size_pair


class _WindowPool(Layer):
    """Window size, stride and shape inference shared by max and average pooling."""

    def __init__(self, size, stride=None):
        super().__init__()
        kind = type(self).__name__
        self.size = size_pair(size, "size", kind)
        self.stride = self.size if stride is None else size_pair(stride, "stride", kind)
        self._stride_given = stride is not None

    def output_shape(self, input_shape):
        kind = type(self).__name__
        if len(input_shape) != 3:
            raise ShapeError(f"{kind} needs an image input (channels, height, width) but receives "
                             f"{tuple(input_shape)}. Pool before Flatten/Dense layers.")
        c, h, w = input_shape
        (ph, pw), (sh, sw) = self.size, self.stride
        if ph > h or pw > w:
            raise ShapeError(f"{kind}'s {ph}×{pw} window is too large for a {h}×{w} input: "
                             f"reduce size or remove this pooling layer.")
        return c, output_size(h, ph, sh), output_size(w, pw, sw)

    def window_cells(self, x: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """``(k, view)`` for each offset (p, q) of the window, k = p·pw + q:
        ``view[n, c, i, j] = x[n, c, i·sh + p, j·sw + q]`` (N, C, H', W').

        A list made in one go rather than a generator: cheaper at batch 1, where
        the Python overhead per view is a sizeable part of a pooling layer's time."""
        _, _, ho, wo = self._out_hw(x.shape)
        (ph, pw), (sh, sw) = self.size, self.stride
        return [(p * pw + q, x[:, :, p:p + sh * ho:sh, q:q + sw * wo:sw])
                for p in range(ph) for q in range(pw)]

    def window_stack(self, x: np.ndarray) -> np.ndarray:
        """The cells of ``window_cells`` copied into one new contiguous array
        (ph·pw, N, C, H', W'): ``stack[k, n, c, i, j] = x[n, c, i·sh + p, j·sw + q]``
        for k = p·pw + q. After this one copy every cell is a contiguous block, on
        which an elementwise numpy call costs far less than on a strided view
        (MaxPool2D's forward is 25–30 % faster at batch 1, no slower at batch 64).
        No larger than x unless windows overlap."""
        ph, pw = self.size
        windows = patches(x, ph, pw, self.stride)                # (N, C, ph, pw, H', W'), a view
        stack = np.ascontiguousarray(windows.transpose(2, 3, 0, 1, 4, 5))
        return stack.reshape(ph * pw, *stack.shape[2:])

    def overlapping(self) -> bool:
        """True when a stride smaller than the window makes neighbouring windows share cells."""
        return self.stride[0] < self.size[0] or self.stride[1] < self.size[1]

    def _out_hw(self, x_shape):
        n, c, h, w = x_shape
        return n, c, output_size(h, self.size[0], self.stride[0]), output_size(w, self.size[1], self.stride[1])

    def config(self):
        return {"size": collapse_pair(self.size), "stride": collapse_pair(self.stride) if self._stride_given else None}

    def __repr__(self):
        stride = f", stride={collapse_pair(self.stride)!r}" if self._stride_given else ""
        return f"{type(self).__name__}({collapse_pair(self.size)!r}{stride})"


class MaxPool2D(_WindowPool):
    """out = the largest cell of each window.

    The cache holds ``x``, ``out`` and ``argmax`` (N, C, H', W'): for each
    window, the offset k = p·pw + q of the cell that won (the first one on a
    tie). Backward sends each ∂E/∂out to that cell only; cells that never win
    get 0, cells that win several overlapping windows get the sum."""

    def __init__(self, size, stride=None):
        super().__init__(size, stride)
        # the smallest unsigned int type that holds every offset (uint8 up to 16×16 windows)
        self._offset_dtype = np.min_scalar_type(self.size[0] * self.size[1] - 1)

    def forward(self, x, training=False, rng=None):
        _check_images(x, "MaxPool2D")
        # cells[k]: cell k of every window (N, C, H', W'). Windows that do not overlap are
        # copied into one contiguous stack (no larger than x), which the comparisons below
        # read much faster than strided views; overlapping ones would be copied several
        # times over, so they stay views.
        cells = [view for _, view in self.window_cells(x)] if self.overlapping() else self.window_stack(x)
        if len(cells) == 4:
            out, argmax = _max_of_four(*cells, self._offset_dtype)
            return out, {"x": x, "out": out, "argmax": argmax}
        out = cells[0].copy()
        argmax = np.zeros(out.shape, dtype=self._offset_dtype)
        # one mask array reused for every offset: at batch 1 an allocation costs about as
        # much as the comparison itself
        better = np.empty(out.shape, dtype=bool)
        for k in range(1, len(cells)):
            np.greater(cells[k], out, out=better)    # strictly: on a tie the earlier cell stays the winner
            # Where this cell wins, k (larger than every offset stored so far) becomes the
            # winner: max(argmax, k·better). Branch-free, unlike np.where on a random mask
            # (≈ 5 µs instead of ≈ 400 µs for the first pooling of LeNet-5 at batch 64).
            np.maximum(argmax, np.multiply(better, k, dtype=argmax.dtype), out=argmax)
            np.maximum(out, cells[k], out=out)
        return out, {"x": x, "out": out, "argmax": argmax}

    def backward(self, dout, cache):
        x = cache["x"]
        winner = self.winner_index(x.shape, cache["argmax"])
        if self.overlapping():
            # overlapping windows may share a winner: bincount adds up what each one sends
            dx = np.bincount(winner.ravel(), weights=dout.ravel(), minlength=x.size)
            return dx.reshape(x.shape).astype(dout.dtype, copy=False), {}
        dx = np.zeros(x.shape, x.dtype)          # (np.zeros_like is slower: Python around two calls)
        dx.ravel()[winner] = dout                # each cell wins one window at most
        return dx, {}

    def winner_index(self, x_shape, argmax) -> np.ndarray:
        """For each window (N, C, H', W'), the flat index into x of the cell that won:
        the window's top-left cell plus the winner's offset (p·W + q for k = p·pw + q)."""
        origin, offsets = _window_origins(tuple(x_shape), self.size, self.stride)
        return origin + offsets[argmax]

    def winners(self, cache) -> np.ndarray:
        """Boolean mask of the input's shape: True on every cell that won a window."""
        mask = np.zeros(cache["x"].shape, dtype=bool)
        mask.ravel()[self.winner_index(mask.shape, cache["argmax"])] = True
        return mask


def _max_of_four(c0, c1, c2, c3, offset_dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(out, argmax)`` for windows of four cells (2×2, the usual pooling), given as
    four arrays (N, C, H', W') in offset order k = 0..3: a knockout, c0 against c1 and
    c2 against c3, then the two winners. Each match is won by the later cell only when
    it is strictly larger, so a tie goes to the first cell, as in the general loop;
    11 numpy calls instead of the loop's 15 (about a quarter of the time at batch 1)."""
    right_1 = np.greater(c1, c0)           # c1 beats c0
    right_2 = np.greater(c3, c2)           # c3 beats c2
    out = np.maximum(c0, c1)
    second = np.maximum(c2, c3)
    later = np.greater(second, out)        # the c2/c3 pair wins
    np.maximum(out, second, out=out)
    # argmax = 2·later + (right_2 if later else right_1), the choice without branches:
    # right_1 ^ (later & (right_1 ^ right_2))
    chosen = np.bitwise_xor(right_1, right_2)
    np.bitwise_and(chosen, later, out=chosen)
    np.bitwise_xor(chosen, right_1, out=chosen)
    argmax = np.add(later, later, dtype=offset_dtype)
    argmax += chosen
    return out, argmax


@lru_cache(maxsize=32)
def _window_origins(x_shape, size, stride) -> tuple[np.ndarray, np.ndarray]:
    """``(origin, offsets)`` for windows of ``size`` moved by ``stride`` over x (N, C, H, W):
    origin (N, C, H', W') is the flat index of each window's top-left cell, offsets[k]
    how far cell k = p·pw + q of a window lies from it (p·W + q). Read-only, shared by
    every call with the same shapes."""
    n, c, h, w = x_shape
    (ph, pw), (sh, sw) = size, stride
    ho, wo = output_size(h, ph, sh), output_size(w, pw, sw)
    origin = (np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
              + (np.arange(ho) * (sh * w)).reshape(ho, 1) + np.arange(wo) * sw)
    offsets = np.array([p * w + q for p in range(ph) for q in range(pw)])
    origin.setflags(write=False)
    offsets.setflags(write=False)
    return origin, offsets


class AvgPool2D(_WindowPool):
    """out = the mean of each window. Backward spreads ∂E/∂out / (ph·pw) over the window."""

    def forward(self, x, training=False, rng=None):
        _check_images(x, "AvgPool2D")
        cells = self.window_cells(x)
        out = cells[0][1].copy()
        for _, view in cells[1:]:
            out += view
        out *= 1.0 / (self.size[0] * self.size[1])
        return out, {"x": x, "out": out}

    def backward(self, dout, cache):
        dx = np.zeros_like(cache["x"])
        share = dout * (1.0 / (self.size[0] * self.size[1]))
        for _, view in self.window_cells(dx):
            view += share
        return dx, {}


class GlobalAvgPool2D(Layer):
    """out[n, c] = mean over H×W of x[n, c]: (N, C, H, W) → (N, C).
    Backward: every cell of channel c gets ∂E/∂out[n, c] / (H·W)."""

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"GlobalAvgPool2D needs an image input (channels, height, width) but "
                             f"receives {tuple(input_shape)}.")
        return (input_shape[0],)

    def forward(self, x, training=False, rng=None):
        _check_images(x, "GlobalAvgPool2D")
        out = x.mean(axis=(2, 3))
        return out, {"x": x, "out": out}

    def backward(self, dout, cache):
        x = cache["x"]
        dx = np.empty_like(x)
        dx[...] = (dout * (1.0 / (x.shape[2] * x.shape[3])))[:, :, None, None]
        return dx, {}

    def __repr__(self):
        return "GlobalAvgPool2D()"


def _check_images(x, kind):
    if x.ndim != 4:
        raise ShapeError(f"{kind} needs a batch of images (N, channels, height, width); "
                         f"got an array of shape {x.shape}.")

