"""Losses (core.losses) against values worked out by hand: each averages over the
batch, cross-entropy takes one-hot rows or integer labels and stays finite for
huge logits. (Their gradients are checked in test_gradcheck.py.)"""
import math

import numpy as np
import pytest

from core.errors import ConfigError, InputError, ShapeError
from core.losses import get_loss

OUT = np.array([[0.75136507, 0.772928465]])      # the lecture's out_o1, out_o2
TARGET = np.array([[0.01, 0.99]])


def test_half_sse_is_the_lecture_e_total():
    loss = get_loss("half_sse")
    # ½(0.01 − 0.75136507)² + ½(0.99 − 0.772928465)² = 0.274811083 + 0.023560026
    np.testing.assert_allclose(loss.terms(OUT, TARGET), [[0.274811083, 0.023560026]], atol=1e-9)
    assert loss.value(OUT, TARGET) == pytest.approx(0.298371109, abs=1e-9)
    np.testing.assert_allclose(loss.grad(OUT, TARGET), OUT - TARGET)    # ∂E/∂out = −(target − out)


def test_mse_is_the_mean_over_every_element():
    out, y = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[0.0, 0.0], [3.0, 1.0]])
    loss = get_loss("mse")
    assert loss.value(out, y) == pytest.approx((1 + 4 + 0 + 16) / 4)
    np.testing.assert_allclose(loss.grad(out, y), 2 * (out - y) / 4)


def test_losses_average_over_the_batch():
    two = np.vstack([OUT, OUT]), np.vstack([TARGET, TARGET])
    for name in ("half_sse", "mse"):
        loss = get_loss(name)
        assert loss.value(*two) == pytest.approx(loss.value(OUT, TARGET), rel=1e-15)


def test_cross_entropy_by_hand():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    loss = get_loss("cross_entropy")
    # −log softmax(z)[label]: row 0, label 2: −(3 − log(e + e² + e³)); row 1, label 0: log 3
    expected = (-(3 - math.log(math.e + math.e ** 2 + math.e ** 3)) + math.log(3)) / 2
    assert loss.value(z, np.array([2, 0])) == pytest.approx(expected, rel=1e-14)
    assert loss.value(z, np.eye(3)[[2, 0]]) == loss.value(z, np.array([2, 0]))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.grad(z, np.array([2, 0])), (p - np.eye(3)[[2, 0]]) / 2, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch", [1, 2, 7, 64])
def test_integer_labels_give_the_one_hot_gradient_bit_for_bit(batch, dtype):
    # Integer labels take a shortcut that never builds the one-hot rows; it must not change
    # the gradient, nor at batch 1 (the debugger's online step) the loss.
    rng = np.random.default_rng(batch)
    loss = get_loss("cross_entropy")
    for scale in (0.1, 3.0, 80.0):
        z = (scale * rng.standard_normal((batch, 10))).astype(dtype)
        labels = rng.integers(0, 10, size=batch)
        value, grad = loss.value_and_grad(z, labels)
        one_hot_value, one_hot_grad = loss.value_and_grad(z, np.eye(10, dtype=dtype)[labels])
        assert grad.dtype == dtype and np.array_equal(grad, one_hot_grad)
        np.testing.assert_array_equal(grad, loss.grad(z, labels))
        assert loss.value(z, labels) == value
        if batch == 1:
            assert value == one_hot_value
        else:           # the sum over samples may round differently in the last bit
            assert value == pytest.approx(one_hot_value, rel=1e-6 if dtype == np.float32 else 1e-14)


def test_cross_entropy_stays_finite_for_huge_logits():
    z = np.array([[1000.0, 0.0], [-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = get_loss("cross_entropy").value(z, np.array([1, 1]))
    assert value == pytest.approx(500.0)            # (1000 + 0) / 2


@pytest.mark.parametrize("name, out, y, error, words", [
    ("mse", OUT, np.array([[0.1, 0.2, 0.3]]), ShapeError, "one target per output"),
    ("cross_entropy", np.zeros((2, 3)), np.array([0, 3]), InputError, "must lie in 0..2 for 3 outputs"),
    ("cross_entropy", np.zeros((2, 3)), np.array([-1, 2]), InputError, r"must lie in 0..2 .*got -1..2"),
    ("cross_entropy", np.zeros((2, 3)), np.array([2.0, -1.0]), InputError, r"must lie in 0..2 .*got -1..2"),
    ("cross_entropy", np.zeros((2, 3)), np.array([0.5, 1.0]), InputError, "whole numbers"),
])
def test_bad_targets(name, out, y, error, words):
    with pytest.raises(error, match=words):
        get_loss(name).value(out, y)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ConfigError, match="Unknown loss 'mae'. Choose one of: half_sse, mse, cross_entropy"):
        get_loss("mae")
