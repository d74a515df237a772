"""Array-level image work: turn any picture into exactly what a network receives.

Images come in as numpy arrays in the usual picture layout, rows first and
channels last: ``(H, W)`` gray, or ``(H, W, C)`` with C = 1 (gray), 2 (gray +
alpha), 3 (RGB) or 4 (RGBA). Pixel values are

* uint8  — 0 … 255, divided by 255
* uint16 — 0 … 65535 (16-bit PNG and TIFF), divided by 65535
* bool   — False / True as 0 / 1
* float  — already in [0, 1] (anything else is refused: use :func:`normalize` first)

A network wants ``(C, H, W)`` (channels first) with the channel count of its
input. :func:`fit_to_input` does the whole conversion in this order:

1. values to floats in [0, 1]                       (:func:`to_float`)
2. alpha composited on white: v = a·v + (1 − a)     (a transparent pixel becomes white)
3. channels: to gray by luminance Y = 0.299 R + 0.587 G + 0.114 B (:func:`to_gray`)
   or gray to RGB by repeating the channel (:func:`to_rgb`)
4. size: ``"pad"`` (keep the aspect ratio, fit inside, fill the rest with the
   background), ``"crop"`` (keep the aspect ratio, fill, cut the overflow
   centred) or ``"stretch"`` (ignore the aspect ratio); resampling by
   :func:`resize`
5. values mapped from [0, 1] to ``value_range``, channels moved first.
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError, InputError, ShapeError

#: Weights of R, G and B in the luminance Y (ITU-R BT.601, as in JPEG and PIL's "L" mode).
LUMINANCE = np.array([0.299, 0.587, 0.114])

FIT_MODES = ("pad", "crop", "stretch")


def _check_image(array) -> np.ndarray:
    """``array`` as an ndarray after the checks of :func:`to_float`, values untouched."""
    a = np.asarray(array)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 2, 3, 4)):
        hint = (" It looks channels-first: use np.moveaxis(array, 0, -1)."
                if a.ndim == 3 and a.shape[0] in (1, 3, 4) else "")
        raise ShapeError(f"An image must be (H, W) or (H, W, C) with C = 1, 2, 3 or 4 channels; "
                         f"got an array of shape {a.shape}.{hint}")
    if a.size == 0:
        raise InputError(f"The image is empty (shape {a.shape}).")
    if a.dtype in (np.uint8, np.uint16, np.bool_):
        return a
    if not np.issubdtype(a.dtype, np.floating):
        raise InputError(f"Image pixels must be uint8, uint16, bool or float in [0, 1]; got dtype {a.dtype}. "
                         f"Convert it first, e.g. with normalize(array).")
    if not np.isfinite(a).all():
        raise InputError("The image contains NaN or infinite values.")
    low, high = float(a.min()), float(a.max())
    if low < 0.0 or high > 1.0:
        raise InputError(f"A float image must lie in [0, 1]; this one spans {low:g} … {high:g}. "
                         f"Rescale it with normalize(array) first.")
    return a


def to_float(array) -> np.ndarray:
    """Check an image array and return it as float64 in [0, 1], same shape.

    Accepts ``(H, W)`` or ``(H, W, C)`` with C in {1, 2, 3, 4}; uint8, uint16,
    bool or float in [0, 1] (see the module docstring). Raises ShapeError for
    other shapes and InputError for empty arrays, NaN/inf, or values out of range.
    """
    a = _check_image(array)
    if a.dtype == np.uint8:
        return a / 255.0
    if a.dtype == np.uint16:
        return a / 65535.0
    return a.astype(np.float64)


def _composite_alpha(a: np.ndarray) -> np.ndarray:
    """(H, W, C) in [0, 1] without its alpha channel, composited on white."""
    if a.shape[2] in (2, 4):
        alpha = a[:, :, -1:]
        return a[:, :, :-1] * alpha + (1.0 - alpha)
    return a


def to_gray(array) -> np.ndarray:
    """One gray channel: (H, W) float64 in [0, 1].

    RGB becomes the luminance Y = 0.299 R + 0.587 G + 0.114 B; alpha is
    composited on white first (a transparent pixel becomes white)."""
    a = to_float(array)
    if a.ndim == 2:
        return a
    a = _composite_alpha(a)
    return a[:, :, 0] if a.shape[2] == 1 else a @ LUMINANCE


def to_rgb(array) -> np.ndarray:
    """Three channels: (H, W, 3) float64 in [0, 1]. Gray is repeated into R, G
    and B; alpha is composited on white."""
    a = to_float(array)
    a = _composite_alpha(a[:, :, None] if a.ndim == 2 else a)
    return np.repeat(a, 3, axis=2) if a.shape[2] == 1 else a


def _resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix that resamples one axis: ``out = M @ in``.

    Shrinking: output pixel j averages the input over [j·r, (j+1)·r) with
    r = n_in / n_out, each input pixel weighted by how much of it lies inside
    (area averaging: no aliasing). Enlarging: bilinear interpolation with pixel
    centres aligned, output j samples the input at (j + ½)/s − ½, s = n_out / n_in."""
    if n_out == n_in:
        return np.eye(n_in)
    if n_out < n_in:
        r = n_in / n_out
        lo = np.arange(n_out)[:, None] * r
        i = np.arange(n_in)[None, :]
        overlap = np.minimum(i + 1, lo + r) - np.maximum(i, lo)
        return np.clip(overlap, 0.0, None) / r
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), i1), frac)
    return m


