"""Accuracy, and which tasks have one.

A task is one of

* ``"multiclass"`` — several outputs; the predicted class is the argmax of the
  output row. Targets are integer labels ``(N,)`` or one-hot rows ``(N, K)``.
* ``"binary"`` — one output squashed by sigmoid (or step); the predicted class is
  1 where out ≥ 0.5. Targets are 0/1, shape ``(N, 1)``.
* ``"regression"`` — anything else (the lecture's 2-2-2 with targets 0.01 and
  0.99 is one): there is no accuracy, only the loss.

accuracy = (number of samples whose predicted class equals the target class) / N
"""
from __future__ import annotations

import numpy as np


def task_kind(net, y) -> str:
    """Which task training ``net`` on targets ``y`` is: "multiclass", "binary" or "regression"."""
    y = np.asarray(y)
    out_shape = net.output_shape
    if len(out_shape) != 1 or y.size == 0 or not np.all(np.isfinite(y)):
        return "regression"
    last_activation = getattr(net.layers[-1], "activation", None) if net.layers else None
    zeros_and_ones = bool(np.all((y == 0) | (y == 1)))
    if out_shape[0] == 1:
        squashed = last_activation is not None and last_activation.name in ("sigmoid", "step")
        return "binary" if squashed and zeros_and_ones else "regression"
    if y.ndim == 1 and np.all(y == np.round(y)):
        return "multiclass"
    one_hot = y.ndim == 2 and zeros_and_ones and bool(np.all(y.sum(axis=1) == 1))
    return "multiclass" if one_hot or net.loss.takes_logits else "regression"


def predicted_classes(out: np.ndarray, kind: str) -> np.ndarray:
    """The class each output row stands for, shape ``(N,)``."""
    if kind == "binary":
        return (out[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(out, axis=1)


def target_classes(y: np.ndarray, kind: str) -> np.ndarray:
    """The class of each target, shape ``(N,)``."""
    if kind == "binary":
        return np.asarray(y).reshape(len(y)).astype(np.int64)
    y = np.asarray(y)
    return y.astype(np.int64) if y.ndim == 1 else np.argmax(y, axis=1)


def correct_count(out: np.ndarray, y: np.ndarray, kind: str) -> int:
    """How many rows of ``out`` predict the class of ``y`` (0 for regression)."""
    if kind == "regression":
        return 0
    return int(np.count_nonzero(predicted_classes(out, kind) == target_classes(y, kind)))


def accuracy(out: np.ndarray, y: np.ndarray, kind: str) -> float | None:
    """Fraction of correct predictions, or None for regression."""
    if kind == "regression":
        return None
    return correct_count(out, y, kind) / len(out)
