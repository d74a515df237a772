"""Handwritten-style digits 0-9, drawn on the fly: an MNIST-like set with no download.

Each digit is a few pen strokes (polylines; arcs are polylines too) drawn in a
template frame where x runs right and y runs down, both over [-1, 1]; several
digits have more than one way of writing them (a 1 with or without a flag, a
7 with or without a bar, an open or closed 4, ...). Every sample gets its own

* smooth wobble of the strokes      p ← p + a·sin(f·(u·p) + φ), per coordinate
* affine distortion                 rotation, scale, aspect, shear (slant), shift
                                    (then moved back, or shrunk, so no ink leaves the frame)
* pen: stroke radius, edge softness and ink intensity
* Gaussian pixel noise

and is rendered as a distance field: each pixel's ink is
``clip(intensity · (radius + softness/2 − d) / softness, 0, 1)``, where d is the
distance from the pixel centre to the nearest stroke segment, computed for all
pixels of a batch of digits at once. White ink on black, as in MNIST.

    x, y = digits(n=1000, seed=0)    # x: (1000, 1, 28, 28) float64 in [0, 1]; y: (1000,) int64
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError

SIZE = 28           # image side in pixels
_SCALE = 9.0        # pixels per template unit: the digit's height of 2 units fills 18-20 pixels
_CHUNK = 16         # digits per block of the distance computation (keeps its temporaries in cache)


def _arc(cx, cy, rx, ry, start, end, steps=12):
    """Points on an elliptic arc; angles in degrees, 0° = right, 90° = down (y runs down)."""
    a = np.radians(np.linspace(start, end, steps + 1))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _line(*points):
    return np.array(points, dtype=float)


def _join(*parts):
    return np.concatenate(parts, axis=0)


# TEMPLATES[d] is a list of ways to write digit d; each way is a list of strokes,
# each stroke an (m, 2) array of points joined by straight segments.
TEMPLATES: dict[int, list[list[np.ndarray]]] = {
    0: [[_arc(0, 0, 0.55, 0.95, 0, 360, 20)],
        [_arc(0, 0, 0.45, 0.95, -80, 290, 20)]],
    1: [[_line((0, -1), (0, 1))],
        [_line((-0.35, -0.6), (0.05, -1), (0.05, 1))],
        [_line((-0.35, -0.6), (0.05, -1), (0.05, 1)), _line((-0.35, 1), (0.45, 1))]],
    2: [[_join(_arc(0, -0.45, 0.5, 0.5, 200, 380), _line((-0.55, 1), (0.6, 1)))],
        [_join(_arc(0, -0.5, 0.5, 0.45, 200, 360), _arc(0.5, 1, 1.05, 1.5, 270, 180, 8)[1:],
               _line((0.6, 1)))]],
    3: [[_arc(0, -0.52, 0.45, 0.46, 200, 450), _arc(0, 0.47, 0.52, 0.52, 270, 520)],
        [_join(_line((-0.5, -1), (0.5, -1), (-0.05, -0.1)), _arc(0, 0.45, 0.52, 0.55, 260, 510))]],
    4: [[_line((0.25, -1), (-0.55, 0.35), (0.6, 0.35)), _line((0.3, -0.35), (0.3, 1))],
        [_line((-0.45, -1), (-0.5, 0.3), (0.6, 0.3)), _line((0.35, -1), (0.35, 1))]],
    5: [[_join(_line((0.5, -1), (-0.35, -1), (-0.4, -0.1)), _arc(-0.02, 0.42, 0.52, 0.58, 235, 500))]],
    6: [[_join(_line((0.4, -1), (-0.1, -0.7), (-0.42, -0.15)), _arc(0, 0.45, 0.5, 0.52, 180, -180, 16))],
        [_join(_arc(0.55, 0.45, 1.05, 1.45, 255, 180, 6), _arc(0, 0.45, 0.55, 0.52, 180, -180, 16)[1:])]],
    7: [[_line((-0.55, -1), (0.55, -1), (-0.1, 1))],
        [_line((-0.55, -1), (0.55, -1), (-0.1, 1)), _line((-0.25, 0.0), (0.4, 0.0))],
        [_line((-0.55, -0.8), (-0.5, -1), (0.55, -1), (0.05, 0.2), (0.0, 1))]],
    8: [[_arc(0, -0.52, 0.4, 0.45, 0, 360, 16), _arc(0, 0.45, 0.5, 0.52, 0, 360, 16)],
        [_join(_arc(0, -0.52, 0.42, 0.45, 90, 360, 12), _arc(0, 0.45, 0.5, 0.52, -90, 270, 16),
               _arc(0, -0.52, 0.42, 0.45, 0, 90, 4)[1:])]],
    9: [[_arc(0, -0.45, 0.45, 0.5, 0, 360, 16), _line((0.45, -0.45), (0.4, 1))],
        [_arc(0, -0.45, 0.45, 0.5, 0, 360, 16), _line((0.45, -0.4), (0.42, 0.4), (0.2, 0.9), (-0.3, 1))]],
}


def _segments(strokes: list[np.ndarray]) -> np.ndarray:
    """Consecutive point pairs of every stroke: (S, 2, 2) = (segment, end, xy)."""
    return np.concatenate([np.stack([s[:-1], s[1:]], axis=1) for s in strokes], axis=0)


def _template_segments(digit: int) -> np.ndarray:
    """All ways of writing ``digit`` as one array (ways, S, 2, 2); shorter ways are
    padded with copies of their last segment, which draw nothing new."""
    ways = [_segments(strokes) for strokes in TEMPLATES[digit]]
    s_max = max(len(w) for w in ways)
    return np.stack([np.concatenate([w, np.repeat(w[-1:], s_max - len(w), axis=0)]) for w in ways])


_PIXEL_X, _PIXEL_Y = (g.ravel().astype(np.float32) for g in np.meshgrid(np.arange(SIZE), np.arange(SIZE)))
"""Pixel centres, row by row: column (x) and row (y) of each of the SIZE² pixels."""


def _distance_to_segments(seg: np.ndarray) -> np.ndarray:
    """Distance from every pixel centre to the nearest segment.

    ``seg``: (B, S, 2, 2) float32 segment ends in pixel coordinates. With a the
    segment's start, b its end and p a pixel centre:

        t = clip((p − a)·(b − a) / |b − a|², 0, 1)      (the nearest point is a + t (b − a))
        d = |p − a − t (b − a)|

    Returns (B, SIZE²). The x and y parts are kept as separate (B, S, SIZE²)
    arrays, worked on in place, a few digits at a time so that they stay in
    the CPU cache."""
    out = np.empty((seg.shape[0], SIZE * SIZE), np.float32)
    for start in range(0, seg.shape[0], _CHUNK):
        part = seg[start:start + _CHUNK]
        ax, ay = part[:, :, 0, 0, None], part[:, :, 0, 1, None]           # (b, S, 1)
        abx, aby = part[:, :, 1, 0, None] - ax, part[:, :, 1, 1, None] - ay
        apx, apy = _PIXEL_X - ax, _PIXEL_Y - ay                          # (b, S, P)
        t = apx * abx
        t += apy * aby
        t /= np.maximum(abx * abx + aby * aby, 1e-6)
        np.clip(t, 0.0, 1.0, out=t)
        gx, gy = t * abx, t * aby
        np.subtract(apx, gx, out=gx)
        np.subtract(apy, gy, out=gy)
        gx *= gx
        gy *= gy
        gx += gy
        out[start:start + _CHUNK] = gx.min(axis=1)
    return np.sqrt(out)


def _distort(seg: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Wobble, affine-transform and place template segments (B, S, 2, 2) in pixel coordinates."""
    b = seg.shape[0]
    # Smooth wobble: each coordinate moves by a·sin(f·(u·p) + φ) along a random direction u.
    u = rng.normal(size=(b, 2, 2))                 # (digit, coordinate, direction)
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    freq = rng.uniform(1.5, 3.0, (b, 1, 1, 2))
    phase = rng.uniform(0, 2 * np.pi, (b, 1, 1, 2))
    amp = rng.uniform(0.0, 0.1, (b, 1, 1, 2)) * amount
    seg = seg + amp * np.sin(freq * np.einsum("bcy,bsey->bsec", u, seg) + phase)
    # Affine: rotate · shear · scale, then shift; the matrix acts on column vectors (x, y).
    angle = np.radians(np.clip(rng.normal(0, 10, b), -22, 22)) * amount
    scale = 1 + rng.uniform(-0.2, 0.12, b) * amount
    aspect = 1 + rng.uniform(-0.25, 0.2, b) * amount
    shear = rng.uniform(-0.35, 0.35, b) * amount
    cos, sin = np.cos(angle), np.sin(angle)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shear_m = np.zeros((b, 2, 2))
    shear_m[:, 0, 0] = shear_m[:, 1, 1] = 1
    shear_m[:, 0, 1] = -shear                      # x ← x − shear·y: the top leans right for shear > 0
    stretch = np.zeros((b, 2, 2))
    stretch[:, 0, 0] = scale * aspect
    stretch[:, 1, 1] = scale
    m = rotate @ shear_m @ stretch * _SCALE
    shift = (SIZE - 1) / 2 + rng.uniform(-2.0, 2.0, (b, 2)) * amount
    return np.einsum("bxy,bsey->bsex", m, seg) + shift[:, None, None, :]