def resize(array, size) -> np.ndarray:
    """Resample an image to ``size = (height, width)``; returns float64.

    ``array``: (H, W) or (H, W, C), any real dtype (values are not rescaled).
    Each axis is done on its own: area averaging where it shrinks, bilinear
    interpolation where it grows (see :func:`_resize_matrix`)."""
    a = np.asarray(array)
    if a.ndim not in (2, 3) or a.size == 0:
        raise ShapeError(f"resize takes a non-empty (H, W) or (H, W, C) image; got shape {a.shape}.")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_) or np.iscomplexobj(a):
        raise InputError(f"resize takes real numbers, got dtype {a.dtype}.")
    return _convert_and_resize(a, _check_size(size), _as_float64)


def _as_float64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _resize_columns(a: np.ndarray, width: int) -> np.ndarray:
    """Resample axis 1 of (H, W, ...) to ``width``."""
    cols = _resize_matrix(a.shape[1], width)
    return np.moveaxis(np.tensordot(cols, a, axes=(1, 1)), 0, 1)


#: Rows of the source image converted to float at a time by :func:`resize` and :func:`fit_to_input`.
_BAND_ROWS = 128


def _convert_and_resize(a: np.ndarray, size: tuple[int, int], convert) -> np.ndarray:
    """``resize(convert(a), size)`` without ever holding all of ``convert(a)``.

    ``convert`` works pixel by pixel (to floats, alpha, channels) and resizing
    is linear, so the row resampling ``M @ convert(a)`` is summed over bands of
    rows: a large photo costs one band of floats, not a float copy of it all."""
    rows = _resize_matrix(a.shape[0], size[0])
    out = sum(np.tensordot(rows[:, start:start + _BAND_ROWS], convert(a[start:start + _BAND_ROWS]),
                           axes=(1, 0))
              for start in range(0, a.shape[0], _BAND_ROWS))
    return _resize_columns(out, size[1])


def _check_size(size) -> tuple[int, int]:
    try:
        height, width = (int(s) for s in size)
        ok = all(float(s) == int(s) for s in size) and height >= 1 and width >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"An image size must be two whole numbers (height, width) ≥ 1; got {size!r}.")
    return height, width


def normalize(array, value_range=(0.0, 1.0), source_range=None) -> np.ndarray:
    """Map values linearly from ``source_range`` onto ``value_range``; returns float64.

    ``source_range`` defaults to the dtype's full range for uint8 (0, 255),
    uint16 (0, 65535) and bool (0, 1), and to the array's own (min, max) for
    anything else, so any array (a feature map, a float image) can be shown or
    fed as an image. Values outside ``source_range`` are clipped. A constant
    array maps to ``value_range[0]``."""
    a = np.asarray(array)
    if a.size == 0:
        raise InputError("Cannot normalise an empty array.")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_) or np.iscomplexobj(a):
        raise InputError(f"Cannot normalise values of dtype {a.dtype}; they must be real numbers.")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise InputError("The array contains NaN or infinite values.")
    lo, hi = _check_range(value_range, "value_range")
    if source_range is None:
        kind = np.asarray(array).dtype
        source_range = {np.dtype(np.uint8): (0.0, 255.0), np.dtype(np.uint16): (0.0, 65535.0),
                        np.dtype(np.bool_): (0.0, 1.0)}.get(kind, (a.min(), a.max()))
    s_lo, s_hi = (float(v) for v in source_range)
    if s_hi == s_lo:
        return np.full(a.shape, lo)
    s_lo, s_hi = _check_range((s_lo, s_hi), "source_range")
    return lo + (hi - lo) * np.clip((a - s_lo) / (s_hi - s_lo), 0.0, 1.0)


