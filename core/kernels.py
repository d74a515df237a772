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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError


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


def kernel_preset(name: str) -> np.ndarray:
    """A writable copy of preset ``name``'s (3, 3) values; raises ConfigError for an unknown name."""
    try:
        return KERNEL_PRESETS[name].values.copy()
    except KeyError:
        known = ", ".join(KERNEL_PRESETS)
        raise ConfigError(f"There is no kernel preset {name!r}; choose one of: {known}.") from None


def flip_kernel(kernel: np.ndarray) -> np.ndarray:
    """The kernel turned by 180° over its last two axes (rows and columns).

    A true *convolution* is a correlation with the flipped kernel:
    ``(image ∗ k)(i, j) = Σ_u Σ_v k[kh−1−u, kw−1−v] · image[i + u, j + v]``."""
    return np.asarray(kernel)[..., ::-1, ::-1].copy()
