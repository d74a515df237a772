"""core.images: value scaling, channels, resampling and fit_to_input."""
import numpy as np
import pytest

from core.errors import ConfigError, InputError, ShapeError
from core.images import fit_to_input, normalize, resize, to_float, to_gray, to_rgb


# --- values and channels -------------------------------------------------------

def test_to_float_scales_by_dtype():
    assert to_float(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]
    assert to_float(np.array([[0, 65535]], np.uint16)).tolist() == [[0.0, 1.0]]
    assert to_float(np.array([[False, True]])).tolist() == [[0.0, 1.0]]
    assert to_float(np.array([[0.25]], np.float32)).dtype == np.float64


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((0, 5)), InputError, "empty"),
    (np.zeros(5), ShapeError, "(H, W)"),
    (np.zeros((2, 2, 5)), ShapeError, "channels"),
    (np.zeros((3, 8, 8)), ShapeError, "channels-first"),
    (np.array([[0.5, np.nan]]), InputError, "NaN"),
    (np.array([[0.0, 2.0]]), InputError, "normalize"),
    (np.array([[1, 2]], np.int32), InputError, "dtype int32"),
])
def test_to_float_refuses_bad_images(bad, error, words):
    with pytest.raises(error) as info:
        to_float(bad)
    assert words in str(info.value)


def test_to_gray_uses_luminance_and_composites_alpha_on_white():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(to_gray(rgb), [[0.299, 0.587, 0.114]])
    rgba = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [0, 0, 0, 128]]], np.uint8)
    np.testing.assert_allclose(to_gray(rgba), [[1.0, 0.0, 1 - 128 / 255]])
    gray_alpha = np.array([[[0.2, 0.5]]])
    np.testing.assert_allclose(to_gray(gray_alpha), [[0.2 * 0.5 + 0.5]])


def test_to_rgb_repeats_gray():
    out = to_rgb(np.array([[0.0, 0.5]]))
    assert out.shape == (1, 2, 3)
    np.testing.assert_array_equal(out[0, 1], [0.5, 0.5, 0.5])


# --- resampling ----------------------------------------------------------------

def test_shrinking_averages_areas():
    a = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(resize(a, (2, 2)), [[2.5, 4.5], [10.5, 12.5]])
    # 3 → 2: each output pixel covers 1.5 input pixels
    np.testing.assert_allclose(resize(np.array([[0.0, 3.0, 6.0]]), (1, 2)), [[1.0, 5.0]])


def test_shrinking_keeps_the_mean():
    a = np.random.default_rng(0).random((37, 23, 3))
    np.testing.assert_allclose(resize(a, (5, 7)).mean(axis=(0, 1)), a.mean(axis=(0, 1)))


def test_enlarging_is_bilinear_with_aligned_centres():
    out = resize(np.array([[0.0, 1.0]]), (1, 4))
    np.testing.assert_allclose(out, [[0.0, 0.25, 0.75, 1.0]])
    np.testing.assert_allclose(resize(np.full((3, 3), 0.4), (7, 5)), np.full((7, 5), 0.4))


def test_resize_keeps_channels_and_checks_size():
    assert resize(np.zeros((10, 20, 3)), (5, 6)).shape == (5, 6, 3)
    with pytest.raises(ConfigError):
        resize(np.zeros((4, 4)), (0, 3))
    with pytest.raises(ConfigError):
        resize(np.zeros((4, 4)), (2.5, 3))


# --- normalize -------------------------------------------------------------------

def test_normalize_uses_dtype_range_or_min_max():
    np.testing.assert_allclose(normalize(np.array([0, 51, 255], np.uint8)), [0, 0.2, 1])
    np.testing.assert_allclose(normalize(np.array([-2.0, 0.0, 2.0]), (-1, 1)), [-1, 0, 1])
    np.testing.assert_allclose(normalize(np.array([5.0, 20.0]), source_range=(0, 10)), [0.5, 1.0])
    np.testing.assert_array_equal(normalize(np.full((2, 2), 7.0)), np.zeros((2, 2)))


