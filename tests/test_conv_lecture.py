"""Conv2D and pooling against the lecture's worked tables ("Ex) Convolution filter
detecting edges") and against naive loops written straight from the definitions

    correlation  (f ⋆ I)(x, y) = Σ_i Σ_j f(i, j) · I(x + i, y + j)
    convolution  (f * I)(x, y) = Σ_i Σ_j f(i, j) · I(x − i, y − j)
"""
import numpy as np
import pytest

from core import AvgPool2D, Conv2D, GlobalAvgPool2D, MaxPool2D, Network
# The lecture's "Convolution layer 1" (the input) and "Convolution layer 2" (the input
# filtered with HORIZONTAL_EDGE), as written out in lecture_edge_example.py.
from lecture_edge_example import HORIZONTAL_EDGE_OUTPUT as LAYER_2
from lecture_edge_example import INPUT as LAYER_1
from lecture_edge_example import MAX_POOLED

HORIZONTAL_EDGE = [[-1, -1, -1], [1, 1, 1], [0, 0, 0]]
VERTICAL_EDGE = [[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]]


def edge_layer(kernel, **kwargs):
    """A 1-filter 3×3 correlation, anchored at the kernel's top-left cell, with zeros
    beyond the bottom and right edges (so an 8×8 image gives an 8×8 answer)."""
    layer = Conv2D(1, 3, padding=((0, 2), (0, 2)), **kwargs)
    layer.build((1, 8, 8), np.random.default_rng(0), np.float64)
    layer.params["W"] = np.array(kernel, dtype=float)[None, None]
    layer.params["b"] = [0.0]
    return layer


def naive_conv(x, W, b, stride=(1, 1), pads=((0, 0), (0, 0)), mode="correlation"):
    """Loops straight from the definition; x (N, C, H, W), W (O, C, kh, kw)."""
    (top, bottom), (left, right) = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, c, h, w = x.shape
    o, _, kh, kw = W.shape
    ho, wo = 1 + (h - kh) // stride[0], 1 + (w - kw) // stride[1]
    out = np.zeros((n, o, ho, wo))
    for s in range(n):
        for f in range(o):
            for i in range(ho):
                for j in range(wo):
                    total = b[f]
                    for ch in range(c):
                        for p in range(kh):
                            for q in range(kw):
                                if mode == "correlation":   # I(x + i, y + j)
                                    weight = W[f, ch, p, q]
                                else:                        # I(x − i, y − j): the kernel flipped
                                    weight = W[f, ch, kh - 1 - p, kw - 1 - q]
                                total += weight * x[s, ch, i * stride[0] + p, j * stride[1] + q]
                    out[s, f, i, j] = total
    return out


def test_lecture_convolution_layer_2_cell_for_cell():
    out, _ = edge_layer(HORIZONTAL_EDGE).forward(LAYER_1[None, None])
    np.testing.assert_array_equal(out[0, 0], LAYER_2)


def test_lecture_table_through_a_network():
    net = Network([Conv2D(1, 3, padding=((0, 2), (0, 2)))], input_shape=(1, 8, 8))
    net.set_weights([{"W": np.array(HORIZONTAL_EDGE, dtype=float)[None, None], "b": [0.0]}])
    np.testing.assert_array_equal(net.forward(LAYER_1[None])[0], LAYER_2)


def test_lecture_layer_1_max_pooled_2x2():
    # By hand: the largest of each 2×2 block of LAYER_1.
    expected = np.array([
        [1, 3, 2, 0],
        [0, 2, 2, 0],
        [1, 2, 1, 0],
        [0, 0, 0, 0],
    ], dtype=float)
    pool = MaxPool2D(2)
    out, cache = pool.forward(LAYER_1[None, None])
    np.testing.assert_array_equal(out[0, 0], expected)
    # The winner of the top-left block [[0, 1], [0, 0]] is its cell (0, 1): offset 1.
    assert cache["argmax"][0, 0, 0, 0] == 1
    # Block (0, 1) is [[2, 3], [-1, -2]]: the 3 at offset 1 wins; in the all-zero
    # last column of blocks the first cell wins the tie.
    assert cache["argmax"][0, 0, 0, 1] == 1 and cache["argmax"][0, 0, 3, 3] == 0
    winners = pool.winners(cache)[0, 0]
    assert winners.sum() == 16 and winners[0, 1] and winners[0, 3] and not winners[0, 2]


