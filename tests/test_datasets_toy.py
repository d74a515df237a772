"""core.datasets.toy: the built-in toy sets and their registry."""
import numpy as np
import pytest

from core.datasets import TOY_DATASETS, circle, noisy_line, spiral, two_gaussians, xor
from core.errors import ConfigError

CLASSIFIERS = [circle, xor, two_gaussians, spiral]


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_classification_shapes_and_seeding(make):
    x, y = make(n=101, seed=3)
    assert x.shape == (101, 2) and x.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    again, _ = make(n=101, seed=3)
    other, _ = make(n=101, seed=4)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, other)


def test_circle_puts_class_1_inside():
    x, y = circle(n=400, noise=0.0)
    r = np.linalg.norm(x, axis=1)
    assert r[y == 1].max() <= 0.5 and r[y == 0].min() >= 0.7


def test_xor_labels_are_opposite_signs():
    x, y = xor(n=400, noise=0.0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))
    assert np.abs(x).min() >= 0.1


def test_two_gaussians_centres_and_spread():
    x, y = two_gaussians(n=4000, noise=0.3, distance=4.0)
    np.testing.assert_allclose(x[y == 1].mean(0), [2, 2], atol=0.05)
    np.testing.assert_allclose(x[y == 0].std(0), [0.3, 0.3], atol=0.03)


def test_spiral_has_one_arm_per_class():
    x, y = spiral(n=300, classes=3, noise=0.0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.linalg.norm(x, axis=1).max() <= 1.0


def test_noise_moves_points():
    clean, _ = circle(n=200, noise=0.0, seed=1)
    noisy, _ = circle(n=200, noise=0.3, seed=1)
    assert np.abs(noisy - clean).mean() > 0.1


def test_noisy_line_is_the_lecture_regression():
    x, y = noisy_line(n=2000, noise=0.1, slope=3.0, intercept=-1.0)
    assert x.shape == (2000, 1) and y.shape == (2000, 1)
    theta, b = np.polyfit(x[:, 0], y[:, 0], 1)
    assert theta == pytest.approx(3.0, abs=0.02) and b == pytest.approx(-1.0, abs=0.01)
    x0, y0 = noisy_line(n=5, noise=0.0, slope=2.0, intercept=0.5)
    np.testing.assert_allclose(y0, 2 * x0 + 0.5)


@pytest.mark.parametrize("call", [
    lambda: circle(n=0), lambda: xor(n=3.5), lambda: two_gaussians(noise=-0.1),
    lambda: spiral(classes=1), lambda: noisy_line(noise=float("nan")), lambda: circle(noise="lots"),
])
def test_bad_settings_raise_config_error(call):
    with pytest.raises(ConfigError):
        call()


def test_registry_describes_every_set_and_generates_with_defaults():
    assert set(TOY_DATASETS) == {"circle", "xor", "two_gaussians", "spiral", "noisy_line"}
    for name, entry in TOY_DATASETS.items():
        assert entry.task in ("classification", "regression") and entry.description
        for p in entry.params:
            assert p.minimum <= p.default <= p.maximum and p.description
        x, y = entry.generate(seed=1)
        assert len(x) == entry.defaults()["n"] == len(y)
    assert TOY_DATASETS["noisy_line"].task == "regression"
    x, y = TOY_DATASETS["spiral"].generate(n=30, classes=3)
    assert y.max() == 2


def test_registry_refuses_unknown_parameters():
    with pytest.raises(ConfigError, match="circle has no parameter turns"):
        TOY_DATASETS["circle"].generate(turns=2)
