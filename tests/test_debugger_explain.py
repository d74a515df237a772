"""explain(): the chain-rule factors of ∂E/∂θ agree with the backward pass and
with a centred finite difference to 1e-7 relative (float64), for dense and
conv weights and biases, with dropout masks replayed."""
import numpy as np
import pytest

from core import SGD, ConfigError, Conv2D, Debugger, Dense, Dropout, Flatten, MaxPool2D, Network, ShapeError


def dense_debugger(batch=5):
    net = Network([Dense(4, activation="tanh"), Dropout(0.3), Dense(3, activation="sigmoid"),
                   Dense(2, activation="softmax")], (3,), loss="cross_entropy", seed=2)
    rng = np.random.default_rng(1)
    return Debugger(net, SGD(lr=0.1), rng.standard_normal((batch, 3)), rng.integers(0, 2, size=batch), seed=4)


def conv_debugger(mode="correlation"):
    net = Network([Conv2D(3, 3, padding=1, mode=mode, activation="tanh"), MaxPool2D(2),
                   Conv2D(2, 2, stride=2, activation="sigmoid"), Flatten(), Dense(2)],
                  (2, 6, 6), loss="half_sse", seed=3)
    rng = np.random.default_rng(2)
    return Debugger(net, SGD(lr=0.1), rng.standard_normal((3, 2, 6, 6)), rng.uniform(size=(3, 2)))


@pytest.mark.parametrize("layer, name, index", [(0, "W", (2, 1)), (0, "b", (3,)), (2, "W", (1, 2)),
                                                 (2, "b", (0,)), (3, "W", (2, 1)), (3, "b", (1,))])
def test_dense_gradients_match_finite_differences(layer, name, index):
    dbg = dense_debugger()
    dbg.step("iteration")                                  # explains the finished iteration
    e = dbg.explain(layer, name, index)
    assert e.value == dbg.last_iteration.backward.layers[layer].grads[name][index]
    assert e.relative_difference < 1e-7
    assert e.n_terms == 5                                  # one term per sample
    assert sum(t.product for t in e.top_terms) == pytest.approx(e.value, rel=1e-9, abs=1e-15)
    assert "Σ over 5 terms" in e.text


@pytest.mark.parametrize("mode", ["correlation", "convolution"])
@pytest.mark.parametrize("layer, name, index", [(0, "W", (1, 0, 2, 1)), (0, "b", (2,)), (2, "W", (0, 2, 1, 1))])
def test_conv_gradients_match_finite_differences(mode, layer, name, index):
    dbg = conv_debugger(mode)
    dbg.step("phase")
    dbg.step("phase")
    dbg.step("phase")                                      # backward done, update not yet
    e = dbg.explain(layer, name, index)
    assert e.relative_difference < 1e-7
    out_hw = dbg.current.forward.layers[layer].out.shape[2:]
    assert 1 <= e.n_terms <= 3 * out_hw[0] * out_hw[1]
    assert len(e.top_terms) == min(5, e.n_terms) and e.factors == ()
    sizes = [abs(t.product) for t in e.top_terms]
    assert sizes == sorted(sizes, reverse=True)


