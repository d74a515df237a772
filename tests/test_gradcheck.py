"""Every layer's, loss's and network's backward against centred finite differences
in float64 (core.gradcheck): the worst elementwise relative error must stay below 1e-7.

Kinks are avoided by construction: inputs to ReLU are checked to be away from 0,
and max-pooling inputs have no near-ties in any window.

The data are seeded. A gradient element that is close to 0 by chance (a sum of
terms that nearly cancel) makes its relative error meaningless: the rounding
noise of the finite difference is ~1e-10 absolute. The seeds used here give no
such element; if you change one and a check fails at ~1e-7..1e-5 in a single
entry, try another seed before suspecting the kernel (a wrong kernel gives ~1).
"""
import numpy as np
import pytest

from core import (Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, GlobalAvgPool2D, MaxPool2D,
                  Network)
from core.activations import ACTIVATIONS
from core.errors import ConfigError
from core.gradcheck import check_layer, check_loss, check_network, numerical_gradient, relative_error

TOL = 1e-7
H = 1e-5
#: inputs that ReLU or max pooling see must stay this far from a kink
#: (a step of H in a weight moves them by about H·|x| ≈ 1e-5)
MARGIN = 1e-4


def images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct_images(shape, seed=0):
    """Images whose cells are all different, at least 0.01 apart: max pooling has no ties."""
    values = 0.01 * np.random.default_rng(seed).permutation(int(np.prod(shape))) - 0.005 * np.prod(shape)
    return values.reshape(shape)


def assert_small(errors):
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{worst}: relative error {errors[worst]:.2e} (all: {errors})"


def assert_relu_inputs_away_from_zero(layer, x):
    _, cache = layer.forward(x)
    assert np.min(np.abs(cache["net"])) > MARGIN, "test input puts a ReLU at its kink; change the seed"


# --- the checker itself ----------------------------------------------------------

def test_checker_catches_a_wrong_gradient():
    layer = Dense(3, activation="tanh")
    layer.build((4,), np.random.default_rng(0), np.float64)
    right = check_layer(layer, images((2, 4)))
    layer.affine_backward = lambda delta, cache: (delta @ layer.params["W"].T,
                                                  {"W": 1.01 * cache["x"].T @ delta, "b": delta.sum(0)})
    wrong = check_layer(layer, images((2, 4)))
    assert right["W"] < TOL and wrong["W"] > 1e-3
    assert wrong["x"] < TOL


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda: np.sum(x ** 3), x)
    assert relative_error(grad, 3 * x ** 2) < TOL


def test_relative_error_is_zero_for_two_zero_gradients():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 2.2)


def test_network_check_needs_float64():
    net = Network([Dense(2)], input_shape=(2,), dtype=np.float32)
    with pytest.raises(ConfigError, match="float64"):
        check_network(net, np.ones((1, 2)), np.ones((1, 2)))


# --- dense and activation layers ---------------------------------------------------

SMOOTH = [name for name in ACTIVATIONS if name not in ("step", "relu")]


@pytest.mark.parametrize("activation", SMOOTH + ["relu"])
def test_dense_with_each_activation(activation):
    layer = Dense(5, activation=activation)
    x = images((3, 4), seed=1)
    layer.build((4,), np.random.default_rng(2), np.float64)
    if activation == "relu":
        assert_relu_inputs_away_from_zero(layer, x)
    assert_small(check_layer(layer, x))


@pytest.mark.parametrize("activation", SMOOTH + ["relu"])
def test_activation_layer(activation):
    x = images((3, 6), seed=3)
    assert np.min(np.abs(x)) > MARGIN
    assert_small(check_layer(Activation(activation), x))


def test_step_passes_no_gradient():
    x = images((3, 6), seed=3)
    assert np.min(np.abs(x)) > MARGIN
    layer = Activation("step")
    out, cache = layer.forward(x)
    dx, _ = layer.backward(np.ones_like(out), cache)
    numeric = numerical_gradient(lambda: layer.forward(x)[0], x)
    assert np.all(dx == 0.0) and np.all(numeric == 0.0)


