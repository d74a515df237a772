"""Bad input raises the specific LayerLabError with a message a learner can act on."""
import numpy as np
import pytest

from core import (Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, GlobalAvgPool2D, MaxPool2D,
                  Network)
from core.errors import ConfigError, InputError, ShapeError


def test_dense_after_conv_without_flatten_says_to_add_flatten():
    with pytest.raises(ShapeError) as err:
        Network([Conv2D(4, 3), Dense(10)], input_shape=(1, 8, 8))
    msg = str(err.value)
    assert "Dense" in msg and "(4, 6, 6)" in msg and "Add a Flatten layer" in msg
    assert err.value.layer_index == 1


def test_kernel_larger_than_input():
    with pytest.raises(ShapeError) as err:
        Network([Conv2D(2, 5)], input_shape=(1, 4, 4))
    msg = str(err.value)
    assert "5×5 kernel is too large for a 4×4 input" in msg and "reduce kernel_size or add padding" in msg


def test_kernel_larger_than_padded_input_names_the_padded_size():
    with pytest.raises(ShapeError, match=r"5×5 input \(5×7 after padding\)"):
        Conv2D(1, (6, 3), padding=((0, 0), (1, 1))).output_shape((1, 5, 5))


def test_conv_after_flatten_needs_an_image():
    with pytest.raises(ShapeError) as err:
        Network([Flatten(), Conv2D(2, 3)], input_shape=(3, 5, 8))
    msg = str(err.value)
    assert "Conv2D needs an image input (channels, height, width) but receives (120,)" in msg
    assert "input_shape=(channels, height, width)" in msg


def test_conv_on_a_grey_image_without_channel_axis():
    with pytest.raises(ShapeError, match=r"input_shape=\(1, 28, 28\)"):
        Network([Conv2D(2, 3)], input_shape=(28, 28))


@pytest.mark.parametrize("layer", [MaxPool2D(2), AvgPool2D(2), GlobalAvgPool2D()], ids=repr)
def test_pooling_needs_an_image(layer):
    with pytest.raises(ShapeError, match="needs an image input"):
        Network([layer], input_shape=(10,))


def test_pooling_window_larger_than_input():
    with pytest.raises(ShapeError, match="3×3 window is too large for a 2×2 input"):
        Network([Conv2D(1, 3), MaxPool2D(3)], input_shape=(1, 4, 4))


def test_layer_forward_given_a_flat_batch():
    layer = Conv2D(2, 3)
    layer.build((1, 5, 5), np.random.default_rng(0))
    with pytest.raises(ShapeError, match=r"batch of images \(N, channels, height, width\).*\(4, 25\)"):
        layer.forward(np.zeros((4, 25)))


def test_wrong_input_shape_to_network():
    net = Network([Conv2D(2, 3), Flatten(), Dense(3)], input_shape=(1, 8, 8))
    with pytest.raises(ShapeError) as err:
        net.forward_backward(np.zeros((5, 8, 8)), np.zeros((5, 3)))
    msg = str(err.value)
    assert "(1, 8, 8)" in msg and "(5, 8, 8)" in msg


def test_assigning_a_wrong_shape_param():
    net = Network([Conv2D(2, 3)], input_shape=(3, 8, 8))
    with pytest.raises(ShapeError) as err:
        net.layers[0].params["W"] = np.zeros((2, 1, 3, 3))
    msg = str(err.value)
    assert "(2, 3, 3, 3)" in msg and "(2, 1, 3, 3)" in msg


