"""Splitting data into training, validation and test sets, and standardising features.

    parts = train_val_test_split(x, y, val=0.1, test=0.1, seed=0)
    x_train, x_val, x_test = standardize(parts.x_train, parts.x_val, parts.x_test)

The validation set steers training (early stopping, picking settings); the
test set is looked at once, at the end. Standardisation statistics come from
the training set only and are applied unchanged to the others: the test set
must not leak into training.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, InputError, ShapeError


@dataclass(frozen=True)
class Split:
    """Three parts of a data set; ``x_*`` keep the sample shape of x, ``y_*`` of y.
    A part with no samples has length 0."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _fraction(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(value) < 1.0:
        raise ConfigError(f"{what} is a fraction of the samples, from 0 up to (not including) 1; got {value!r}.")
    return float(value)


def train_val_test_split(x, y, val: float = 0.1, test: float = 0.1, seed: int = 0) -> Split:
    """Split ``(x, y)`` at random into training, validation and test parts.

    ``x``: (n, ...) samples, ``y``: (n, ...) targets. ``val`` and ``test`` are
    fractions of n; each part gets round(fraction · n) samples, at least one
    when its fraction is above 0; the training part gets the rest. The same
    ``seed`` always gives the same split; inside each part the samples keep
    their original order.

    Returns a :class:`Split`. Raises ShapeError when x and y differ in length
    and ConfigError when the fractions leave no training sample.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ShapeError(f"x and y must hold one row per sample: x has shape {x.shape}, y {y.shape}.")
    val, test = _fraction(val, "val"), _fraction(test, "test")
    n = len(x)
    n_val = max(1, round(n * val)) if val > 0 else 0
    n_test = max(1, round(n * test)) if test > 0 else 0
    if n - n_val - n_test < 1:
        raise ConfigError(f"val={val:g} and test={test:g} leave no training sample out of {n}; "
                          f"lower them or add data.")
    order = np.random.default_rng(seed).permutation(n)
    test_idx = np.sort(order[:n_test])
    val_idx = np.sort(order[n_test:n_test + n_val])
    train_idx = np.sort(order[n_test + n_val:])
    return Split(x[train_idx], y[train_idx], x[val_idx], y[val_idx], x[test_idx], y[test_idx])


def _stat_axes(ndim: int) -> tuple[int, ...]:
    """Axes the statistics run over: samples (axis 0), and for images (N, C, H, W) also H and W."""
    return (0, 2, 3) if ndim == 4 else (0,)


@dataclass(frozen=True)
class Standardizer:
    """z = (x − mean) / std, with mean and std measured on training data.

    Features (N, features): one mean and std per feature. Images (N, C, H, W):
    one per channel. Anything else: one per element of a sample. A feature
    that is constant in the training data (std 0) gets std 1, so it becomes 0
    instead of dividing by zero."""
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x) -> "Standardizer":
        x = _check_numbers(x, "The training data")
        if len(x) == 0:
            raise InputError("Cannot standardise with statistics from an empty training set.")
        axes = _stat_axes(x.ndim)
        std = x.std(axis=axes, keepdims=True)
        return cls(x.mean(axis=axes, keepdims=True)[0], np.where(std > 0, std, 1.0)[0])

    def transform(self, x) -> np.ndarray:
        x = _check_numbers(x, "The data")
        if not self._fits(x.shape[1:]):
            raise ShapeError(f"These statistics have shape {self.mean.shape} (one per feature or "
                             f"channel); they do not fit data of shape {x.shape}.")
        return (x - self.mean) / self.std

    def _fits(self, sample_shape) -> bool:
        if len(sample_shape) != self.mean.ndim:
            return False
        try:
            return np.broadcast_shapes(sample_shape, self.mean.shape) == tuple(sample_shape)
        except ValueError:
            return False

    def inverse(self, z) -> np.ndarray:
        """Undo :meth:`transform`: x = z · std + mean."""
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def _check_numbers(x, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 0:
        raise ShapeError(f"{what} must be an array of samples (n, ...); got a single number.")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise InputError(f"{what} must hold real numbers, got dtype {x.dtype}.")
    x = x.astype(np.float64, copy=False)
    if not np.isfinite(x).all():
        raise InputError(f"{what} contains NaN or infinite values; clean or drop those samples first.")
    return x


def standardize(x_train, *others) -> tuple[np.ndarray, ...]:
    """Standardise ``x_train`` and any other arrays with the training statistics.

    Returns the standardised arrays (float64), training first, in the order
    given: ``x_train, x_val, x_test = standardize(x_train, x_val, x_test)``.
    Use ``Standardizer.fit(x_train)`` instead to keep the mean and std for
    inputs that come later."""
    scaler = Standardizer.fit(x_train)
    return tuple(scaler.transform(x) for x in (x_train, *others))
