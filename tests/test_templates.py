"""Every template builds, carries the lecture's values and trains as promised."""
import numpy as np
import pytest

from core import SGD, Adam, ConfigError, Conv2D, MaxPool2D, Network
from core.optimizers import Optimizer
from core.templates import TEMPLATES, Template, lenet5, perceptron, worked_example
from core.training import Trainer


@pytest.mark.parametrize("name", [n for n in TEMPLATES if n != "lenet5"])
def test_template_builds_and_runs_a_step(name):
    t = TEMPLATES[name]()
    assert isinstance(t, Template) and t.name == name
    assert isinstance(t.network, Network) and isinstance(t.optimizer, Optimizer)
    assert t.title and t.description and t.hint.startswith("Press ")
    loss, grads = t.network.forward_backward(t.x, t.y)
    assert np.isfinite(loss)
    t.optimizer.step(t.network, grads)
    assert TEMPLATES[name]().network is not t.network          # a fresh network every call


def test_perceptron_gives_g_of_minus_6():
    t = perceptron()
    assert t.network.forward(t.x)[0, 0] == pytest.approx(1 / (1 + np.exp(6)), rel=1e-12)   # 0.00247
    np.testing.assert_array_equal(t.network.layers[0].params["W"], [[3.0], [-2.0]])
    np.testing.assert_array_equal(t.network.layers[0].params["b"], [1.0])
    assert perceptron("step").network.forward(t.x)[0, 0] == 0.0      # step(−6) = 0
    assert t.network.param_count() == 3


def test_worked_example_matches_the_lecture():
    t = worked_example()
    net = t.network
    assert isinstance(t.optimizer, SGD) and t.optimizer.lr == 0.5
    assert net.loss.name == "half_sse" and all(layer.frozen == {"b"} for layer in net.layers)
    assert net.param_count() == 12
    assert net.evaluate(t.x, t.y) == pytest.approx(0.298371109, abs=1e-9)
    _, grads = net.forward_backward(t.x, t.y)
    t.optimizer.step(net, grads)
    assert net.layers[1].params["W"][0, 0] == pytest.approx(0.35891648, abs=1e-8)    # w5
    assert net.evaluate(t.x, t.y) == pytest.approx(0.291027774, abs=1e-9)


@pytest.mark.parametrize("name", ["xor_mlp", "circle_mlp"])
def test_classification_templates_learn_quickly(name):
    t = TEMPLATES[name]()
    trainer = Trainer(t.network, t.optimizer, t.x, t.y, batch_size=16, val_split=0.2, seed=0)
    history = trainer.fit(30)
    assert history.train_acc[-1] >= 0.95 and history.val_acc[-1] >= 0.9


def test_deep_sigmoid_stack_shows_vanishing_gradients():
    t = TEMPLATES["deep_sigmoid_stack"]()
    dense = t.network.layers
    assert len(dense) >= 9 and sum(layer.activation.name == "sigmoid" for layer in dense) >= 8
    _, grads = t.network.forward_backward(t.x, t.y)
    first, last = np.linalg.norm(grads[0]["W"]), np.linalg.norm(grads[-1]["W"])
    assert first < last * 1e-4
    assert len(TEMPLATES["deep_sigmoid_stack"](depth=3).network.layers) == 4
    with pytest.raises(ConfigError, match="depth"):
        TEMPLATES["deep_sigmoid_stack"](depth=0)


def test_lenet5_has_61706_parameters():
    t = lenet5()
    net = t.network
    assert net.input_shape == (1, 28, 28) and net.loss.name == "cross_entropy"
    assert isinstance(net.layers[0], Conv2D) and isinstance(net.layers[1], MaxPool2D)
    assert net.shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)]
    # 6·(1·5·5) + 6 = 156;  16·(6·5·5) + 16 = 2,416;  400·120 + 120 = 48,120;
    # 120·84 + 84 = 10,164;  84·10 + 10 = 850;  total 61,706
    assert net.param_counts() == [156, 0, 2416, 0, 0, 48120, 10164, 850]
    assert net.param_count() == 61_706
    assert isinstance(t.optimizer, Adam)
    assert t.x.shape[1:] == (1, 28, 28) and len(t.x) == len(t.y)
    loss, _ = net.forward_backward(t.x[:4], t.y[:4])
    assert np.isfinite(loss)
