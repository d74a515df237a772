"""2-D convolution layer over a batch of images.

    x   : (N, C, H, W)          W : (out_ch, C, kh, kw)        b : (out_ch,)
    net : (N, out_ch, H', W')   H' = 1 + (H + pad_top + pad_bottom − kh) // stride
                                W' = 1 + (W + pad_left + pad_right − kw) // stride
    out = g(net)

Correlation (the default, what deep-learning libraries call "convolution"):

    net[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q W[o, c, p, q] · x_pad[n, c, i·s + p, j·s + q]

which is the lecture's I(x + i, y + j) with the kernel anchored at its top-left
cell. ``mode="convolution"`` is the lecture's I(x − i, y − j): the same sum with
the kernel flipped in both directions, W[o, c, kh−1−p, kw−1−q]. The stored ``W``
is always the kernel as written; only the computation flips it.

The sum is done as one matrix product per sample over im2col columns
(see :mod:`core.im2col`), made a few samples at a time from a view of the
padded input. Backward, with δ = ∂E/∂net reshaped to (N, out_ch, H'·W'):

    ∂E/∂W = Σₙ δ[n] @ cols[n]ᵀ      ∂E/∂b = Σ over n, i, j of δ
                                    (the columns made again, chunk by chunk)
    ∂E/∂x = col2im(Wᵀ @ δ[n])       (then the padding is cut off; for big
                                     batches computed offset by offset, see
                                     core.im2col.correlation_input_grad)
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, ShapeError
from ..im2col import columns, correlation_input_grad, output_size, patches, sample_chunks
from ..initializers import initialize, normalize_init
from .base import Layer, check_positive_int
from .with_activation import WithActivation

MODES = ("correlation", "convolution")


class Conv2D(WithActivation, Layer):
    """``filters`` kernels of ``kernel_size`` slid over the image with ``stride``.

    ``padding`` is an int (that many zero rows/columns on every side), ``"valid"``
    (none), ``"same"`` (enough to keep H' = ⌈H / stride⌉; at stride 1 the output
    is as large as the input, an odd extra row/column goes bottom/right) or
    explicit ``((top, bottom), (left, right))``.

    The cache holds ``x``, ``net``, ``out`` and ``cols``, the patches backward
    needs for ∂E/∂W: read-only, (N, C, kh, kw, H', W'),
    ``cols[n, c, p, q, i, j] = x_pad[n, c, i·sh + p, j·sw + q]``
    (``core.im2col.columns`` turns it into the im2col matrix). For a batch
    that fits one chunk it is the copy forward made; for larger batches a
    view of the padded input, nothing copied.
    """
    param_names = ("W", "b")

    def __init__(self, filters: int, kernel_size, stride=1, padding=0, mode: str = "correlation",
                 activation: str | None = None, init="xavier", bias_init="constant"):
        super().__init__()
        self.filters = check_positive_int(filters, "filters", "Conv2D")
        self.kernel_size = size_pair(kernel_size, "kernel_size")
        self.stride = size_pair(stride, "stride")
        self.padding = _normalize_padding(padding)
        if mode not in MODES:
            raise ConfigError(f"Conv2D: mode must be one of {', '.join(MODES)}, got {mode!r}.")
        self.mode = mode
        self.set_activation(activation)
        self.init = normalize_init(init)
        self.bias_init = normalize_init(bias_init)

    # --- shapes --------------------------------------------------------------
    def pads(self, input_shape) -> tuple[tuple[int, int], tuple[int, int]]:
        """Zero rows/columns added to an input of shape (C, H, W) or (H, W):
        ``((top, bottom), (left, right))``."""
        if self.padding == "same":
            h, w = input_shape[-2:]
            return tuple(_same_pads(size, k, s)
                         for size, k, s in zip((h, w), self.kernel_size, self.stride))
        if self.padding == "valid":
            return (0, 0), (0, 0)
        if isinstance(self.padding, int):
            return (self.padding, self.padding), (self.padding, self.padding)
        return self.padding

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"Conv2D needs an image input (channels, height, width) but receives "
                             f"{tuple(input_shape)}.{_image_hint(input_shape)}")
        c, h, w = input_shape
        (top, bottom), (left, right) = self.pads(input_shape)
        hp, wp = h + top + bottom, w + left + right
        kh, kw = self.kernel_size
        if kh > hp or kw > wp:
            padded = f" ({hp}×{wp} after padding)" if (hp, wp) != (h, w) else ""
            raise ShapeError(f"Conv2D's {kh}×{kw} kernel is too large for a {h}×{w} input{padded}: "
                             f"reduce kernel_size or add padding.")
        return (self.filters, output_size(hp, kh, self.stride[0]), output_size(wp, kw, self.stride[1]))

    def param_shapes(self, input_shape):
        return {"W": (self.filters, input_shape[0], *self.kernel_size), "b": (self.filters,)}

    def init_params(self, input_shape, rng, dtype):
        kh, kw = self.kernel_size
        fan_in, fan_out = input_shape[0] * kh * kw, self.filters * kh * kw
        return {"W": initialize(self.init, self.param_shapes(input_shape)["W"], fan_in, fan_out, rng, dtype),
                "b": initialize(self.bias_init, (self.filters,), fan_in, fan_out, rng, dtype)}

    # --- computation ---------------------------------------------------------
    def kernel(self) -> np.ndarray:
        """The kernel the sum uses: ``W`` for correlation, ``W`` flipped in both
        spatial directions for convolution."""
        w = self.params["W"]
        return w[:, :, ::-1, ::-1] if self.mode == "convolution" else w

    def forward(self, x, training=False, rng=None):
        if x.ndim != 4:
            raise ShapeError(f"Conv2D needs a batch of images (N, channels, height, width); "
                             f"got an array of shape {x.shape}.")
        n, _, h, w = x.shape
        (top, bottom), (left, right) = self.pads(x.shape)
        x_pad = _pad(x, top, bottom, left, right)
        kh, kw = self.kernel_size
        cols = patches(x_pad, kh, kw, self.stride)                    # a view, nothing copied
        ho, wo = cols.shape[-2:]
        kernel = self.kernel().reshape(self.filters, -1)               # (out_ch, C·kh·kw)
        chunks = sample_chunks(cols)
        if len(chunks) == 1:
            # Small batch, one chunk: keep the copy (same shape and values as the view) so
            # that backward's columns(cols) is a free reshape instead of a second copy.
            copied = columns(cols)                                     # (N, C·kh·kw, H'·W')
            net = kernel @ copied                                      # (N, out_ch, H'·W')
            cols = copied.reshape(cols.shape)
            cols.flags.writeable = False
        else:
            net = np.empty((n, self.filters, ho * wo), dtype=np.result_type(x, kernel))
            for chunk in chunks:
                np.matmul(kernel, columns(cols[chunk]), out=net[chunk])
        net += self.params["b"][:, None]
        net = net.reshape(n, self.filters, ho, wo)
        out = net if self.activation.name == "identity" else self.activation.forward(net)
        return out, {"x": x, "net": net, "out": out, "cols": cols}

    def affine_backward(self, delta, cache):
        """(∂E/∂x, grads) from δ = ∂E/∂net (N, out_ch, H', W')."""
        x = cache["x"]
        n, c, h, w = x.shape
        (top, bottom), (left, right) = self.pads(x.shape)
        padded_shape = (n, c, h + top + bottom, w + left + right)
        dx_pad = correlation_input_grad(delta, self.kernel(), padded_shape, self.stride)
        return dx_pad[:, :, top:top + h, left:left + w], self.param_grads(delta, cache)

    def param_grads(self, delta, cache):
        """{"W": ∂E/∂W, "b": ∂E/∂b} from δ = ∂E/∂net (N, out_ch, H', W')."""
        cols = cache["cols"]
        d = delta.reshape(delta.shape[0], self.filters, -1)             # (N, out_ch, H'·W')
        if d.shape[0] == 1:
            # Batch of one: one 2-D product, no stacked matmul and no sum over a batch axis.
            # Computed as (cols @ δᵀ)ᵀ: OpenBLAS is faster with the transposed operand on the
            # right at these sizes (LeNet-5's conv2: ~13 µs with the copy instead of ~17 µs;
            # the same bits), and the copy keeps ∂E/∂W C-contiguous like W.
            dk = np.ascontiguousarray((columns(cols)[0] @ d[0].T).T)   # (out_ch, C·kh·kw)
        else:
            dk = None
            for chunk in sample_chunks(cols):
                part = (d[chunk] @ columns(cols[chunk]).transpose(0, 2, 1)).sum(axis=0)
                dk = part if dk is None else dk + part
        dk = dk.reshape(self.params["W"].shape)
        dW = np.ascontiguousarray(dk[:, :, ::-1, ::-1]) if self.mode == "convolution" else dk
        return {"W": dW, "b": delta.sum(axis=(0, 2, 3))}

    # --- description ---------------------------------------------------------
    def config(self):
        return {"filters": self.filters, "kernel_size": collapse_pair(self.kernel_size),
                "stride": collapse_pair(self.stride), "padding": self.padding, "mode": self.mode,
                "activation": self.activation.name, "init": self.init, "bias_init": self.bias_init}

    def __repr__(self):
        extra = []
        if self.stride != (1, 1):
            extra.append(f"stride={collapse_pair(self.stride)!r}")
        if self.padding != 0:
            extra.append(f"padding={self.padding!r}")
        if self.mode != "correlation":
            extra.append(f"mode={self.mode!r}")
        if self.activation.name != "identity":
            extra.append(f"activation={self.activation.name!r}")
        return f"Conv2D({', '.join([str(self.filters), repr(collapse_pair(self.kernel_size)), *extra])})"


def size_pair(value, what: str, layer: str = "Conv2D") -> tuple[int, int]:
    """An int or a pair of ints ≥ 1 (a kernel size, a stride) as a pair (rows, columns)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ConfigError(f"{layer}: {what} is one number or a pair (rows, columns), got {value!r}.")
        return check_positive_int(value[0], what, layer), check_positive_int(value[1], what, layer)
    v = check_positive_int(value, what, layer)
    return v, v