def test_conv_terms_are_the_sum_over_samples_and_positions():
    dbg = conv_debugger()
    for _ in range(3):                                     # forward, loss, backward
        dbg.step("phase")
    e = dbg.explain(0, "W", (1, 0, 1, 1))                 # the centre tap of a 3×3 kernel, padding 1
    assert e.n_terms == 3 * 6 * 6                          # every sample, every output position
    corner = dbg.explain(0, "W", (1, 0, 0, 0))             # the top-left tap misses the padded top row and left column
    assert corner.n_terms == 3 * 5 * 5
    x_pad = np.pad(dbg.current.forward.layers[0].x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    delta = dbg.current.backward.layers[0].delta
    by_hand = sum(delta[n, 1, i, j] * x_pad[n, 0, i + 1, j + 1] for n in range(3) for i in range(6) for j in range(6))
    assert e.value == pytest.approx(by_hand, rel=1e-12)
    assert "Σ over 108 terms" in e.text


def test_single_sample_dense_weight_has_factors_and_paths():
    dbg = dense_debugger(batch=1)
    dbg.step("iteration")
    e = dbg.explain(0, "W", (1, 2))
    assert [f.kind for f in e.factors] == ["dE/dout", "dout/dnet", "dnet/dw"]
    assert np.prod([f.value for f in e.factors]) == pytest.approx(e.value, rel=1e-12)
    assert e.paths == ()                                   # layer 1 is Dropout, not dense: no paths
    fused = dbg.explain(3, "W", (0, 1))                    # softmax fused into cross-entropy: δ directly
    assert [f.kind for f in fused.factors] == ["delta", "dnet/dw"]
    assert fused.relative_difference < 1e-7


def test_explain_uses_the_pass_in_progress_once_its_backward_reached_the_layer():
    dbg = dense_debugger()
    dbg.step("iteration")
    older = dbg.explain(3, "W", (0, 0)).value
    dbg.step("phase")
    dbg.step("phase")
    back3 = dbg.step("layer")                              # backward through layer 3 only
    assert back3.layer == 3
    newer = dbg.explain(3, "W", (0, 0)).value
    assert newer == back3.grads["W"][0, 0] and newer != older
    # layer 0 is not reached yet in this pass: the finished iteration explains it
    assert dbg.explain(0, "W", (0, 0)).value == dbg.last_iteration.backward.layers[0].grads["W"][0, 0]


def test_softmax_without_cross_entropy_explains_with_delta():
    net = Network([Dense(3, activation="softmax")], (2,), loss="mse", seed=0)
    dbg = Debugger(net, SGD(lr=0.1), [[0.3, -0.2]], [[0.0, 1.0, 0.0]])
    dbg.step("iteration")
    e = dbg.explain(0, "W", (1, 2))
    assert [f.kind for f in e.factors] == ["delta", "dnet/dw"]
    assert e.factors[0].value * e.factors[1].value == pytest.approx(e.value, rel=1e-12)
    assert e.relative_difference < 1e-7


def test_a_large_difference_on_a_relu_network_is_explained_by_its_kinks():
    net = Network([Dense(6, activation="relu"), Dense(1)], (2,), loss="mse", seed=0)
    x = np.random.default_rng(0).standard_normal((10, 2))
    dbg = Debugger(net, SGD(lr=0.1), x, x[:, :1] * x[:, 1:])
    w = net.layers[0].params["W"][:, 0]
    dbg.set_param(0, "b", (0,), -float(x[0] @ w))         # sample 0 sits exactly on unit 0's kink
    dbg.step("iteration")
    at_kink = dbg.explain(0, "b", (0,))
    assert at_kink.relative_difference > 1e-4 and "kinks" in at_kink.note and "kinks" in at_kink.text
    smooth = dbg.explain(1, "W", (0, 0))                   # the output layer is linear in its weights
    assert smooth.relative_difference < 1e-7 and smooth.note == ""


def test_explain_without_the_check():
    dbg = dense_debugger(batch=1)
    dbg.step("iteration")
    e = dbg.explain(2, "W", (0, 0), check=False)
    assert np.isnan(e.finite_difference) and np.isnan(e.relative_difference) and "finite" not in e.text
    assert e.value == dbg.explain(2, "W", (0, 0)).value


def test_explain_leaves_the_network_and_generator_untouched():
    dbg = dense_debugger()
    dbg.step("iteration")
    weights, rng = dbg.net.get_weights(), dbg.rng.bit_generator.state
    dbg.explain(0, "W", (0, 0))
    assert dbg.rng.bit_generator.state == rng
    assert all(np.array_equal(w[k], v[k]) for w, v in zip(dbg.net.get_weights(), weights) for k in w)


@pytest.mark.parametrize("args, error, words", [
    ((9, "W", (0, 0)), ConfigError, "out of range"),
    ((1, "W", (0, 0)), ConfigError, "Dropout.*has no parameter 'W'"),
    ((0, "kernel", (0, 0)), ConfigError, "has no parameter 'kernel'; it has W, b"),
    ((0, "W", (3, 0)), ShapeError, r"does not fit layer 0's W of shape \(3, 4\)"),
    ((0, "W", (0,)), ShapeError, "give 2 indices"),
    ((0, "W", "first"), ConfigError, "An index is a whole number"),
])
def test_bad_explain_requests(args, error, words):
    dbg = dense_debugger()
    dbg.step("iteration")
    with pytest.raises(error, match=words):
        dbg.explain(*args)


def test_explain_before_any_backward_pass_says_what_to_do():
    dbg = dense_debugger()
    dbg.step("phase")
    with pytest.raises(ConfigError, match="step through the backward pass"):
        dbg.explain(0, "W", (0, 0))
