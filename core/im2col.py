"""Image patches as matrix columns (im2col) and back (col2im), for Conv2D.

A correlation of an image with a kernel is a dot product of the kernel with
every patch of the image. Laying the patches out as the columns of a matrix
turns all those dot products into one matrix product per sample:

    x       : (N, C, H, W)               an already padded batch of images
    patches : (N, C, kh, kw, H', W')     patches[n, c, p, q, i, j] = x[n, c, i·sh + p, j·sw + q],
                                         a read-only view of x's memory (nothing copied)
    cols    : (N, C·kh·kw, H'·W')        the patches copied into matrix columns (im2col)
    W       : (out_ch, C, kh, kw)        reshaped to (out_ch, C·kh·kw)
    net[n] = W.reshape(out_ch, -1) @ cols[n]        → (out_ch, H'·W')

with H' = 1 + (H − kh) // sh and W' = 1 + (W − kw) // sw (stride = (sh, sw)).

The columns are kh·kw times larger than the image. Conv2D therefore copies
them a few samples at a time (``sample_chunks``, about ``CHUNK_BYTES`` each)
and keeps only the view: at batch 64 a whole LeNet-5 im2col would be 5 MB of
fresh memory per step, which the C library hands back to the kernel after
each step and page-faults in again on the next (~1.7 µs per 4 kB page here).

col2im is the adjoint of im2col: every column entry is added back to the
image cell it was copied from. Cells covered by several patches (overlapping
windows) collect the sum, which is exactly what backpropagation needs: for a
correlation with kernel K (out_ch, C, kh, kw) and δ = ∂E/∂net,

    ∂E/∂x = col2im(K.reshape(out_ch, -1)ᵀ @ δ)

``correlation_input_grad`` computes that in one of two ways, whichever is
faster for the size:

* small (≤ BINCOUNT_LIMIT column entries, e.g. batch 1): the matrix product,
  then col2im as one ``np.bincount`` call that adds every entry into the cell
  whose index ``source_index`` gives;
* large: one small matrix product and one block-add per kernel offset (p, q),

      ∂E/∂x[n, c, i·sh + p, j·sw + q] += Σ_o δ[n, o, i, j] · K[o, c, p, q]

  done with (n, c) as the innermost axes, so that every add runs over long
  contiguous rows (kh·kw numpy calls, never a loop over pixels).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

#: Up to this many column entries (N·C·kh·kw·H'·W') the bincount way is faster
#: (measured on LeNet-5 sizes; the two ways meet around 50k–100k entries).
BINCOUNT_LIMIT = 50_000


def output_size(size: int, kernel: int, stride: int) -> int:
    """Positions a window of ``kernel`` cells takes along ``size`` cells: 1 + (size − kernel) // stride."""
    return 1 + (size - kernel) // stride


#: About how many bytes of im2col columns are made at a time (see ``sample_chunks``):
#: enough samples for efficient matrix products, few enough that the copy stays in
#: the CPU cache and the C library reuses the same memory for every chunk.
CHUNK_BYTES = 1 << 20


