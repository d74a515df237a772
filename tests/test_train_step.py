"""Network.train_step: the trainer's one-call step (forward, loss, backward, update,
each layer updated right after its backward) against the two-call public path
``forward_backward`` + ``optimizer.step``: the same numbers, bit for bit."""
import copy

import numpy as np
import pytest

from core import Conv2D, Dense, Flatten, MaxPool2D, Network
from core.optimizers import OPTIMIZERS, SGD


def small_cnn(dtype=np.float64):
    net = Network([Conv2D(3, 3, padding=1, activation="relu"), MaxPool2D(2), Flatten(),
                   Dense(5, activation="tanh"), Dense(3, activation="softmax")],
                  input_shape=(2, 6, 6), loss="cross_entropy", dtype=dtype, seed=3)
    net.layers[3].freeze("b")
    rng = np.random.default_rng(7)
    return net, rng.standard_normal((4, 2, 6, 6)).astype(dtype), np.array([0, 2, 1, 2])


def assert_same_weights(a, b):
    for la, lb in zip(a.layers, b.layers, strict=True):
        for k in la.params:
            np.testing.assert_array_equal(la.params[k], lb.params[k])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_train_step_is_forward_backward_then_step_bit_for_bit(name, batch, dtype):
    a, x, y = small_cnn(dtype)
    b = copy.deepcopy(a)
    opt_a, opt_b = OPTIMIZERS[name](lr=0.05), OPTIMIZERS[name](lr=0.05)
    for i in range(3):
        xb, yb = x[i:i + batch], y[i:i + batch]
        step = a.train_step(xb, yb, opt_a)
        loss, grads = b.forward_backward(xb, yb)
        opt_b.step(b, grads)
        assert step.loss == loss and step.grads is None
        assert_same_weights(a, b)
    assert opt_a.state.keys() == opt_b.state.keys() and (3, "b") not in opt_a.state
    for key, state in opt_a.state.items():
        for k, v in state.items():
            np.testing.assert_array_equal(v, opt_b.state[key][k])


def test_train_step_returns_the_logits_when_softmax_is_fused():
    net, x, y = small_cnn()
    expected = net.forward(x)                    # softmax probabilities, before the update
    step = net.train_step(x, y, SGD(lr=0.1))
    assert step.out.shape == (4, 3)
    np.testing.assert_allclose(np.exp(step.out) / np.exp(step.out).sum(axis=1, keepdims=True),
                               expected, rtol=1e-12)


@pytest.mark.parametrize("batch", [1, 4])
def test_kept_gradients_are_those_of_forward_backward_untouched(batch):
    a, x, y = small_cnn()
    b = copy.deepcopy(a)
    _, expected = b.forward_backward(x[:batch], y[:batch])
    step = a.train_step(x[:batch], y[:batch], SGD(lr=0.5), keep_grads=True)
    for got, want in zip(step.grads, expected, strict=True):
        assert got.keys() == want.keys()
        for k in got:
            np.testing.assert_array_equal(got[k], want[k])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_two_call_step_never_writes_into_the_gradients_it_is_given(name):
    # train_step may use its own gradients' memory for the step; optimizer.step must not,
    # as the caller (a notebook, the debugger) reads them afterwards
    net, x, y = small_cnn()
    opt = OPTIMIZERS[name](lr=0.05)
    for _ in range(2):
        _, grads = net.forward_backward(x[:1], y[:1])
        copies = [{k: v.copy() for k, v in g.items()} for g in grads]
        opt.step(net, grads)
        for g, c in zip(grads, copies):
            for k in g:
                np.testing.assert_array_equal(g[k], c[k])


def test_a_loss_that_is_not_finite_updates_nothing():
    net, x, y = small_cnn()
    net.layers[4].params["W"] = np.full((5, 3), np.inf)
    before = net.get_weights()
    opt = SGD(lr=0.1)
    with np.errstate(invalid="ignore"):        # inf · 0 in the logits: a NaN loss
        step = net.train_step(x, y, opt)
    assert not np.isfinite(step.loss) and opt.state == {}
    for layer, weights in zip(net.layers, before):
        for k, v in weights.items():
            np.testing.assert_array_equal(layer.params[k], v)


def test_the_lecture_update_through_train_step():
    # the 2-2-2 example with frozen biases: the lecture's w5..w8 after one step with η = 0.5
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse")
    net.layers[0].params["W"] = [[0.15, 0.25], [0.20, 0.30]]
    net.layers[0].params["b"] = [0.35, 0.35]
    net.layers[1].params["W"] = [[0.40, 0.50], [0.45, 0.55]]
    net.layers[1].params["b"] = [0.60, 0.60]
    for layer in net.layers:
        layer.freeze("b")
    step = net.train_step(np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]), SGD(lr=0.5))
    assert step.loss == pytest.approx(0.298371109, abs=1e-9)
    np.testing.assert_allclose(net.layers[1].params["W"],
                               [[0.35891648, 0.511301270], [0.408666186, 0.561370121]], atol=1e-9)
