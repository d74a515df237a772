"""Network (core.network): shape inference on every edit, edits that fail leave
the network as it was, parameters of untouched layers survive an edit, and
parameter counts per layer and in total."""
import numpy as np
import pytest

from core import Conv2D, Dense, Dropout, Flatten, MaxPool2D, Network
from core.errors import ConfigError, ShapeError


def small_cnn():
    return Network([Conv2D(4, 3), MaxPool2D(2), Flatten(), Dense(5)], input_shape=(1, 8, 8))


def test_shapes_are_inferred_for_every_layer():
    net = small_cnn()
    assert net.shapes == [(4, 6, 6), (4, 3, 3), (36,), (5,)] and net.output_shape == (5,)


def test_parameter_counts_per_layer_and_total():
    net = small_cnn()
    # conv: 4 filters · 1 channel · 3 · 3 + 4 biases = 40;  dense: 36 · 5 + 5 = 185
    assert net.param_counts() == [40, 0, 0, 185] and net.param_count() == 225
    assert "total parameters: 225" in net.summary()


def test_a_linear_function_on_an_image_has_a_weight_per_pixel_and_output():
    # The lecture's question "How many parameters does a linear function have?" for y = Wx + b
    # on a 3 × 32 × 32 image with 10 outputs: 3072 · 10 weights + 10 biases.
    net = Network([Flatten(), Dense(10)], input_shape=(3, 32, 32))
    assert net.param_count() == 3 * 32 * 32 * 10 + 10 == 30_730


def test_edits_reinfer_shapes_and_keep_untouched_parameters():
    net = small_cnn()
    conv_w = net.layers[0].params["W"]
    net.insert(2, Dropout(0.5))
    assert net.shapes == [(4, 6, 6), (4, 3, 3), (4, 3, 3), (36,), (5,)]
    net.remove(1)                                 # without the pooling, Dense sees 4 · 6 · 6 inputs
    assert net.shapes[-1] == (5,) and net.layers[-1].params["W"].shape == (144, 5)
    assert net.layers[0].params["W"] is conv_w    # the conv layer was not re-initialised
    net.replace(3, Dense(7))
    assert net.output_shape == (7,) and net.param_counts()[-1] == 144 * 7 + 7
    net.move(1, 2)                                # Dropout after Flatten
    assert [type(layer).__name__ for layer in net.layers] == ["Conv2D", "Flatten", "Dropout", "Dense"]
    net.append(Dense(2))
    assert net.output_shape == (2,)


@pytest.mark.parametrize("edit", [
    lambda net: net.remove(2),                    # Dense right after MaxPool2D
    lambda net: net.insert(3, Conv2D(2, 3)),      # Conv2D after Flatten
    lambda net: net.replace(0, Conv2D(2, 9)),     # kernel larger than the 8 × 8 input
    lambda net: net.move(2, 0),                   # Flatten first: Conv2D then gets a flat input
], ids=["remove", "insert", "replace", "move"])
def test_an_edit_that_breaks_the_stack_names_the_layer_and_changes_nothing(edit):
    net = small_cnn()
    layers, shapes, weights = net.layers, list(net.shapes), net.get_weights()
    with pytest.raises(ShapeError) as err:
        edit(net)
    assert f"Layer {err.value.layer_index} (" in str(err.value) and "output shape is" in str(err.value)
    assert net.layers == layers and net.shapes == shapes
    assert all(np.array_equal(w[k], v[k]) for w, v in zip(net.get_weights(), weights) for k in w)


def test_layers_cannot_be_replaced_behind_the_networks_back():
    net = small_cnn()
    with pytest.raises(TypeError):
        net.layers[0] = Dense(3)                  # a tuple: edits go through insert/remove/replace


def test_cross_entropy_needs_softmax_or_raw_scores_at_the_end():
    with pytest.raises(ConfigError, match="Use activation='softmax' on the last layer"):
        Network([Dense(3, activation="sigmoid")], input_shape=(2,), loss="cross_entropy")
    net = Network([Dense(3, activation="sigmoid")], input_shape=(2,), loss="mse")
    with pytest.raises(ConfigError):
        net.set_loss("cross_entropy")
    assert net.loss.name == "mse"


def test_spec_rebuilds_the_same_architecture():
    net = small_cnn()
    net.layers[0].freeze("b")
    again = Network.from_spec(net.spec())
    assert again.shapes == net.shapes and again.param_counts() == net.param_counts()
    assert again.layers[0].frozen == {"b"} and repr(again) == repr(net)


def test_a_single_sample_gives_a_single_output():
    net = small_cnn()
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    single = net.forward(x[1])
    assert single.shape == (5,)
    np.testing.assert_allclose(single, net.forward(x)[1], rtol=1e-12)   # a GEMM may round per batch size