def test_nan_input():
    net = Network([Conv2D(2, 3), Flatten(), Dense(3)], input_shape=(1, 4, 4))
    x = np.zeros((2, 1, 4, 4))
    x[1, 0, 2, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        net.forward(x)


@pytest.mark.parametrize("make", [lambda: Conv2D(2, 3, activation="rleu"), lambda: Dense(2, activation="rleu"),
                                  lambda: Activation("rleu")], ids=["Conv2D", "Dense", "Activation"])
def test_unknown_activation_names(make):
    with pytest.raises(ConfigError) as err:
        make()
    msg = str(err.value)
    assert "'rleu'" in msg and "relu" in msg and "sigmoid" in msg


@pytest.mark.parametrize("make, words", [
    (lambda: Conv2D(-1, 3), "filters must be a whole number ≥ 1, got -1"),
    (lambda: Conv2D(0, 3), "filters must be a whole number ≥ 1, got 0"),
    (lambda: Conv2D(2, -3), "kernel_size must be a whole number ≥ 1, got -3"),
    (lambda: Conv2D(2, (3, 0)), "kernel_size must be a whole number ≥ 1, got 0"),
    (lambda: Conv2D(2, (3, 3, 3)), "kernel_size is one number or a pair"),
    (lambda: Conv2D(2, 3, stride=0), "stride must be a whole number ≥ 1, got 0"),
    (lambda: Conv2D(2, 3, padding=-1), "padding must be ≥ 0, got -1"),
    (lambda: Conv2D(2, 3, padding="full"), '"valid", "same"'),
    (lambda: Conv2D(2, 3, padding=((1, -1), (0, 0))), "padding amounts must be whole numbers ≥ 0"),
    (lambda: Conv2D(2, 3, padding=(1, 2, 3)), "((top, bottom), (left, right))"),
    (lambda: Conv2D(2, 3, mode="cross"), "mode must be one of correlation, convolution"),
    (lambda: Conv2D(2, 2.5), "kernel_size must be a whole number"),
    (lambda: MaxPool2D(0), "MaxPool2D: size must be a whole number ≥ 1, got 0"),
    (lambda: AvgPool2D(2, stride=-2), "AvgPool2D: stride must be a whole number ≥ 1, got -2"),
    (lambda: Dense(-3), "units must be a whole number ≥ 1, got -3"),
])
def test_bad_sizes(make, words):
    with pytest.raises(ConfigError) as err:
        make()
    assert words in str(err.value)


@pytest.mark.parametrize("rate", [1.5, 1.0, -0.1, "half", True])
def test_dropout_rate_outside_0_1(rate):
    with pytest.raises(ConfigError) as err:
        Dropout(rate)
    assert "[0, 1)" in str(err.value) and repr(rate) in str(err.value)


def test_dropout_in_training_needs_a_generator():
    with pytest.raises(ConfigError, match="rng=np.random.default_rng"):
        Dropout(0.5).forward(np.ones((2, 3)), training=True)


def test_dropout_is_identity_at_inference_and_scales_kept_units_in_training():
    x = np.ones((50, 40))
    layer = Dropout(0.25)
    out, cache = layer.forward(x)
    assert out is x and cache["mask"] is None
    out, cache = layer.forward(x, training=True, rng=np.random.default_rng(0))
    assert set(np.unique(out)) == {0.0, 1.0 / 0.75}
    assert abs(np.mean(out == 0.0) - 0.25) < 0.03
    np.testing.assert_array_equal(out, x * cache["mask"])



def lecture_network():
    return Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], input_shape=(2,),
                   loss="half_sse")


def test_nan_targets():
    net = lecture_network()
    with pytest.raises(InputError, match="targets contain NaN"):
        net.forward_backward(np.array([[0.05, 0.10]]), np.array([[np.nan, 0.99]]))
    with pytest.raises(InputError, match="targets contain NaN"):
        net.evaluate(np.array([[0.05, 0.10]]), np.array([[0.01, np.inf]]))


def test_text_targets():
    with pytest.raises(InputError, match="targets must be real numbers"):
        lecture_network().forward_backward(np.array([[0.05, 0.10]]), [["a", "b"]])


def test_ragged_input_rows():
    with pytest.raises(InputError, match="rows have different lengths"):
        lecture_network().forward([[0.05, 0.10], [0.2]])


def test_assigning_text_or_ragged_values_to_a_param():
    layer = lecture_network().layers[0]
    with pytest.raises(InputError, match=r"Dense.params\['b'\] must hold real numbers"):
        layer.params["b"] = ["a", "b"]
    with pytest.raises(InputError, match="rows given have different lengths"):
        layer.params["W"] = [[0.1, 0.2], [0.3]]


def test_assigning_a_param_the_layer_does_not_have():
    layer = lecture_network().layers[0]
    with pytest.raises(ConfigError, match=r"Dense has no parameter 'w' \(it has W, b\)"):
        layer.params["w"] = np.zeros((2, 2))
    assert set(layer.params) == {"W", "b"}


def test_network_needs_a_list_of_layers():
    with pytest.raises(ConfigError, match=r"list of layers, like Network\(\[Dense\(2\)\]"):
        Network(Dense(2), input_shape=(2,))


@pytest.mark.parametrize("edit", [lambda net: net.remove(2), lambda net: net.move(-3, 0),
                                  lambda net: net.replace(5, Dense(2))], ids=["remove", "move", "replace"])
def test_layer_index_out_of_range(edit):
    net = lecture_network()
    with pytest.raises(ConfigError, match=r"out of range: the network has 2 layers \(indices 0..1"):
        edit(net)
    assert len(net.layers) == 2


@pytest.mark.parametrize("seed", [-1, 1.5, "a", None])
def test_network_seed_must_be_a_whole_number(seed):
    with pytest.raises(ConfigError, match=f"seed must be a whole number ≥ 0, like 0 or 42; got {seed!r}"):
        Network([Dense(2)], input_shape=(2,), seed=seed)


def test_set_weights_needs_one_dict_per_layer():
    net = lecture_network()
    with pytest.raises(ShapeError, match="Got weights for 1 layers, but the network has 2"):
        net.set_weights([{}])


@pytest.mark.parametrize("layer, x", [(Dense(2), np.zeros((1, 3))), (Conv2D(2, 3), np.zeros((1, 1, 5, 5)))],
                         ids=["Dense", "Conv2D"])
def test_a_layer_used_before_it_is_built(layer, x):
    with pytest.raises(ConfigError, match="has no weights yet: put it in a Network"):
        layer.forward(x)