def _keep_inside(seg: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Shift (and if need be shrink) each digit's segments (B, S, 2, 2) so that
    its ink, reaching ``margin`` (B, 1) pixels beyond the strokes, stays inside the image."""
    points = seg.reshape(len(seg), -1, 2)
    low, high = points.min(axis=1), points.max(axis=1)                   # (B, 2) bounding boxes
    centre = (low + high) / 2
    room = (SIZE - 1) - 2 * margin                                        # (B, 1)
    shrink = np.minimum(1.0, room / np.maximum(high - low, 1e-9)).min(axis=1, keepdims=True)
    half = (high - low) / 2 * shrink
    new_centre = np.clip(centre, margin + half, (SIZE - 1) - margin - half)
    placed = (points - centre[:, None]) * shrink[:, None] + new_centre[:, None]
    return placed.reshape(seg.shape)


def _render(seg: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Ink of each pixel for template segments (B, S, 2, 2): returns (B, SIZE, SIZE) in [0, 1]."""
    b = seg.shape[0]
    radius = np.maximum(1.3 + rng.uniform(-0.6, 0.8, (b, 1)) * amount, 0.4)
    softness = np.maximum(1.0 + rng.uniform(-0.4, 0.4, (b, 1)) * amount, 0.2)
    intensity = np.clip(1.0 - rng.uniform(0.0, 0.25, (b, 1)) * amount, 0.3, 1.0)
    seg = _keep_inside(_distort(seg, rng, amount), radius + softness / 2)
    d = _distance_to_segments(seg.astype(np.float32))
    ink = np.clip((radius + softness / 2 - d) / softness, 0.0, 1.0) * intensity
    return ink.reshape(b, SIZE, SIZE)


def digits(n: int = 1000, seed: int = 0, noise: float = 0.05, distortion: float = 1.0):
    """Draw ``n`` handwritten-style digits (labels balanced over 0-9, shuffled).

    ``noise``: standard deviation of the Gaussian noise added to every pixel
    (the result is clipped to [0, 1]). ``distortion``: scales every random
    variation (wobble, rotation, scale, shear, shift, pen); 0 draws the clean
    templates, 1 is the default handwriting variety.

    Returns ``x`` of shape (n, 1, 28, 28), float64 in [0, 1] (white ink on
    black), and integer labels ``y`` of shape (n,), int64 in 0..9. The same
    ``seed`` always gives the same digits.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"The number of digits n must be a whole number ≥ 1, got {n!r}.")
    for name, value in (("noise", noise), ("distortion", distortion)):
        if not isinstance(value, (int, float, np.number)) or not np.isfinite(value) or value < 0:
            raise ConfigError(f"{name} must be a finite number ≥ 0, got {value!r}.")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 10).astype(np.int64)
    x = np.empty((n, 1, SIZE, SIZE))
    for digit in np.unique(y):
        ways = _template_segments(digit)
        where = np.flatnonzero(y == digit)
        seg = ways[rng.integers(0, len(ways), len(where))]
        x[where, 0] = _render(seg, rng, float(distortion))
    if noise:
        x += rng.normal(0.0, noise, x.shape)
    np.clip(x, 0.0, 1.0, out=x)
    return x, y
