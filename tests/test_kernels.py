import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from core.errors import ConfigError
from core.kernels import KERNEL_PRESETS, flip_kernel, kernel_preset
from lecture_edge_example import HORIZONTAL_EDGE_OUTPUT, INPUT


def correlate(image, kernel, pad):
    """Reference correlation, written independently of core's conv layer."""
    padded = np.pad(image, pad)
    return (sliding_window_view(padded, kernel.shape) * kernel).sum(axis=(-2, -1))


def test_lecture_horizontal_edge_filter_reproduces_the_lecture_table():
    out = correlate(INPUT, kernel_preset("horizontal_edge"), ((0, 2), (0, 2)))
    np.testing.assert_array_equal(out, HORIZONTAL_EDGE_OUTPUT)


def test_lecture_filters_have_the_lecture_values():
    np.testing.assert_array_equal(kernel_preset("horizontal_edge"), [[-1, -1, -1], [1, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(kernel_preset("vertical_edge"), [[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]])


def test_vertical_edge_responds_to_a_dark_to_bright_column_step():
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0                       # dark left half, bright right half
    out = correlate(image, kernel_preset("vertical_edge"), 0)
    assert out[:, 2].tolist() == [3.0] * 3   # window columns 2,3 straddle the step
    assert np.count_nonzero(out[:, [0, 1, 3]]) == 0


def test_sobel_pair_are_transposes_and_smoothing_kernels_keep_flat_images():
    np.testing.assert_array_equal(kernel_preset("sobel_y"), kernel_preset("sobel_x").T)
    flat = np.full((4, 4), 2.0)
    for name, expected in (("box_blur", 2.0), ("sharpen", 2.0), ("laplacian", 0.0), ("sobel_x", 0.0)):
        np.testing.assert_allclose(correlate(flat, kernel_preset(name), 0), expected, atol=1e-12)


def test_every_preset_is_read_only_and_kernel_preset_returns_a_writable_copy():
    for name, preset in KERNEL_PRESETS.items():
        assert preset.values.shape == (3, 3) and not preset.values.flags.writeable
        copy = kernel_preset(name)
        copy[0, 0] = 99.0
        assert preset.values[0, 0] != 99.0


def test_unknown_preset_names_the_choices():
    with pytest.raises(ConfigError, match="sobel_x"):
        kernel_preset("sobel_z")


def test_flip_kernel_turns_by_180_degrees_over_the_last_two_axes():
    k = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    flipped = flip_kernel(k)
    np.testing.assert_array_equal(flipped[1], np.rot90(k[1], 2))
    np.testing.assert_array_equal(flip_kernel(flipped), k)


def test_lecture_edge_example_network_gives_the_lecture_tables():
    from core.kernels import lecture_edge_example
    from lecture_edge_example import MAX_POOLED
    net, x = lecture_edge_example()
    np.testing.assert_array_equal(x[0, 0], INPUT)
    out, caches = net.forward_layers(x, training=False)
    np.testing.assert_array_equal(caches[0]["out"][0, 0], HORIZONTAL_EDGE_OUTPUT)
    np.testing.assert_array_equal(out[0, 0], MAX_POOLED)


def test_a_preset_in_a_larger_kernel_filters_the_same_way():
    k5 = kernel_preset("sobel_x", (5, 5))
    np.testing.assert_array_equal(k5[1:4, 1:4], kernel_preset("sobel_x"))
    assert np.count_nonzero(k5) == np.count_nonzero(kernel_preset("sobel_x"))
    image = np.random.default_rng(0).random((9, 9))
    np.testing.assert_allclose(correlate(image, k5, 0), correlate(image, kernel_preset("sobel_x"), 0)[1:-1, 1:-1])
    with pytest.raises(ConfigError, match="do not fit a 2 × 3"):
        kernel_preset("box_blur", (2, 3))
