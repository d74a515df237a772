"""The lecture's worked numbers, reproduced by the engine (reference/lecture.txt).

The 2-2-2 example is built here from scratch (not from core.templates) so a
mistake in the template cannot hide one in the engine, and vice versa.
"""
import math

import numpy as np
import pytest

from core import SGD, Dense, Network


def test_perceptron_output_is_g_of_minus_6():
    # ŷ = g(θ₀ + xᵀθ) = g(1 + 3·(−1) − 2·2) = g(−6) = 1/(1 + e⁶) ≈ 0.00247
    layer = Dense(1, activation="sigmoid")
    net = Network([layer], input_shape=(2,))
    layer.params["W"] = [[3.0], [-2.0]]
    layer.params["b"] = [1.0]
    out, caches = net.forward_layers(np.array([[-1.0, 2.0]]), training=False)
    assert caches[0]["net"][0, 0] == -6.0
    assert out[0, 0] == pytest.approx(1 / (1 + math.e ** 6), rel=1e-12)
    assert round(out[0, 0], 5) == 0.00247


def worked_example():
    hidden, output = Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")
    net = Network([hidden, output], input_shape=(2,), loss="half_sse")
    hidden.params["W"] = [[0.15, 0.25], [0.20, 0.30]]    # [[w1, w3], [w2, w4]]
    hidden.params["b"] = [0.35, 0.35]
    output.params["W"] = [[0.40, 0.50], [0.45, 0.55]]    # [[w5, w7], [w6, w8]]
    output.params["b"] = [0.60, 0.60]
    hidden.freeze("b")
    output.freeze("b")
    return net, np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])


def test_forward_pass_and_error():
    net, x, y = worked_example()
    out, caches = net.forward_layers(x, training=False)
    h, o = caches
    assert h["net"][0, 0] == pytest.approx(0.3775, abs=1e-12)          # 0.15·0.05 + 0.2·0.1 + 0.35
    assert h["out"][0, 0] == pytest.approx(0.593269992, abs=1e-9)
    assert h["out"][0, 1] == pytest.approx(0.596884378, abs=1e-9)      # lecture: 0.597
    assert o["net"][0, 0] == pytest.approx(1.105905967, abs=1e-9)      # lecture: 1.106
    assert out[0, 0] == pytest.approx(0.75136507, abs=1e-8)
    assert out[0, 1] == pytest.approx(0.772928465, abs=1e-9)           # lecture: 0.773
    terms = net.loss.terms(out, y)
    assert terms[0, 0] == pytest.approx(0.274811083, abs=1e-9)         # E_o1, lecture: 0.275
    assert terms[0, 1] == pytest.approx(0.023560026, abs=1e-9)         # E_o2, lecture: 0.024
    assert net.evaluate(x, y) == pytest.approx(0.298371109, abs=1e-9)  # E_total


def test_backward_pass_gradients():
    net, x, y = worked_example()
    loss, grads = net.forward_backward(x, y)
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    # ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = 0.74136507 · 0.186815602 · 0.593269992
    assert grads[1]["W"][0, 0] == pytest.approx(0.74136507 * 0.186815602 * 0.593269992, abs=1e-9)
    assert grads[1]["W"][0, 0] == pytest.approx(0.082167041, abs=1e-9)
    assert grads[0]["W"][0, 0] == pytest.approx(0.000438568, abs=1e-9)   # ∂E/∂w1, lecture: 0.00044


def test_one_sgd_step_with_frozen_biases():
    net, x, y = worked_example()
    _, grads = net.forward_backward(x, y)
    SGD(lr=0.5).step(net, grads)
    w2 = net.layers[1].params["W"]
    w1 = net.layers[0].params["W"]
    w5, w6, w7, w8 = w2[0, 0], w2[1, 0], w2[0, 1], w2[1, 1]
    w1_, w2_, w3, w4 = w1[0, 0], w1[1, 0], w1[0, 1], w1[1, 1]
    assert [w5, w6, w7, w8] == pytest.approx([0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8)
    assert [w1_, w2_, w3, w4] == pytest.approx([0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8)
    np.testing.assert_array_equal(net.layers[0].params["b"], [0.35, 0.35])
    np.testing.assert_array_equal(net.layers[1].params["b"], [0.60, 0.60])
    assert net.evaluate(x, y) == pytest.approx(0.291027774, abs=1e-9)


def test_ten_thousand_iterations():
    # The lecture: "after repeating this 10^4 times ... the error plummets to 0.0000351085".
    net, x, y = worked_example()
    opt = SGD(lr=0.5)
    for _ in range(10_000):
        _, grads = net.forward_backward(x, y)
        opt.step(net, grads)
    error = net.evaluate(x, y)
    print(f"E_total after 10,000 updates: {error:.10f} (lecture: 0.0000351085)")
    assert error == pytest.approx(0.0000351085, rel=0.02)