@pytest.mark.parametrize("layer, shape", [(Dense(4, activation="step"), (3, 5)),
                                          (Conv2D(2, 3, stride=2, activation="step"), (2, 2, 5, 5))],
                         ids=["Dense", "Conv2D"])
def test_step_in_a_layer_passes_no_gradient_to_anything(layer, shape):
    x = images(shape, seed=12)
    layer.build(shape[1:], np.random.default_rng(13), np.float64)
    out, cache = layer.forward(x)
    assert np.min(np.abs(cache["net"])) > MARGIN, "a net near the step's threshold; change the seed"
    dx, grads = layer.backward(np.ones_like(out), cache)
    assert not dx.any() and not any(g.any() for g in grads.values())
    assert check_layer(layer, x) == {"x": 0.0, "W": 0.0, "b": 0.0}      # the finite differences are 0 too


# --- image layers ------------------------------------------------------------------

CONV_CASES = [
    # (conv layer, input shape (N, C, H, W))
    (Conv2D(2, 3), (1, 1, 5, 5)),
    (Conv2D(4, 3, stride=2), (2, 3, 7, 7)),
    (Conv2D(3, 3, padding=1), (2, 2, 5, 6)),
    (Conv2D(3, 4, padding="same"), (2, 2, 6, 5)),
    (Conv2D(2, 3, stride=2, padding="same"), (1, 3, 7, 5)),
    (Conv2D(3, (3, 2), stride=(2, 1), padding=((1, 0), (2, 1))), (3, 2, 7, 5)),
    (Conv2D(2, 3, padding=((0, 2), (0, 2))), (2, 1, 6, 6)),
    (Conv2D(5, 2, stride=3), (2, 4, 8, 7)),
    (Conv2D(3, 3, mode="convolution"), (2, 2, 5, 6)),
    (Conv2D(2, (2, 3), stride=2, padding=1, mode="convolution"), (3, 3, 7, 6)),
    (Conv2D(3, 3, padding="same", mode="convolution", activation="tanh"), (2, 2, 5, 5)),
    (Conv2D(2, 3, padding=1, activation="sigmoid"), (2, 3, 4, 5)),
]


@pytest.mark.parametrize("layer, shape", CONV_CASES, ids=[repr(c[0]) for c in CONV_CASES])
def test_conv2d(layer, shape):
    assert_small(check_layer(layer, images(shape, seed=5)))


@pytest.mark.parametrize("layer, shape", [CONV_CASES[1], CONV_CASES[5], CONV_CASES[9]],
                         ids=[repr(CONV_CASES[i][0]) for i in (1, 5, 9)])
def test_conv2d_input_gradient_by_offsets(layer, shape, monkeypatch):
    # Small tests take the bincount way to ∂E/∂x; force the way used for big batches.
    import core.im2col
    monkeypatch.setattr(core.im2col, "BINCOUNT_LIMIT", 0)
    assert_small(check_layer(layer, images(shape, seed=5)))


@pytest.mark.parametrize("activation", SMOOTH)
def test_conv2d_with_each_smooth_activation(activation):
    layer = Conv2D(3, 3, stride=2, padding=1, activation=activation)
    x = images((2, 2, 5, 6), seed=11)
    errors = check_layer(layer, x)
    if activation == "softmax":
        # Softmax runs over the last axis (the width). A channel's bias adds the same
        # amount to every cell of that axis, which softmax ignores: ∂E/∂b is exactly 0,
        # so its relative error compares two rounding noises. Check it is 0 instead.
        out, cache = layer.forward(x)
        _, grads = layer.backward(np.random.default_rng(0).standard_normal(out.shape), cache)
        assert np.abs(grads["b"]).max() < 1e-12
        del errors["b"]
    assert_small(errors)