def _check_range(value_range, what: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be two numbers (low, high); got {value_range!r}.") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ConfigError(f"{what} must be two finite numbers with low < high; got {value_range!r}.")
    return lo, hi


def input_image_shape(input_shape) -> tuple[int, int, int]:
    """The image ``(C, H, W)`` a network input shape takes: ``(C, H, W)`` itself
    with C = 1 or 3, or a flat ``(D,)`` holding a square image, D = k² (gray
    k×k) or D = 3·k² (RGB k×k). Raises ShapeError for any other shape."""
    shape = tuple(int(d) for d in np.atleast_1d(input_shape))
    if len(shape) == 3 and shape[0] in (1, 3) and min(shape) >= 1:
        return shape
    if len(shape) == 1:
        for channels in (1, 3):
            side = int(round(np.sqrt(shape[0] / channels)))
            if side >= 1 and channels * side * side == shape[0]:
                return channels, side, side
    raise ShapeError(f"An image can feed a network whose input is (C, H, W) with C = 1 or 3, or a flat "
                     f"(k·k,) or (3·k·k,) square image; this network takes {shape}.")


def _background(a: np.ndarray, convert) -> np.ndarray:
    """The colour along the image's border, after ``convert``: median per channel, (C,)."""
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]], axis=0)[None]    # a 1-pixel-high image
    return np.median(convert(border)[0], axis=0)


def _gray_channel(a) -> np.ndarray:
    return to_gray(a)[:, :, None]


def fit_to_input(array, input_shape, mode: str = "pad", value_range=(0.0, 1.0)) -> np.ndarray:
    """Turn an image into one network input sample of shape ``input_shape``.

    ``array``: (H, W) or (H, W, C), C in {1, 2, 3, 4}; uint8, uint16, bool or
    float in [0, 1]. ``input_shape``: the network's ``(C, H, W)`` with C = 1 or
    3, or a flat ``(k·k,)`` / ``(3·k·k,)`` for a dense network on square images
    (the (C, k, k) result is flattened channel by channel, row by row).

    ``mode``:
      * ``"pad"``     — scale to fit inside keeping the aspect ratio, centre, fill the
        margins with the background (the median colour of the image's border)
      * ``"crop"``    — scale to cover keeping the aspect ratio, cut the overflow, centred
      * ``"stretch"`` — scale each axis to fit exactly

    Alpha is composited on white; colour becomes gray by luminance when the
    network wants one channel, gray is repeated when it wants three (see the
    module docstring). Returns float64 of shape ``input_shape`` with values in
    ``value_range`` (0 ↦ low, 1 ↦ high).
    """
    if mode not in FIT_MODES:
        raise ConfigError(f"Unknown fit mode {mode!r}; choose one of {', '.join(FIT_MODES)}.")
    lo, hi = _check_range(value_range, "value_range")
    channels, height, width = input_image_shape(input_shape)
    a = _check_image(array)
    convert = _gray_channel if channels == 1 else to_rgb
    h, w = a.shape[:2]
    if mode == "stretch":
        a = _convert_and_resize(a, (height, width), convert)
    else:
        scale = (min if mode == "pad" else max)(height / h, width / w)
        new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
        if mode == "pad":
            new_h, new_w = min(new_h, height), min(new_w, width)
            canvas = np.empty((height, width, channels))
            canvas[:] = _background(a, convert)
            top, left = (height - new_h) // 2, (width - new_w) // 2
            canvas[top:top + new_h, left:left + new_w] = _convert_and_resize(a, (new_h, new_w), convert)
            a = canvas
        else:
            new_h, new_w = max(new_h, height), max(new_w, width)
            top, left = (new_h - height) // 2, (new_w - width) // 2
            a = _convert_and_resize(a, (new_h, new_w), convert)[top:top + height, left:left + width]
    out = lo + (hi - lo) * np.clip(a, 0.0, 1.0)
    return np.moveaxis(out, 2, 0).reshape(np.atleast_1d(input_shape).astype(int))
