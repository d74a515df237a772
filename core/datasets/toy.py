"""Small built-in data sets to train on in seconds.

Classification sets have two inputs so the GUI can draw the decision boundary:

* ``circle``        — class 1 inside a disc, class 0 on a ring around it
* ``xor``           — class 1 where x₁ and x₂ have opposite signs (not linearly separable)
* ``two_gaussians`` — two round clouds, one per class (linearly separable)
* ``spiral``        — interleaved spiral arms, one per class (hard)

each returning ``x`` of shape ``(n, 2)`` (float64) and integer labels ``y`` of
shape ``(n,)``. ``noisy_line`` is for the lecture's linear regression
y = θᵀx + b fitted with MSE: ``x`` of shape ``(n, 1)`` and ``y`` of shape ``(n, 1)``.

Every function is seeded (the same seed gives the same data) and takes the
sample count ``n`` and a ``noise`` level. ``TOY_DATASETS`` lists them with
their parameters for the GUI.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import ConfigError


def _check_int(value, what: str = "The number of samples n", minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{what} must be a whole number ≥ {minimum}, got {value!r}.")
    return int(value)


def _check_real(value, what: str, low: float = 0.0) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number, got {value!r}.") from None
    if not np.isfinite(value) or value < low:
        raise ConfigError(f"{what} must be a finite number ≥ {low:g}, got {value!r}.")
    return value


def _balanced_labels(n: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels in 0..classes-1, as equal in number as possible, shuffled."""
    return rng.permutation(np.arange(n) % classes).astype(np.int64)


