import numpy as np
import pytest

from core.errors import ConfigError, ShapeError
from core.kernels import kernel_preset
from core.layers.conv import Conv2D
from core.layers.dense import Dense
from core.layers.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from core.layers.reshape import Flatten
from core.network import Network
from core.receptive_field import conv_dot_product, max_pool_winner, receptive_field
from lecture_edge_example import HORIZONTAL_EDGE_OUTPUT, INPUT, MAX_POOLED


def lenet5(input_side=32, first_padding=0):
    """LeNet-5's feature extractor as in LeCun et al. 1998 (valid 5 × 5 convs, 2 × 2 subsampling)."""
    return Network([Conv2D(6, 5, padding=first_padding, activation="tanh"), MaxPool2D(2),
                    Conv2D(16, 5, activation="tanh"), MaxPool2D(2), Flatten(), Dense(10)],
                   input_shape=(1, input_side, input_side))


def test_lenet5_second_pool_cell_sees_a_16_by_16_block_at_4i_4j():
    # By hand, for cell (i, j) of the second pool (5 × 5 output):
    #   pool 2: rows 2i … 2i+1          conv 5×5: rows 2i … 2i+5
    #   pool 2: rows 4i … 4i+11         conv 5×5: rows 4i … 4i+15  → 16 rows, start 4i
    net = lenet5()
    assert net.shapes[3] == (16, 5, 5)
    for i, j in ((0, 0), (1, 3), (4, 4)):
        field = receptive_field(net, 3, i, j)
        assert field.rows == (4 * i, 4 * i + 16) and field.cols == (4 * j, 4 * j + 16)
        assert field.size == (16, 16) and field.shape == (16, 16)


def test_padding_is_clipped_off_the_field():
    # 28 × 28 input with padding 2 on the first conv: rows 4i − 2 … 4i + 13, clipped to the image
    net = lenet5(28, first_padding=2)
    assert receptive_field(net, 3, 1, 1).rows == (2, 18)
    corner = receptive_field(net, 3, 0, 4)
    assert corner.rows == (0, 14) and corner.cols == (14, 28) and corner.size == (16, 16)


def test_field_of_a_first_layer_cell_is_its_kernel_window_with_stride():
    net = Network([Conv2D(2, (3, 5), stride=2)], input_shape=(3, 11, 11))
    field = receptive_field(net, 0, 2, 1)
    assert field.rows == (4, 7) and field.cols == (2, 7)


def test_elementwise_and_mixing_layers():
    net = Network([Conv2D(2, 3), AvgPool2D(2), GlobalAvgPool2D(), Dense(2)], input_shape=(1, 8, 8))
    assert receptive_field(net, 1, 0, 0).rows == (0, 4)
    with pytest.raises(ShapeError, match="not an image"):
        receptive_field(net, 2, 0, 0)
    with pytest.raises(ShapeError, match="outside"):
        receptive_field(net, 1, 3, 0)
    with pytest.raises(ConfigError, match="does not exist"):
        receptive_field(net, 7, 0, 0)


def lecture_conv(mode="correlation"):
    conv = Conv2D(1, 3, padding=((0, 2), (0, 2)), mode=mode)
    Network([conv], input_shape=(1, 8, 8))
    conv.params["W"] = kernel_preset("horizontal_edge")[None, None]
    conv.params["b"] = [0.0]
    return conv


def test_dot_product_reproduces_every_cell_of_the_lecture_table():
    conv = lecture_conv()
    for i in range(8):
        for j in range(8):
            terms = conv_dot_product(conv, INPUT[None], 0, i, j)
            assert terms.total == HORIZONTAL_EDGE_OUTPUT[i, j]


def test_dot_product_terms_of_the_top_left_cell():
    terms = conv_dot_product(lecture_conv(), INPUT[None], 0, 0, 0)
    np.testing.assert_array_equal(terms.patch[0], INPUT[:3, :3])
    np.testing.assert_array_equal(terms.products[0], [[0, -1, -2], [0, 0, -1], [0, 0, 0]])
    assert (terms.bias, terms.total, terms.top_left) == (0.0, -4.0, (0, 0))


def test_dot_product_window_on_the_padding_holds_zeros():
    terms = conv_dot_product(lecture_conv(), INPUT[None], 0, 7, 7)
    assert terms.patch[0, 0, 0] == INPUT[7, 7] and np.count_nonzero(terms.patch[0, 1:, :]) == 0


def test_convolution_mode_applies_the_flipped_kernel_and_matches_the_layer():
    rng = np.random.default_rng(1)
    conv = Conv2D(2, 3, stride=2, padding=1, mode="convolution")
    Network([conv], input_shape=(2, 7, 7))
    conv.params["b"] = [0.5, -1.0]
    x = rng.normal(size=(2, 7, 7))
    net = conv.forward(x[None])[1]["net"][0]
    terms = conv_dot_product(conv, x, 1, 2, 3)
    np.testing.assert_array_equal(terms.kernel, conv.params["W"][1, :, ::-1, ::-1])
    assert terms.total == pytest.approx(net[1, 2, 3], abs=1e-12)


def test_max_pool_winner_on_the_lecture_example():
    pool = MaxPool2D(2, 2)
    x = HORIZONTAL_EDGE_OUTPUT[None]
    for i in range(4):
        for j in range(4):
            r, c = max_pool_winner(pool, x, 0, i, j)
            assert 2 * i <= r < 2 * i + 2 and 2 * j <= c < 2 * j + 2
            assert x[0, r, c] == MAX_POOLED[i, j]
    assert max_pool_winner(pool, x, 0, 0, 1) == (1, 2)      # 10 at (1, 2) beats the tie at (1, 3)
    with pytest.raises(ConfigError, match="not a max-pooling"):
        max_pool_winner(AvgPool2D(2), x, 0, 0, 0)


def test_the_lenet5_template_second_pool_cell():
    from core.templates import lenet5
    net = lenet5().network          # 28 × 28 input, first conv padded by 2
    assert isinstance(net.layers[3], MaxPool2D) and net.shapes[3] == (16, 5, 5)
    # rows 4i − 2 … 4i + 13 and columns 4j − 2 … 4j + 13, clipped to 0 … 27
    field = receptive_field(net, 3, 2, 3)
    assert (field.rows, field.cols, field.size) == ((6, 22), (10, 26), (16, 16))


def test_a_cell_whose_window_lies_on_padding_depends_on_no_pixel():
    net = Network([Conv2D(1, 3, padding=3), MaxPool2D(1)], input_shape=(1, 5, 5))
    empty = receptive_field(net, 1, 0, 4)           # rows −3 … −1: all padding
    assert empty.rows == (0, 0) and empty.cols == (0, 0) and empty.shape == (0, 0)
    assert receptive_field(net, 1, 1, 1).rows == (0, 1)
