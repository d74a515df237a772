"""core.datasets.digits: shapes, ranges, seeding, balance, variety and speed of the generated digits."""
import numpy as np
import pytest

from core.datasets import digits
from core.datasets.digits import TEMPLATES
from core.errors import ConfigError


def test_shapes_dtypes_and_range():
    x, y = digits(n=50, seed=0)
    assert x.shape == (50, 1, 28, 28) and x.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.int64
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert set(y.tolist()) == set(range(10))
    assert np.bincount(y).tolist() == [5] * 10          # balanced


def test_seeded():
    a, ya = digits(n=30, seed=7)
    b, yb = digits(n=30, seed=7)
    c, _ = digits(n=30, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_ink_on_black_and_inside_the_frame():
    x, _ = digits(n=200, seed=1, noise=0.0)
    ink = x[:, 0]
    assert (ink.sum(axis=(1, 2)) > 10).all()                  # every digit has strokes
    for edge in (ink[:, 0], ink[:, -1], ink[:, :, 0], ink[:, :, -1]):
        assert edge.max() == 0.0                                 # not cut off by the frame
    assert np.median(ink) == 0.0


def test_clean_templates_are_all_different_and_distortion_adds_variety():
    clean, y = digits(n=10, seed=0, noise=0.0, distortion=0.0)
    by_digit = clean[np.argsort(y)][:, 0].reshape(10, -1)
    distances = np.linalg.norm(by_digit[:, None] - by_digit[None], axis=-1)
    assert distances[~np.eye(10, dtype=bool)].min() > 3        # no two digits alike
    varied, y2 = digits(n=100, seed=0, noise=0.0)
    sevens = varied[y2 == 7, 0].reshape(10, -1)
    assert np.linalg.norm(sevens - sevens.mean(0), axis=1).mean() > 3


def test_noise_level():
    quiet, _ = digits(n=20, seed=0, noise=0.0)
    noisy, _ = digits(n=20, seed=0, noise=0.2)
    background = quiet == 0
    assert noisy[background].mean() > 0.05 > quiet[background].mean()


def test_every_template_draws_inside_the_template_frame():
    for digit, ways in TEMPLATES.items():
        for strokes in ways:
            points = np.concatenate(strokes)
            assert np.abs(points).max() <= 1.0 + 1e-9, digit


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(n=2.5), dict(n=True), dict(noise=-1),
                                    dict(distortion=float("nan"))])
def test_bad_settings(kwargs):
    with pytest.raises(ConfigError):
        digits(**{"n": 10, **kwargs})


def test_a_large_set_comes_out_whole():
    # Rendering runs in blocks of a few digits; a set spanning many blocks must fill every sample.
    x, y = digits(n=3000, seed=2, noise=0.0)
    assert x.shape == (3000, 1, 28, 28) and np.bincount(y).tolist() == [300] * 10
    assert (x.reshape(3000, -1).sum(axis=1) > 10).all()         # even a thin 1 has ink


@pytest.mark.parametrize("n", [1, 3])
def test_fewer_digits_than_classes(n):
    x, y = digits(n=n, seed=0)
    assert x.shape == (n, 1, 28, 28) and len(set(y.tolist())) == n
