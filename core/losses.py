"""Loss functions E(out, target) and their gradients ∂E/∂out.

All losses average over the batch (the lecture's mini-batch gradient is
(1/B) Σₖ ∂Jₖ/∂θ), so a batch of one gives the lecture's numbers exactly.

* ``"half_sse"`` — the lecture's E_total = Σₖ ½ (targetₖ − outₖ)², summed over outputs
* ``"mse"``      — mean over every element of (target − out)², as ``torch.nn.MSELoss``
* ``"cross_entropy"`` — softmax + cross-entropy fused: E = −Σₖ yₖ log softmax(z)ₖ,
  ∂E/∂z = softmax(z) − y. It takes the *logits* z: when the last layer ends in
  softmax, the network hands the loss that layer's ``net``. Labels are one-hot
  rows or integer class indices.

Each loss has ``value(out, y) -> float``, ``terms(out, y)`` (per-output error of
each sample, e.g. E_o1 and E_o2) and ``grad(out, y)`` (∂E/∂out, shape of out).
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError, InputError, ShapeError


class Loss:
    """E(out, y) averaged over the batch. ``out`` is (N, K); ``y`` is (N, K), or
    for cross-entropy also (N,) integer class labels."""
    name = ""
    formula = ""
    #: True when the loss takes logits and is fused with a final softmax
    takes_logits = False

    def check(self, out: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``y`` as an array of ``out``'s shape; raises ShapeError otherwise."""
        y = np.asarray(y)
        if y.shape != out.shape:
            raise ShapeError(f"The targets have shape {y.shape} but the network outputs {out.shape}; "
                             f"give one target per output.")
        return y

    def terms(self, out, y) -> np.ndarray:
        raise NotImplementedError

    def value(self, out, y) -> float:
        return float(self.terms(out, y).sum() / out.shape[0])

    def grad(self, out, y) -> np.ndarray:
        raise NotImplementedError

    def value_and_grad(self, out, y) -> tuple[float, np.ndarray]:
        """``(value(out, y), grad(out, y))``, the same numbers; a loss may share work between them."""
        return self.value(out, y), self.grad(out, y)

    def __repr__(self):
        return f"{self.name}: {self.formula}"


class HalfSSE(Loss):
    name = "half_sse"
    formula = "E = Σₖ ½ (targetₖ − outₖ)²"

    def terms(self, out, y):
        y = self.check(out, y)
        return 0.5 * (y - out) ** 2

    def grad(self, out, y):
        y = self.check(out, y)
        return (out - y) / out.shape[0]


class MSE(Loss):
    name = "mse"
    formula = "E = (1/K) Σₖ (targetₖ − outₖ)²"

    def terms(self, out, y):
        y = self.check(out, y)
        return (y - out) ** 2 / out.shape[1]

    def grad(self, out, y):
        y = self.check(out, y)
        return (2.0 / out.size) * (out - y)


class CrossEntropy(Loss):
    name = "cross_entropy"
    formula = "E = −Σₖ yₖ · log softmax(z)ₖ"
    takes_logits = True

    def check(self, z, y):
        """One-hot rows of ``z``'s shape; integer labels (N,) are turned into them."""
        labels = self.labels(z, y)
        if labels is None:
            return super().check(z, y)
        return np.eye(z.shape[1], dtype=z.dtype)[labels]      # row i of the identity is one-hot for i

    @staticmethod
    def labels(z, y) -> np.ndarray | None:
        """``y`` as integer class labels (N,) checked against ``z``'s K outputs, or
        None when ``y`` is not a vector of labels (then it must be one-hot rows)."""
        y = np.asarray(y)
        if not (y.ndim == 1 and z.ndim == 2 and y.shape[0] == z.shape[0]):
            return None
        if y.dtype.kind not in "iu" and not np.all(y == np.round(y)):
            raise InputError("Integer class labels must be whole numbers.")
        labels = y.astype(np.intp, copy=False)
        k = z.shape[1]
        # Read as unsigned, a negative label is huge: one max() finds both kinds of bad label.
        if labels.size and labels.view(np.uintp).max() >= k:
            raise InputError(f"Class labels must lie in 0..{k - 1} for {k} outputs; "
                             f"got {labels.min()}..{labels.max()}.")
        return labels

    @staticmethod
    def log_softmax(z):
        shifted = z - np.max(z, axis=-1, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))

    def terms(self, z, y):
        y = self.check(z, y)
        return -y * self.log_softmax(z)

    def grad(self, z, y):
        y = self.check(z, y)
        shifted = z - np.max(z, axis=-1, keepdims=True)
        e = np.exp(shifted)
        return (e / np.sum(e, axis=-1, keepdims=True) - y) / z.shape[0]

    def value(self, z, y):
        labels = self.labels(z, y)
        if labels is None:
            return super().value(z, y)
        shifted = z - z.max(axis=-1, keepdims=True)
        return _loss_at_labels(shifted, np.exp(shifted).sum(axis=-1, keepdims=True), labels)

    def value_and_grad(self, z, y):
        """Checks the labels once and shares shifted z and e^shifted between the
        loss and its gradient.

        With integer labels the one-hot rows are never made: the loss picks
        −log softmax(z)ₙ at each label (the only term of Σₖ yₖ(…) that is not 0)
        and the gradient subtracts 1 there. The gradient is bit for bit what
        ``grad`` gives; the loss is too at batch 1 (with more samples the sum may
        round differently in the last bit, as the zeros are no longer added in)."""
        labels = self.labels(z, y)
        shifted = z - z.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        n = z.shape[0]
        e /= total
        if labels is None:
            y = self.check(z, y)
            value = float((-y * (shifted - np.log(total))).sum() / n)
            e -= y
        else:
            value = _loss_at_labels(shifted, total, labels)
            if n == 1:      # scalar indexing: the usual online-learning step, kept cheap
                e[0, labels[0]] -= 1.0
            else:
                e[np.arange(n), labels] -= 1.0
        if n > 1:           # (÷ 1 changes nothing)
            e /= n
        return value, e


def _loss_at_labels(shifted, total, labels) -> float:
    """The batch's mean of −log softmax(z) at each label, log Σₖ e^shiftedₖ − shifted[label],
    from shifted = z − max z (N, K), total = Σₖ e^shiftedₖ (N, 1) and the labels (N,)."""
    n = len(labels)
    if n == 1:              # scalar indexing, as above
        return float(np.log(total[0, 0]) - shifted[0, labels[0]])
    return float((np.log(total[:, 0]) - shifted[np.arange(n), labels]).sum() / n)


LOSSES = {cls.name: cls for cls in (HalfSSE, MSE, CrossEntropy)}


def get_loss(name) -> Loss:
    """A loss by name (or a Loss, returned as it is); unknown names raise ConfigError."""
    if isinstance(name, Loss):
        return name
    key = str(name).lower()
    if key not in LOSSES:
        raise ConfigError(f"Unknown loss {name!r}. Choose one of: {', '.join(LOSSES)}.")
    return LOSSES[key]()