def patches(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """Every kh×kw window of ``x`` (N, C, H, W) as a read-only view, nothing copied:
    (N, C, kh, kw, H', W') with ``patches[n, c, p, q, i, j] = x[n, c, i·sh + p, j·sw + q]``."""
    n, c, h, w = x.shape
    sh, sw = stride
    ho, wo = output_size(h, kh, sh), output_size(w, kw, sw)
    x = np.ascontiguousarray(x)
    bn, bc, bh, bw = x.strides     # bytes from one sample / channel / row / column to the next
    # explicit strides over x's memory: what numpy's sliding_window_view builds, without
    # its ~20 µs of Python overhead
    view = np.ndarray((n, c, kh, kw, ho, wo), x.dtype, x, 0, (bn, bc, bh, bw, bh * sh, bw * sw))
    view.flags.writeable = False
    return view


def columns(windows: np.ndarray) -> np.ndarray:
    """The im2col matrix of a ``patches`` view (N, C, kh, kw, H', W'):
    (N, C·kh·kw, H'·W'), a new contiguous array (the reshape makes the one copy)."""
    n, c, kh, kw, ho, wo = windows.shape
    return windows.reshape(n, c * kh * kw, ho * wo)


def im2col(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """Patches of ``x`` (N, C, H, W) as columns: (N, C·kh·kw, H'·W'), a new array of x's dtype."""
    return columns(patches(x, kh, kw, stride))


def sample_chunks(windows: np.ndarray):
    """Slices of the sample axis of a ``patches`` view, each about ``CHUNK_BYTES``
    of columns (at least one sample): ``columns(windows[s])`` for each slice s
    covers the batch."""
    n = windows.shape[0]
    per_sample = windows.size // n * windows.itemsize
    if n * per_sample <= CHUNK_BYTES:
        return [slice(None)]          # one chunk: the usual case at small batches
    step = max(1, CHUNK_BYTES // per_sample)
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int], kh: int, kw: int,
           stride: tuple[int, int]) -> np.ndarray:
    """Add the columns (N, C·kh·kw, H'·W') back into an image of ``x_shape`` (N, C, H, W):
    one bincount call adds each column entry (as a weight) into its cell. bincount
    sums in float64; the result is converted back to the columns' dtype."""
    summed = np.bincount(source_index(tuple(x_shape), kh, kw, tuple(stride)), weights=cols.ravel(),
                         minlength=math.prod(x_shape))
    return summed.reshape(x_shape).astype(cols.dtype, copy=False)


@lru_cache(maxsize=32)
def source_index(x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """For each entry of ``im2col(x)`` (flattened), the flat index of the cell of x
    it was copied from: simply im2col of an image whose cells hold their own index."""
    index = im2col(np.arange(int(np.prod(x_shape))).reshape(x_shape), kh, kw, stride).ravel()
    index.setflags(write=False)       # shared by every call with the same shapes
    return index


def correlation_input_grad(delta: np.ndarray, kernel: np.ndarray, x_shape: tuple[int, int, int, int],
                           stride: tuple[int, int]) -> np.ndarray:
    """∂E/∂x (``x_shape`` = (N, C, H, W), padded) of ``net = x ⋆ kernel`` from
    δ = ∂E/∂net (N, out_ch, H', W'); ``kernel`` is (out_ch, C, kh, kw)."""
    n, out_ch, ho, wo = delta.shape
    _, c, kh, kw = kernel.shape
    if n * c * kh * kw * ho * wo <= BINCOUNT_LIMIT:
        cols = kernel.reshape(out_ch, -1).T @ delta.reshape(n, out_ch, -1)     # (N, C·kh·kw, H'·W')
        return col2im(cols, x_shape, kh, kw, stride)
    return _input_grad_by_offsets(delta, kernel, x_shape, stride)


def _input_grad_by_offsets(delta, kernel, x_shape, stride) -> np.ndarray:
    """The large-size way: for each kernel offset (p, q), δ (H'·W'·N, out_ch) @ K[:, :, p, q]
    (out_ch, C) gives what every window sends to its cell (p, q); add it into a
    (H, W, N, C) image, where each window row is one contiguous block."""
    n, out_ch, ho, wo = delta.shape
    _, c, kh, kw = kernel.shape
    sh, sw = stride
    rows = delta.transpose(2, 3, 0, 1).reshape(ho * wo * n, out_ch)              # (H'·W'·N, out_ch)
    dx = np.zeros((x_shape[2], x_shape[3], n, c), dtype=delta.dtype)             # (H, W, N, C)
    for p in range(kh):
        for q in range(kw):
            sent = (rows @ kernel[:, :, p, q]).reshape(ho, wo, n, c)
            dx[p:p + sh * ho:sh, q:q + sw * wo:sw] += sent
    return np.ascontiguousarray(dx.transpose(2, 3, 0, 1))                        # (N, C, H, W)
