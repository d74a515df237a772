"""Stepping by units, layers, phases or iterations (or running) gives bit for bit
the loss, gradients and new weights of ``net.forward_backward`` + ``opt.step``,
for every layer type, dropout included (same generator, same draws)."""
import numpy as np
import pytest

from core import (SGD, Activation, Adam, AvgPool2D, Conv2D, Debugger, Dense, Dropout, Flatten,
                  GlobalAvgPool2D, MaxPool2D, Momentum, Network)
from core.layers import LAYER_TYPES

SEED = 3


def dense_sigmoid():
    return Network([Dense(3, activation="sigmoid"), Dense(2, activation="sigmoid")], (2,), loss="half_sse")


def dense_softmax():        # softmax fused into cross-entropy, separate Activation layers
    return Network([Dense(5), Activation("tanh"), Dense(4, activation="relu"), Dense(3, activation="softmax")],
                   (3,), loss="cross_entropy")


def dense_dropout():
    return Network([Dense(6, activation="relu"), Dropout(0.5), Dense(3, activation="tanh"), Dropout(0.3),
                    Dense(2)], (3,), loss="mse")


def conv_max():
    return Network([Conv2D(3, 3, padding=1, activation="relu"), MaxPool2D(2), Conv2D(2, 2, activation="sigmoid"),
                    Flatten(), Dropout(0.25), Dense(3, activation="softmax")], (1, 6, 6), loss="cross_entropy")


def conv_avg():
    return Network([Conv2D(2, 3, stride=2, padding="same", mode="convolution", activation="tanh"), AvgPool2D(2),
                    Conv2D(3, 1), GlobalAvgPool2D(), Dense(2, activation="sigmoid")], (2, 7, 7), loss="half_sse")


def single_softmax():       # one layer: the first is also the last, fused with cross-entropy
    return Network([Dense(3, activation="softmax")], (3,), loss="cross_entropy")


NETS = [dense_sigmoid, dense_softmax, dense_dropout, conv_max, conv_avg, single_softmax]


def test_every_layer_type_is_covered():
    assert {type(layer).__name__ for make in NETS for layer in make().layers} == set(LAYER_TYPES)


def data(net, n=4):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, *net.input_shape))
    if net.loss.name == "cross_entropy":
        return x, rng.integers(0, net.output_shape[0], size=n)
    return x, rng.uniform(0, 1, size=(n, *net.output_shape))


def reference(make, optimizer, iterations):
    """The plain loop: losses, gradients and weights after each iteration."""
    net = make()
    x, y = data(net)
    rng = np.random.default_rng(SEED)
    out = []
    for _ in range(iterations):
        loss, grads = net.forward_backward(x, y, rng=rng)
        optimizer.step(net, grads)
        out.append((loss, grads, net.get_weights()))
    return out


def assert_same(ref, loss, grads, weights):
    ref_loss, ref_grads, ref_weights = ref
    assert loss == ref_loss
    for g, rg in zip(grads, ref_grads):
        assert g.keys() == rg.keys()
        assert all(np.array_equal(g[k], rg[k]) for k in g)
    for w, rw in zip(weights, ref_weights):
        assert all(np.array_equal(w[k], rw[k]) for k in w)


@pytest.mark.parametrize("make", NETS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("granularity", ["unit", "layer", "phase", "iteration"])
def test_stepping_matches_one_shot(make, granularity):
    ref = reference(make, SGD(lr=0.1), 2)
    net = make()
    dbg = Debugger(net, SGD(lr=0.1), *data(net), seed=SEED)
    for it in range(2):
        while dbg.iteration == it:
            dbg.step(granularity)
        done = dbg.last_iteration
        grads = [dict(b.grads) for b in done.backward.layers]
        assert_same(ref[it], done.loss.value, grads, net.get_weights())


@pytest.mark.parametrize("make", [dense_dropout, conv_max], ids=lambda f: f.__name__)
@pytest.mark.parametrize("opt", [lambda: Momentum(lr=0.05), lambda: Adam(lr=0.01)], ids=["momentum", "adam"])
def test_run_matches_one_shot_with_stateful_optimizers(make, opt):
    ref = reference(make, opt(), 3)
    net = make()
    dbg = Debugger(net, opt(), *data(net), seed=SEED)
    dbg.run(max_iterations=3)
    done = dbg.last_iteration
    assert_same(ref[2], done.loss.value, [dict(b.grads) for b in done.backward.layers], net.get_weights())
    adam_state = done.update.get(0, "W").state
    assert adam_state["step"] == 3


def test_mini_batches_are_shuffled_each_epoch_with_the_debugger_generator():
    net = dense_dropout()
    x, y = data(net, n=10)
    ref_net, opt = dense_dropout(), SGD(lr=0.1)
    rng = np.random.default_rng(SEED)
    for _ in range(2):                                      # two epochs of batches 4, 4, 2
        order = rng.permutation(10)
        for b in range(3):
            idx = order[4 * b:4 * b + 4]
            loss, grads = ref_net.forward_backward(x[idx], y[idx], rng=rng)
            opt.step(ref_net, grads)
    dbg = Debugger(net, SGD(lr=0.1), x, y, batch_size=4, seed=SEED)
    epoch = dbg.step("epoch")
    assert len(epoch.losses) == 3 and dbg.epoch == 1 and dbg.batch == 0
    dbg.step("epoch")
    assert dbg.last_iteration.loss.value == loss
    assert np.array_equal(dbg.last_iteration.indices, idx)
    for w, rw in zip(net.get_weights(), ref_net.get_weights()):
        assert all(np.array_equal(w[k], rw[k]) for k in w)


@pytest.mark.parametrize("make", [dense_sigmoid, conv_avg], ids=lambda f: f.__name__)
def test_first_layer_input_gradient_is_computed_when_a_record_asks(make):
    """Like forward_backward, a pass skips layer 0's ∂E/∂x; its record computes it
    with the parameters that backward pass used, even after the update."""
    net = make()
    dbg = Debugger(net, SGD(lr=0.1), *data(net), seed=SEED)
    dbg.run(max_iterations=2)
    assert dbg.last_iteration.update is not None                 # the weights have moved on
    rec = dbg.last_iteration.backward.layers[0]
    expected = dbg.last_iteration.update.get(0, "W").old
    ref = make()
    ref.layers[0].params["W"] = expected
    ref.layers[0].params["b"] = dbg.last_iteration.update.get(0, "b").old
    _, cache = ref.layers[0].forward(dbg.last_iteration.forward.layers[0].x, True, None)
    dx, _ = ref.layers[0].backward(rec.dout, cache)
    assert np.array_equal(rec.dx, dx) and rec.dx.shape == dbg.last_iteration.forward.layers[0].x.shape


def test_float32_network_stays_float32():
    def make():
        return Network([Dense(3, activation="sigmoid"), Dense(2)], (2,), loss="mse", dtype=np.float32)
    ref = reference(make, SGD(lr=0.1), 1)
    net = make()
    dbg = Debugger(net, SGD(lr=0.1), *data(net), seed=SEED)
    it = dbg.step("iteration")
    assert it.forward.layers[0].out.dtype == np.float32
    assert_same(ref[0], it.loss.value, [dict(b.grads) for b in it.backward.layers], net.get_weights())