def test_conv2d_relu():
    layer = Conv2D(3, 3, padding=1, activation="relu")
    x = images((2, 2, 5, 5), seed=5)
    layer.build(x.shape[1:], np.random.default_rng(6), np.float64)
    assert_relu_inputs_away_from_zero(layer, x)
    assert_small(check_layer(layer, x))


POOL_CASES = [
    (MaxPool2D(2), (2, 3, 6, 6)),                 # non-overlapping
    (MaxPool2D(2), (1, 2, 7, 5)),                 # leftover row/column ignored
    (MaxPool2D(3, stride=2), (2, 2, 7, 7)),       # overlapping
    (MaxPool2D((2, 3), stride=1), (1, 2, 5, 6)),  # overlapping, rectangular
    (AvgPool2D(2), (2, 3, 6, 6)),
    (AvgPool2D(3, stride=2), (2, 2, 7, 7)),
    (AvgPool2D((3, 2), stride=(1, 2)), (1, 2, 5, 6)),
]


@pytest.mark.parametrize("layer, shape", POOL_CASES, ids=[repr(c[0]) for c in POOL_CASES])
def test_pooling(layer, shape):
    assert_small(check_layer(layer, distinct_images(shape, seed=7)))


def test_global_avg_pool():
    assert_small(check_layer(GlobalAvgPool2D(), images((3, 4, 5, 6), seed=8)))


def test_flatten():
    assert_small(check_layer(Flatten(), images((2, 3, 4, 5), seed=9)))


def test_dropout_with_a_fixed_mask():
    layer = Dropout(0.5)
    x = images((4, 10), seed=10)
    _, cache = layer.forward(x, training=True, rng=np.random.default_rng(0))
    assert 0 < np.count_nonzero(cache["mask"]) < x.size
    assert_small(check_layer(layer, x, training=True, seed=0))


# --- losses ---------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["mse", "half_sse"])
def test_regression_losses(loss):
    out, y = images((3, 4), seed=11), images((3, 4), seed=12)
    assert check_loss(loss, out, y) < TOL


def test_cross_entropy_with_one_hot_labels():
    z = images((4, 5), seed=13)
    y = np.eye(5)[[0, 3, 4, 1]]
    assert check_loss("cross_entropy", z, y) < TOL


def test_cross_entropy_with_integer_labels():
    z = images((4, 5), seed=14)
    assert check_loss("cross_entropy", z, np.array([2, 0, 4, 4])) < TOL


# --- whole networks ---------------------------------------------------------------------

def test_lecture_sigmoid_network():
    net = Network([Dense(2, "sigmoid"), Dense(2, "sigmoid")], input_shape=(2,), loss="half_sse")
    net.set_weights([{"W": [[0.15, 0.25], [0.20, 0.30]], "b": [0.35, 0.35]},
                     {"W": [[0.40, 0.50], [0.45, 0.55]], "b": [0.60, 0.60]}])
    assert_small(check_network(net, [[0.05, 0.10]], [[0.01, 0.99]]))


@pytest.mark.parametrize("last", [Dense(4, activation="softmax"), Activation("softmax")],
                         ids=["Dense(softmax)", "Activation(softmax)"])
def test_fused_softmax_cross_entropy(last):
    layers = [Dense(6, activation="tanh"), last] if isinstance(last, Dense) else \
        [Dense(6, activation="tanh"), Dense(4), last]
    net = Network(layers, input_shape=(3,), loss="cross_entropy", seed=1)
    assert net.fused_softmax
    assert_small(check_network(net, images((5, 3), seed=15), np.array([0, 3, 1, 1, 2])))


def test_mse_network_with_dropout_in_training():
    net = Network([Dense(6, activation="tanh"), Dropout(0.3), Dense(2)], input_shape=(3,), loss="mse", seed=2)
    assert_small(check_network(net, images((4, 3), seed=16), images((4, 2), seed=17), training=True))