def circle(n: int = 200, noise: float = 0.1, seed: int = 0):
    """A disc (class 1, radius < 0.5) inside a ring (class 0, radius 0.7 … 1.0).

    Points are spread evenly over the areas; then Gaussian noise of standard
    deviation ``noise`` is added to both coordinates (from about 0.15 the two
    classes start to overlap).

    Returns ``x`` (n, 2) float64 and ``y`` (n,) int64.
    """
    n, noise = _check_int(n), _check_real(noise, "noise")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, 2, rng)
    # Uniform over an annulus r0 … r1: r = sqrt(U(r0², r1²)).
    r0 = np.where(y == 1, 0.0, 0.7)
    r1 = np.where(y == 1, 0.5, 1.0)
    r = np.sqrt(rng.uniform(r0 ** 2, r1 ** 2))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def xor(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Four quadrants of the square [-1, 1]²: class 1 where x₁·x₂ < 0.

    Points keep a margin of 0.1 from the axes so that with ``noise=0`` the
    classes are cleanly separated; Gaussian noise of standard deviation
    ``noise`` is then added to both coordinates.

    Returns ``x`` (n, 2) float64 and ``y`` (n,) int64.
    """
    n, noise = _check_int(n), _check_real(noise, "noise")
    rng = np.random.default_rng(seed)
    magnitude = rng.uniform(0.1, 1.0, (n, 2))
    sign = rng.choice([-1.0, 1.0], (n, 2))
    x = magnitude * sign
    y = (sign[:, 0] != sign[:, 1]).astype(np.int64)
    return x + rng.normal(0.0, noise, x.shape), y


def two_gaussians(n: int = 200, noise: float = 0.5, distance: float = 2.0, seed: int = 0):
    """Two round Gaussian clouds: class 0 centred at (−d/2, −d/2), class 1 at
    (+d/2, +d/2), each with standard deviation ``noise``.

    Returns ``x`` (n, 2) float64 and ``y`` (n,) int64.
    """
    n, noise = _check_int(n), _check_real(noise, "noise")
    distance = _check_real(distance, "distance")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, 2, rng)
    centre = np.where(y == 1, 0.5, -0.5)[:, None] * distance * np.ones((1, 2))
    return centre + rng.normal(0.0, noise, (n, 2)), y


def spiral(n: int = 300, noise: float = 0.1, classes: int = 2, turns: float = 1.0, seed: int = 0):
    """``classes`` interleaved spiral arms around the origin, one per class.

    Arm k at parameter t ∈ [0, 1]: radius r = t, angle θ = 2π·turns·t + 2πk/classes,
    point (r cos θ, r sin θ) + Gaussian noise of standard deviation ``noise``·r
    (the centre, where the arms meet, stays sharp).

    Returns ``x`` (n, 2) float64 and ``y`` (n,) int64 in 0..classes-1.
    """
    n, noise = _check_int(n), _check_real(noise, "noise")
    classes = _check_int(classes, "The number of classes", minimum=2)
    turns = _check_real(turns, "turns")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, classes, rng)
    t = np.sqrt(rng.uniform(0.0, 1.0, n))        # sqrt: as many points on the outer arm as inside
    angle = 2 * np.pi * turns * t + 2 * np.pi * y / classes
    x = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return x + rng.normal(0.0, 1.0, x.shape) * (noise * t)[:, None], y


def noisy_line(n: int = 100, noise: float = 0.2, slope: float = 2.0, intercept: float = 0.5,
               seed: int = 0):
    """Points scattered around the line y = θ·x + b (θ = ``slope``, b = ``intercept``),
    the lecture's linear regression: x ~ U(−1, 1), y = θ·x + b + ε, ε ~ N(0, noise²).

    Returns ``x`` (n, 1) float64 and ``y`` (n, 1) float64: one input, one target,
    as a Dense(1) network trained with MSE expects.
    """
    n, noise = _check_int(n), _check_real(noise, "noise")
    slope = _check_real(slope, "slope", low=-np.inf)
    intercept = _check_real(intercept, "intercept", low=-np.inf)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 1))
    return x, slope * x + intercept + rng.normal(0.0, noise, (n, 1))


@dataclass(frozen=True)
class ToyParam:
    """One adjustable parameter of a toy data set, for a GUI control."""
    name: str
    default: float | int
    minimum: float | int
    maximum: float | int
    description: str


@dataclass(frozen=True)
class ToyDataset:
    """A registry entry: the generator, what it is for and its parameters.

    ``task`` is ``"classification"`` (integer labels, ``classes`` of them when
    ``classes`` is fixed; for ``spiral`` it is the ``classes`` parameter) or
    ``"regression"`` (float targets of shape (n, 1))."""
    name: str
    function: Callable
    task: str
    description: str
    params: tuple[ToyParam, ...]

    def defaults(self) -> dict:
        """Every parameter's default value, by name."""
        return {p.name: p.default for p in self.params}

    def generate(self, **kwargs):
        """Call the generator with the defaults overridden by ``kwargs``: returns ``(x, y)``."""
        unknown = set(kwargs) - {p.name for p in self.params}
        if unknown:
            raise ConfigError(f"{self.name} has no parameter {', '.join(sorted(unknown))}; "
                              f"it takes {', '.join(p.name for p in self.params)}.")
        return self.function(**{**self.defaults(), **kwargs})


_N = ToyParam("n", 200, 10, 100_000, "number of samples")
_SEED = ToyParam("seed", 0, 0, 2 ** 31 - 1, "random seed: the same seed gives the same data")
_POINT_NOISE = ToyParam("noise", 0.1, 0.0, 1.0, "standard deviation of the noise added to each point")

TOY_DATASETS: dict[str, ToyDataset] = {d.name: d for d in (
    ToyDataset("circle", circle, "classification",
               "A disc (class 1) inside a ring (class 0): needs a hidden layer.",
               (_N, _POINT_NOISE, _SEED)),
    ToyDataset("xor", xor, "classification",
               "Class 1 where x₁ and x₂ have opposite signs: the classic problem a single perceptron cannot solve.",
               (_N, _POINT_NOISE, _SEED)),
    ToyDataset("two_gaussians", two_gaussians, "classification",
               "Two Gaussian clouds: a straight line separates them, one perceptron is enough.",
               (_N, ToyParam("noise", 0.5, 0.0, 3.0, "standard deviation of each cloud"),
                ToyParam("distance", 2.0, 0.0, 10.0, "distance between the two centres along each axis"),
                _SEED)),
    ToyDataset("spiral", spiral, "classification",
               "Interleaved spiral arms, one per class: needs a deeper network.",
               (ToyParam("n", 300, 10, 100_000, "number of samples"),
                ToyParam("noise", 0.1, 0.0, 1.0, "noise, relative to the distance from the centre"),
                ToyParam("classes", 2, 2, 10, "number of arms (classes)"),
                ToyParam("turns", 1.0, 0.0, 5.0, "how many times each arm winds around the centre"),
                _SEED)),
    ToyDataset("noisy_line", noisy_line, "regression",
               "Points around the line y = θ·x + b: linear regression with MSE, as in the lecture.",
               (ToyParam("n", 100, 2, 100_000, "number of samples"),
                ToyParam("noise", 0.2, 0.0, 5.0, "standard deviation of the noise added to y"),
                ToyParam("slope", 2.0, -10.0, 10.0, "θ, the slope of the true line"),
                ToyParam("intercept", 0.5, -10.0, 10.0, "b, where the true line crosses x = 0"),
                _SEED)),
)}