def test_normalize_refuses_nan_and_bad_ranges():
    with pytest.raises(InputError):
        normalize(np.array([1.0, np.nan]))
    with pytest.raises(ConfigError):
        normalize(np.array([1.0, 2.0]), value_range=(1, 0))


# --- fit_to_input -------------------------------------------------------------------

def test_pad_keeps_aspect_ratio_and_fills_with_the_background():
    img = np.zeros((10, 20), np.uint8)        # black, wide
    img[3:7, 8:12] = 255                     # a white square in the middle
    out = fit_to_input(img, (1, 8, 8), mode="pad")
    assert out.shape == (1, 8, 8)
    np.testing.assert_array_equal(out[0, :2], 0.0)       # padding rows take the black border colour
    assert out[0, 3:5, 3:5].min() > 0.5                    # the square stays square, in the centre


def test_pad_background_is_white_for_dark_ink_on_paper():
    img = np.full((4, 8), 255, np.uint8)
    out = fit_to_input(img, (1, 8, 8), mode="pad")
    np.testing.assert_array_equal(out, 1.0)


def test_crop_fills_the_input_and_cuts_the_sides():
    img = np.zeros((10, 30), np.uint8)
    img[:, :10] = 255                          # only the left third is white
    out = fit_to_input(img, (1, 10, 10), mode="crop")
    np.testing.assert_array_equal(out, 0.0)   # the centre third is black


def test_stretch_ignores_the_aspect_ratio():
    img = np.tile(np.array([0, 255], np.uint8), (5, 10))   # stripes 1 pixel wide, 20 wide
    out = fit_to_input(img, (1, 5, 10), mode="stretch")
    np.testing.assert_allclose(out, 0.5)


def test_channels_and_value_range():
    rgb = np.zeros((6, 6, 3), np.uint8)
    rgb[..., 0] = 255                                      # pure red
    gray = fit_to_input(rgb, (1, 3, 3), value_range=(-1, 1))
    np.testing.assert_allclose(gray, -1 + 2 * 0.299)
    colour = fit_to_input(np.full((6, 6), 65535, np.uint16), (3, 3, 3))
    np.testing.assert_array_equal(colour, 1.0)


def test_flat_inputs_take_a_square_image():
    img = np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)
    flat = fit_to_input(img, (784,))
    np.testing.assert_allclose(flat, img.ravel() / 255)
    assert fit_to_input(np.zeros((5, 5, 3)), (3 * 16,)).shape == (48,)


@pytest.mark.parametrize("shape", [(2, 8, 8), (10,), (1, 8)])
def test_fit_refuses_inputs_that_are_not_images(shape):
    with pytest.raises(ShapeError, match="network"):
        fit_to_input(np.zeros((8, 8)), shape)


def test_fit_refuses_unknown_mode():
    with pytest.raises(ConfigError, match="pad, crop, stretch"):
        fit_to_input(np.zeros((8, 8)), (1, 8, 8), mode="zoom")


@pytest.mark.parametrize("mode", ["pad", "crop", "stretch"])
def test_large_images_are_converted_band_by_band_with_the_same_result(mode):
    # 300 rows span several bands of rows; the result must equal converting the whole image first.
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, (300, 170, 4), dtype=np.uint8)
    whole = to_gray(rgba)
    expected = fit_to_input(whole, (1, 20, 24), mode=mode)
    np.testing.assert_allclose(fit_to_input(rgba, (1, 20, 24), mode=mode), expected, atol=1e-12)


def test_stretch_is_resize_of_the_converted_image():
    rgba = np.random.default_rng(3).integers(0, 256, (300, 170, 4), dtype=np.uint8)
    np.testing.assert_allclose(fit_to_input(rgba, (1, 20, 24), mode="stretch")[0],
                               resize(to_gray(rgba), (20, 24)), atol=1e-12)
