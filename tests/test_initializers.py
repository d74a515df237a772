"""Seeded initialisers (core.initializers): the spread each one promises, seeding,
dtype, explicit values, and bad settings.

Sample statistics are taken over tens of thousands of weights, so the
tolerances (a few percent) are many standard errors wide.
"""
import math

import numpy as np
import pytest

from core import Conv2D, Dense, Network
from core.errors import ConfigError


def dense_weights(init, fan_in=200, units=300, **kwargs):
    return Network([Dense(units, init=init)], input_shape=(fan_in,), **kwargs).layers[0].params["W"]


def test_normal_has_the_given_sigma_and_mean_zero():
    w = dense_weights({"name": "normal", "std": 0.2})
    assert w.std() == pytest.approx(0.2, rel=0.02) and abs(w.mean()) < 0.005


def test_normal_defaults_to_the_lecture_sigma():
    assert dense_weights("normal").std() == pytest.approx(0.05, rel=0.02)


def test_uniform_fills_minus_a_to_a():
    w = dense_weights({"name": "uniform", "limit": 0.3})
    assert np.abs(w).max() <= 0.3 and np.abs(w).max() > 0.299
    assert w.std() == pytest.approx(0.3 / math.sqrt(3), rel=0.02)       # U(−a, a) has σ = a/√3


def test_xavier_limit_uses_fan_in_and_fan_out():
    w = dense_weights("xavier", fan_in=200, units=300)
    a = math.sqrt(6 / (200 + 300))
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.999 * a
    assert np.array_equal(w, dense_weights("glorot", fan_in=200, units=300))


def test_conv_fans_count_the_kernel_cells():
    # fan_in = in_channels · kh · kw = 3 · 5 · 5, fan_out = filters · kh · kw = 64 · 5 · 5
    conv = Conv2D(64, 5, init="xavier")
    Network([conv], input_shape=(3, 9, 9))
    a = math.sqrt(6 / (75 + 1600))
    w = conv.params["W"]
    assert w.shape == (64, 3, 5, 5) and np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a


def test_he_has_sigma_sqrt_2_over_fan_in():
    assert dense_weights("he", fan_in=200).std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)


def test_constant_and_default_zero_biases():
    net = Network([Dense(3, init={"name": "constant", "value": 0.5})], input_shape=(2,))
    np.testing.assert_array_equal(net.layers[0].params["W"], np.full((2, 3), 0.5))
    np.testing.assert_array_equal(net.layers[0].params["b"], np.zeros(3))


def test_explicit_values_by_assignment():
    net = Network([Dense(2)], input_shape=(2,))
    net.layers[0].params["W"] = [[0.15, 0.25], [0.20, 0.30]]
    np.testing.assert_array_equal(net.layers[0].params["W"], [[0.15, 0.25], [0.20, 0.30]])


def test_same_seed_same_weights_other_seed_other_weights():
    make = lambda seed: Network([Dense(4), Dense(3)], input_shape=(5,), seed=seed).get_weights()  # noqa: E731
    a, b, c = make(1), make(1), make(2)
    assert all(np.array_equal(x["W"], y["W"]) for x, y in zip(a, b))
    assert not np.array_equal(a[0]["W"], c[0]["W"])


def test_float32_networks_draw_float32_weights():
    net = Network([Dense(4, init="he"), Dense(2)], input_shape=(3,), dtype=np.float32)
    assert {p.dtype for layer in net.layers for p in layer.params.values()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("spec, words", [
    ("gauss", "Unknown initialiser 'gauss'. Choose one of: normal, uniform, xavier, he, constant"),
    ({"std": 0.1}, "a name or a dict with a 'name'"),
    ({"name": "he", "std": 0.1}, "'he' takes no settings, not ['std']"),
    ({"name": "normal", "std": -0.1}, "std is a spread and must be ≥ 0, got -0.1"),
    ({"name": "uniform", "limit": -2}, "limit is a spread and must be ≥ 0, got -2"),
    ({"name": "normal", "std": "wide"}, "std must be a finite number, got 'wide'"),
    ({"name": "constant", "value": float("nan")}, "value must be a finite number, got nan"),
])
def test_bad_initialisers_raise_config_error(spec, words):
    with pytest.raises(ConfigError) as err:
        Dense(2, init=spec)
    assert words in str(err.value)