def test_small_lenet_like_network():
    net = Network([Conv2D(3, 3, padding=1, activation="tanh"), MaxPool2D(2),
                   Conv2D(4, 3, activation="relu"), AvgPool2D(2, stride=1),
                   Flatten(), Dropout(0.25), Dense(6, activation="sigmoid"), Dense(3, activation="softmax")],
                  input_shape=(2, 8, 8), loss="cross_entropy", seed=3)
    x, y = images((3, 2, 8, 8), seed=18), np.array([2, 0, 1])
    _, caches = net.forward_layers(x, training=True, rng=np.random.default_rng(0))
    assert np.min(np.abs(caches[2]["net"])) > MARGIN, "a ReLU input near 0; change the seed"
    windows = np.stack([view for _, view in net.layers[1].window_cells(caches[0]["out"])])
    top_two = np.sort(windows, axis=0)[-2:]
    assert np.min(top_two[1] - top_two[0]) > MARGIN, "near-tie in a pooling window; change the seed"
    assert_small(check_network(net, x, y, training=True))


# --- float32 stays float32 ---------------------------------------------------------------

def test_float32_network_keeps_float32_everywhere():
    net = Network([Conv2D(3, 3, padding=1, activation="relu"), MaxPool2D(2), Conv2D(4, 3, stride=2),
                   AvgPool2D(2, stride=1), Dropout(0.2), Conv2D(2, 1, mode="convolution"), GlobalAvgPool2D(),
                   Dense(6, activation="sigmoid"), Dense(3, activation="softmax")],
                  input_shape=(2, 10, 10), loss="cross_entropy", dtype=np.float32)
    x = images((2, 2, 10, 10), seed=19)
    out, caches = net.forward_layers(x, training=True)
    assert out.dtype == np.float32
    for cache in caches:
        assert all(v.dtype == np.float32 for v in cache.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f")
    d = net.loss.grad(net.loss_input(out, caches), np.array([0, 2]))
    assert d.dtype == np.float32
    for i in reversed(range(len(net.layers))):
        d, grads = net.backward_layer(i, d, caches[i])
        assert d.dtype == np.float32, repr(net.layers[i])
        assert all(g.dtype == np.float32 for g in grads.values()), repr(net.layers[i])
    flat = Network([Flatten(), Dense(3)], input_shape=(2, 3, 3), dtype=np.float32)
    assert flat.forward(x[:, :, :3, :3]).dtype == np.float32


# --- forward_backward skips only the first layer's ∂E/∂x ----------------------------------

@pytest.mark.parametrize("layers, shape, loss", [
    ([Conv2D(3, 3, padding=1, activation="relu"), MaxPool2D(2), Flatten(), Dense(4, activation="softmax")],
     (2, 6, 6), "cross_entropy"),
    ([Dense(5, activation="tanh"), Dense(3)], (4,), "mse"),
    ([Dense(3, activation="softmax")], (4,), "cross_entropy"),
    ([Flatten(), Dense(3, activation="sigmoid")], (2, 2, 2), "half_sse"),
], ids=["conv-first", "dense-first", "single fused layer", "flatten-first"])
@pytest.mark.parametrize("batch", [1, 3])
def test_forward_backward_equals_backward_layer_by_layer(layers, shape, loss, batch):
    net = Network(layers, input_shape=shape, loss=loss, seed=4)
    x = images((batch, *shape), seed=20)
    y = np.arange(batch) % 3 if loss == "cross_entropy" else images((batch, 3), seed=21)
    loss_value, grads = net.forward_backward(x, y, rng=np.random.default_rng(0))
    out, caches = net.forward_layers(x, rng=np.random.default_rng(0))
    z = net.loss_input(out, caches)
    assert loss_value == net.loss.value(z, y)
    d = net.loss.grad(z, y)
    for i in reversed(range(len(net.layers))):
        d, expected = net.backward_layer(i, d, caches[i])
        assert grads[i].keys() == expected.keys()
        for k in expected:
            np.testing.assert_array_equal(grads[i][k], expected[k])