def test_lecture_layer_2_max_pooled_2x2():
    # By hand, the largest of each 2×2 block of LAYER_2, e.g. top-left [[-4, -9], [2, 6]] → 6,
    # next [[-12, -11], [10, 10]] → 10 (a tie: the first 10 wins), bottom-left [[-6, -11], [3, 6]] → 6.
    out, cache = MaxPool2D(2).forward(LAYER_2[None, None])
    np.testing.assert_array_equal(out[0, 0], MAX_POOLED)
    assert cache["argmax"][0, 0, 0, 1] == 2           # offset 2 of [[-12, -11], [10, 10]]: row 1, column 0


def test_max_pool_gradient_goes_to_the_winner_only():
    pool = MaxPool2D(2)
    out, cache = pool.forward(LAYER_1[None, None])
    dx, grads = pool.backward(np.ones_like(out), cache)
    assert grads == {}
    np.testing.assert_array_equal(dx[0, 0], pool.winners(cache)[0, 0].astype(float))


POOLS = [((2, 2), None), ((2, 2), 1), ((1, 4), None), ((3, 3), 2), ((2, 3), (1, 2))]


@pytest.mark.parametrize("size, stride", POOLS, ids=[f"{s}-{t}" for s, t in POOLS])
def test_max_pool_matches_a_naive_loop_first_cell_winning_ties(size, stride):
    # Small integers give many ties; the winner must be the first cell of the window
    # (row by row) that holds the maximum, whichever way the layer computes it.
    pool = MaxPool2D(size, stride)
    x = np.random.default_rng(4).integers(0, 3, size=(2, 3, 8, 9)).astype(float)
    out, cache = pool.forward(x)
    (ph, pw), (sh, sw) = pool.size, pool.stride
    for n, c, i, j in np.ndindex(out.shape):
        window = x[n, c, i * sh:i * sh + ph, j * sw:j * sw + pw].ravel()
        assert out[n, c, i, j] == window.max()
        assert cache["argmax"][n, c, i, j] == np.argmax(window)      # np.argmax: the first maximum


def test_vertical_edge_filter_matches_a_naive_loop():
    image = np.random.default_rng(0).integers(0, 3, size=(1, 1, 8, 8)).astype(float)
    layer = edge_layer(VERTICAL_EDGE)
    out, _ = layer.forward(image)
    expected = naive_conv(image, layer.params["W"], layer.params["b"], pads=((0, 2), (0, 2)))
    np.testing.assert_array_equal(out, expected)
    # A dark column left of a bright one: the filter answers +3 at the edge.
    step = np.zeros((1, 1, 8, 8))
    step[..., 4:] = 1.0
    assert edge_layer(VERTICAL_EDGE).forward(step)[0][0, 0, 2, 3] == 3.0


CASES = [
    # (Conv2D arguments, input shape (N, C, H, W))
    (dict(filters=2, kernel_size=3), (2, 3, 6, 7)),
    (dict(filters=3, kernel_size=(2, 3), stride=2), (1, 2, 7, 8)),
    (dict(filters=2, kernel_size=3, stride=(1, 2), padding=1), (2, 3, 5, 5)),
    (dict(filters=4, kernel_size=4, padding="same"), (1, 2, 6, 5)),
    (dict(filters=2, kernel_size=3, padding=((2, 0), (1, 3)), mode="convolution"), (2, 1, 5, 4)),
    (dict(filters=3, kernel_size=(3, 2), stride=2, padding=1, mode="convolution"), (1, 3, 7, 6)),
]


@pytest.mark.parametrize("kwargs, shape", CASES, ids=[str(c[0]) for c in CASES])
def test_conv2d_matches_naive_loop(kwargs, shape):
    layer = Conv2D(**kwargs, bias_init={"name": "uniform", "limit": 1.0})
    layer.build(shape[1:], np.random.default_rng(1), np.float64)
    x = np.random.default_rng(2).standard_normal(shape)
    out, cache = layer.forward(x)
    expected = naive_conv(x, layer.params["W"], layer.params["b"], layer.stride, layer.pads(shape[1:]),
                          layer.mode)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.shape[1:] == layer.output_shape(shape[1:])
    assert set(cache) == {"x", "net", "out", "cols"}


def test_convolution_mode_flips_the_kernel_but_keeps_w_as_written():
    x = np.random.default_rng(3).standard_normal((1, 1, 5, 5))
    conv = edge_layer(HORIZONTAL_EDGE, mode="convolution")
    flipped = edge_layer(np.flip(HORIZONTAL_EDGE))
    np.testing.assert_allclose(conv.forward(x[..., :8, :8])[0], flipped.forward(x[..., :8, :8])[0])
    np.testing.assert_array_equal(conv.params["W"][0, 0], HORIZONTAL_EDGE)