def collapse_pair(pair: tuple[int, int]):
    """(3, 3) → 3; (3, 5) stays a pair."""
    return pair[0] if pair[0] == pair[1] else pair


def _normalize_padding(padding):
    """Check a padding setting; return an int, "valid", "same" or ((top, bottom), (left, right))."""
    forms = 'an int ≥ 0, "valid", "same" or ((top, bottom), (left, right))'
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ConfigError(f"Conv2D: padding must be {forms}; got {padding!r}.")
        return padding.lower()
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        if padding < 0:
            raise ConfigError(f"Conv2D: padding must be ≥ 0, got {padding}.")
        return int(padding)
    try:
        (top, bottom), (left, right) = padding
        amounts = (top, bottom, left, right)
    except (TypeError, ValueError):
        raise ConfigError(f"Conv2D: padding must be {forms}; got {padding!r}.") from None
    if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 0 for a in amounts):
        raise ConfigError(f"Conv2D: padding amounts must be whole numbers ≥ 0, got {padding!r}.")
    return (int(top), int(bottom)), (int(left), int(right))


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Padding that gives ⌈size / stride⌉ outputs; the odd cell goes after (bottom/right)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad(x, top, bottom, left, right):
    """x (N, C, H, W) with zero rows/columns around each image (x itself when there are none)."""
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    x_pad = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    x_pad[:, :, top:top + h, left:left + w] = x
    return x_pad


def _image_hint(input_shape) -> str:
    if len(input_shape) == 1:
        return (" Place Conv2D before Flatten/Dense layers, and give image data as "
                "input_shape=(channels, height, width), e.g. (1, 28, 28).")
    if len(input_shape) == 2:
        return f" For a grey image use one channel: input_shape=(1, {input_shape[0]}, {input_shape[1]})."
    return ""

