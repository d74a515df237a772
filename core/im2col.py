"""Image patches as matrix columns (im2col) and back (col2im), for Conv2D.

A correlation of an image with a kernel is a dot product of the kernel with
every patch of the image. Laying the patches out as the columns of a matrix
turns all those dot products into one matrix product per sample:

    x     : (N, C, H, W)          an already padded batch of images
    cols  : (N, C·kh·kw, H'·W')   cols[n, (c, p, q), (i, j)] = x[n, c, i·sh + p, j·sw + q]
    W     : (out_ch, C, kh, kw)   reshaped to (out_ch, C·kh·kw)
    net[n] = W.reshape(out_ch, -1) @ cols[n]        → (out_ch, H'·W')

with H' = 1 + (H − kh) // sh and W' = 1 + (W − kw) // sw (stride = (sh, sw)).

col2im is the adjoint of im2col: every column entry is added back to the
image cell it was copied from. Cells covered by several patches (overlapping
windows) collect the sum, which is exactly what backpropagation needs. It is
done in one of two ways, whichever is faster for the size:

* small (≤ BINCOUNT_LIMIT entries, e.g. batch 1): one ``np.bincount`` call that
  adds every entry into the cell whose index ``source_index`` gives;
* large: one strided slice-add per kernel offset (p, q), kh·kw array operations.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Up to this many column entries a single bincount beats kh·kw slice-adds
#: (measured on LeNet-5 sizes; the two meet around 50k–100k entries).
BINCOUNT_LIMIT = 50_000


def output_size(size: int, kernel: int, stride: int) -> int:
    """Positions a window of ``kernel`` cells takes along ``size`` cells: 1 + (size − kernel) // stride."""
    return 1 + (size - kernel) // stride


def im2col(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """Patches of ``x`` (N, C, H, W) as columns: (N, C·kh·kw, H'·W'), a new array of x's dtype."""
    n, c, h, w = x.shape
    sh, sw = stride
    ho, wo = output_size(h, kh, sh), output_size(w, kw, sw)
    x = np.ascontiguousarray(x)
    bn, bc, bh, bw = x.strides     # bytes from one sample / channel / row / column to the next
    # windows[n, c, i, j, p, q] = x[n, c, i·sh + p, j·sw + q]: a view of x's memory, nothing
    # copied yet (what numpy's sliding_window_view builds, without its Python overhead).
    windows = np.ndarray((n, c, ho, wo, kh, kw), x.dtype, x, 0, (bn, bc, bh * sh, bw * sw, bh, bw))
    # Reorder to (n, c, p, q, i, j); the reshape makes the one copy.
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int], kh: int, kw: int,
           stride: tuple[int, int]) -> np.ndarray:
    """Add the columns (N, C·kh·kw, H'·W') back into an image of ``x_shape`` (N, C, H, W)."""
    if cols.size <= BINCOUNT_LIMIT:
        return col2im_bincount(cols, x_shape, kh, kw, stride)
    return col2im_slices(cols, x_shape, kh, kw, stride)


@lru_cache(maxsize=32)
def source_index(x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """For each entry of ``im2col(x)`` (flattened), the flat index of the cell of x
    it was copied from: simply im2col of an image whose cells hold their own index."""
    index = im2col(np.arange(int(np.prod(x_shape))).reshape(x_shape), kh, kw, stride).ravel()
    index.setflags(write=False)       # shared by every call with the same shapes
    return index


def col2im_bincount(cols, x_shape, kh, kw, stride) -> np.ndarray:
    """col2im as one call: bincount adds each weight (column entry) into its cell.
    bincount sums in float64; the result is converted back to the columns' dtype."""
    summed = np.bincount(source_index(tuple(x_shape), kh, kw, tuple(stride)), weights=cols.ravel(),
                         minlength=int(np.prod(x_shape)))
    return summed.reshape(x_shape).astype(cols.dtype, copy=False)


def col2im_slices(cols, x_shape, kh, kw, stride) -> np.ndarray:
    """col2im as one strided slice-add per kernel offset (p, q): kh·kw array
    operations rather than a loop over pixels."""
    n, c, h, w = x_shape
    sh, sw = stride
    ho, wo = output_size(h, kh, sh), output_size(w, kw, sw)
    patches = cols.reshape(n, c, kh, kw, ho, wo)
    x = np.zeros(x_shape, dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            x[:, :, p:p + sh * ho:sh, q:q + sw * wo:sw] += patches[:, :, p, q]
    return x
