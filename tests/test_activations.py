"""Activation functions (core.activations): each derivative against a centred
finite difference, the softmax Jacobian, the formulas as text, the names, and
the step function's note where it matters."""
import numpy as np
import pytest

from core import SGD, ConfigError, Debugger, Dense, Network
from core.activations import ACTIVATIONS, get_activation

H = 1e-6


def net_values(seed=0):
    """Values of net away from 0 (the kink of relu and step), in a (3, 4) batch."""
    v = np.random.default_rng(seed).uniform(0.1, 2.0, size=(3, 4))
    return v * np.where(np.random.default_rng(seed + 1).random((3, 4)) < 0.5, -1.0, 1.0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_is_the_slope_of_g(name):
    fn, net = get_activation(name), net_values()
    out = fn.forward(net)
    if name == "softmax":     # derivative() is the Jacobian's diagonal: ∂gᵢ/∂netᵢ, net changed one cell at a time
        slope = np.empty_like(net)
        for idx in np.ndindex(net.shape):
            up, down = net.copy(), net.copy()
            up[idx] += H
            down[idx] -= H
            slope[idx] = (fn.forward(up)[idx] - fn.forward(down)[idx]) / (2 * H)
    else:
        slope = (fn.forward(net + H) - fn.forward(net - H)) / (2 * H)
    np.testing.assert_allclose(fn.derivative(net, out), slope, rtol=1e-7, atol=1e-9)


def test_softmax_backward_is_the_full_jacobian_product():
    fn, net = get_activation("softmax"), net_values()
    out, dout = fn.forward(net), np.random.default_rng(5).standard_normal(net.shape)
    expected = np.stack([(np.diag(o) - np.outer(o, o)) @ d for o, d in zip(out, dout)])
    np.testing.assert_allclose(fn.backward(dout, net, out), expected, rtol=1e-12, atol=1e-15)


def test_lecture_values():
    assert get_activation("sigmoid").forward(np.array(-6.0)) == pytest.approx(0.002472623, abs=1e-9)
    assert get_activation("step").forward(np.array([-0.5, 0.0, 0.5])).tolist() == [0.0, 1.0, 1.0]
    np.testing.assert_allclose(get_activation("softmax").forward(np.array([[1.0, 2.0, 3.0]])).sum(), 1.0)


def test_sigmoid_and_softmax_do_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert get_activation("sigmoid").forward(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
        np.testing.assert_allclose(get_activation("softmax").forward(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_knows_its_formula_and_derivative_as_text(name):
    fn = get_activation(name)
    assert fn.formula.startswith("g(net)") and fn.derivative_formula.startswith(("g′(net)", "∂g"))


def test_names_aliases_and_unknown_names():
    assert get_activation("logistic") is get_activation("sigmoid") is get_activation(" Sigmoid ")
    assert get_activation(None).name == "identity"
    with pytest.raises(ConfigError, match="Unknown activation 'sigmod'. Choose one of: identity, relu, sigmoid"):
        get_activation("sigmod")


def test_step_says_it_cannot_be_trained_by_gradient_descent():
    assert "cannot be trained by gradient descent" in get_activation("step").note
    assert all(fn.note == "" for name, fn in ACTIVATIONS.items() if name != "step")


def test_explain_says_a_step_layer_passes_no_gradient():
    net = Network([Dense(2, activation="tanh"), Dense(1, activation="step")], input_shape=(2,), loss="half_sse")
    dbg = Debugger(net, SGD(lr=0.5), np.array([[0.3, -0.7]]), np.array([[1.0]]))
    for _ in range(3):
        dbg.step("phase")                                 # forward, loss, backward
    e = dbg.explain(0, "W", (0, 0))
    assert e.value == 0.0 and "cannot be trained by gradient descent" in e.note and e.note in e.text
    healthy = Network([Dense(2, activation="tanh"), Dense(1)], input_shape=(2,), loss="half_sse")
    dbg = Debugger(healthy, SGD(lr=0.5), np.array([[0.3, -0.7]]), np.array([[1.0]]))
    for _ in range(3):
        dbg.step("phase")
    assert dbg.explain(0, "W", (0, 0)).note == ""
