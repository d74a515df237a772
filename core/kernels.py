"""Kernel presets: classic 3 × 3 filters to load into a conv layer by hand.

The first two are the lecture's edge detectors ("Ex) Convolution filter
detecting edges"); applied as a *correlation* (the kernel slides over the
image without flipping)::

    horizontal_edge            vertical_edge
    [[-1, -1, -1],             [[-1, 1, 0],
     [ 1,  1,  1],              [-1, 1, 0],
     [ 0,  0,  0]]              [-1, 1, 0]]

    score(i, j) = Σ_u Σ_v kernel[u, v] · image[i + u, j + v]

so ``horizontal_edge`` answers strongly where a dark row lies above a bright
one, and ``vertical_edge`` where a dark column lies left of a bright one.

    kernel_preset("sobel_x")        # a fresh (3, 3) float array
    KERNEL_PRESETS["laplacian"].description
    net, x = lecture_edge_example()  # the lecture's 8 × 8 input and edge detector
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .layers.conv import Conv2D
from .layers.pooling import MaxPool2D
from .network import Network


@dataclass(frozen=True)
class KernelPreset:
    """A named filter: ``values`` is a read-only (kh, kw) float array."""
    name: str
    label: str
    values: np.ndarray
    description: str


def _preset(name: str, label: str, rows, description: str) -> KernelPreset:
    values = np.array(rows, dtype=np.float64)
    values.setflags(write=False)
    return KernelPreset(name, label, values, description)


KERNEL_PRESETS: dict[str, KernelPreset] = {p.name: p for p in (
    _preset("horizontal_edge", "Horizontal edge (lecture)",
            [[-1, -1, -1], [1, 1, 1], [0, 0, 0]],
            "The lecture's filter: responds where a dark row lies above a bright row."),
    _preset("vertical_edge", "Vertical edge (lecture)",
            [[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]],
            "The lecture's filter 2: responds where a dark column lies left of a bright column."),
    _preset("sobel_x", "Sobel x",
            [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
            "Brightness change from left to right (vertical edges), smoothed vertically."),
    _preset("sobel_y", "Sobel y",
            [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
            "Brightness change from top to bottom (horizontal edges), smoothed horizontally."),
    _preset("laplacian", "Laplacian",
            [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
            "Second derivative: zero on flat areas and ramps, large at spots and thin lines."),
    _preset("box_blur", "Box blur",
            np.full((3, 3), 1 / 9),
            "Average of the 3 × 3 neighbourhood: smooths the image."),
    _preset("sharpen", "Sharpen",
            [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
            "The pixel minus the Laplacian: keeps the image and strengthens its edges."),
)}


def kernel_preset(name: str, shape: tuple[int, int] = (3, 3)) -> np.ndarray:
    """A writable copy of preset ``name``; raises ConfigError for an unknown name.

    ``shape`` (kh, kw) ≥ (3, 3) puts the 3 × 3 preset in the middle of a zero
    kernel that size (for a 5 × 5 layer: one ring of zeros around it), which
    filters the same way; an even size leaves the extra row/column below/right."""
    try:
        values = KERNEL_PRESETS[name].values
    except KeyError:
        known = ", ".join(KERNEL_PRESETS)
        raise ConfigError(f"There is no kernel preset {name!r}; choose one of: {known}.") from None
    kh, kw = (int(n) for n in shape)
    if kh < 3 or kw < 3:
        raise ConfigError(f"Kernel presets are 3 × 3; they do not fit a {kh} × {kw} kernel. "
                          f"Use a kernel_size of 3 or more.")
    kernel = np.zeros((kh, kw))
    top, left = (kh - 3) // 2, (kw - 3) // 2
    kernel[top:top + 3, left:left + 3] = values
    return kernel


def flip_kernel(kernel: np.ndarray) -> np.ndarray:
    """The kernel turned by 180° over its last two axes (rows and columns).

    A true *convolution* is a correlation with the flipped kernel:
    ``(image ∗ k)(i, j) = Σ_u Σ_v k[kh−1−u, kw−1−v] · image[i + u, j + v]``."""
    return np.asarray(kernel)[..., ::-1, ::-1].copy()


#: the lecture's 8 × 8 input of "Ex) Convolution filter detecting edges" (its "Convolution layer 1")
LECTURE_EDGE_INPUT = np.array([
    [0, 1, 2, 3, 2, 1, 0, 0],
    [0, 0, -1, -2, -2, -1, 0, 0],
    [0, 0, 1, 2, 2, 1, 0, 0],
    [0, -1, -2, -2, -1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 2, 2, 1, 0, 0, 0],
    [0, -1, -2, -3, -2, -1, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0]], dtype=np.float64)
LECTURE_EDGE_INPUT.setflags(write=False)


def lecture_edge_example(preset: str = "horizontal_edge") -> tuple[Network, np.ndarray]:
    """The lecture's edge-detection example as a network and its input.

    ``Conv2D(1, 3, padding=((0, 2), (0, 2)))`` holding preset ``preset`` (bias 0):
    the kernel is anchored at its top-left cell and zeros lie beyond the
    bottom and right edges, so the 8 × 8 input gives the lecture's 8 × 8 table
    ("Convolution layer 2"); then ``MaxPool2D(2, 2)`` as in its max-pooling
    example (8 × 8 → 4 × 4). Returns ``(network, x)`` with x of shape (1, 1, 8, 8)."""
    conv = Conv2D(1, 3, padding=((0, 2), (0, 2)))
    net = Network([conv, MaxPool2D(2, 2)], input_shape=(1, 8, 8), loss="mse")
    conv.params["W"] = kernel_preset(preset)[None, None]
    conv.params["b"] = [0.0]
    return net, LECTURE_EDGE_INPUT[None, None].copy()