def test_same_padding_keeps_the_size_and_puts_the_extra_cell_bottom_right():
    layer = Conv2D(2, 4, padding="same")
    assert layer.pads((1, 9, 6)) == ((1, 2), (1, 2))
    assert layer.output_shape((1, 9, 6)) == (2, 9, 6)
    assert Conv2D(2, 3, stride=2, padding="same").output_shape((1, 7, 8)) == (2, 4, 4)


def test_output_size_formula():
    # H' = 1 + (H + top + bottom − kh) // stride
    layer = Conv2D(5, (3, 2), stride=(2, 3), padding=((1, 0), (0, 2)))
    assert layer.output_shape((3, 10, 11)) == (5, 1 + (10 + 1 - 3) // 2, 1 + (11 + 2 - 2) // 3)


def test_average_pools_by_hand():
    x = np.arange(16, dtype=float).reshape(1, 1, 4, 4)
    out, _ = AvgPool2D(2).forward(x)
    np.testing.assert_array_equal(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    out, _ = AvgPool2D(3, stride=1).forward(x)
    np.testing.assert_array_equal(out[0, 0], [[5.0, 6.0], [9.0, 10.0]])
    out, _ = GlobalAvgPool2D().forward(x)
    np.testing.assert_array_equal(out, [[7.5]])


def test_every_layer_rebuilds_from_its_config():
    from core.layers import LAYER_TYPES, layer_from_spec
    from core import Dropout, Flatten
    layers = [Conv2D(4, (3, 5), stride=(2, 1), padding=((1, 0), (2, 2)), mode="convolution", activation="tanh"),
              Conv2D(3, 3, padding="same"), MaxPool2D(3, stride=2), AvgPool2D((2, 3)), GlobalAvgPool2D(),
              Flatten(), Dropout(0.25)]
    for layer in layers:
        assert type(layer).__name__ in LAYER_TYPES
        again = type(layer)(**layer.config())
        assert again.config() == layer.config() and repr(again) == repr(layer)
        assert "\n" not in repr(layer)
        assert layer_from_spec(layer.spec()).config() == layer.config()
    assert repr(layers[0]) == ("Conv2D(4, (3, 5), stride=(2, 1), padding=((1, 0), (2, 2)), "
                               "mode='convolution', activation='tanh')")
    assert repr(layers[2]) == "MaxPool2D(3, stride=2)" and repr(layers[6]) == "Dropout(rate=0.25)"


@pytest.mark.parametrize("shape, kernel, stride", [((2, 3, 7, 6), (3, 2), (2, 1)), ((1, 2, 9, 9), (4, 4), (3, 3)),
                                                   ((3, 1, 5, 8), (1, 3), (1, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_col2im_is_the_adjoint_of_im2col(shape, kernel, stride, dtype):
    # <im2col(x), c> = <x, col2im(c)> for any x and c: col2im is im2col's transpose.
    from core.im2col import col2im, im2col
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    cols = rng.standard_normal(im2col(x, *kernel, stride).shape).astype(dtype)
    back = col2im(cols, shape, *kernel, stride)
    assert back.dtype == dtype and back.shape == shape
    np.testing.assert_allclose(np.sum(x * back), np.sum(im2col(x, *kernel, stride) * cols),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("shape, kernel_shape, stride", [((2, 3, 7, 6), (4, 3, 3, 2), (2, 1)),
                                                         ((64, 2, 9, 9), (3, 2, 4, 4), (3, 3)),
                                                         ((40, 6, 14, 14), (16, 6, 5, 5), (1, 1))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_both_ways_of_the_input_gradient_agree(shape, kernel_shape, stride, dtype, monkeypatch):
    import core.im2col as patches
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal(kernel_shape).astype(dtype)
    n, _, h, w = shape
    ho, wo = patches.output_size(h, kernel_shape[2], stride[0]), patches.output_size(w, kernel_shape[3], stride[1])
    delta = rng.standard_normal((n, kernel_shape[0], ho, wo)).astype(dtype)
    monkeypatch.setattr(patches, "BINCOUNT_LIMIT", 10**9)
    by_bincount = patches.correlation_input_grad(delta, kernel, shape, stride)
    monkeypatch.setattr(patches, "BINCOUNT_LIMIT", 0)
    by_offsets = patches.correlation_input_grad(delta, kernel, shape, stride)
    assert by_offsets.dtype == by_bincount.dtype == dtype
    assert by_offsets.shape == shape and by_offsets.flags.c_contiguous
    np.testing.assert_allclose(by_offsets, by_bincount, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-12)
