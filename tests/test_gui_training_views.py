"""Toy-data chooser and the decision-region / fitted-curve view."""
import numpy as np
import pytest

from core import Dense, Network
from core.datasets import TOY_DATASETS
from core.optimizers import SGD, Adam
from desktop_app.live_state import live_state
from desktop_app.panels.decision_panel import CLASS_COLORS, DecisionPanel, region_image
from desktop_app.panels.toy_data_panel import ToyDataPanel, targets_for
from desktop_app.session import SessionController


def classifier(outputs=2, activation="softmax", loss="cross_entropy"):
    return Network([Dense(6, activation="tanh"), Dense(outputs, activation=activation)],
                   input_shape=(2,), loss=loss, seed=0)


@pytest.fixture
def session():
    s = SessionController()
    x, y = TOY_DATASETS["circle"].generate(n=40)
    s.set_network(classifier(), Adam(lr=0.01), x, y, dataset_name="circle")
    return s


def test_choosing_toy_data_hands_it_to_the_session(qtbot, session):
    panel = ToyDataPanel(session)
    qtbot.addWidget(panel)
    panel.set_choice("spiral", {"n": 90, "noise": 0.05, "classes": 2, "seed": 7})
    assert panel.apply()
    x, y = TOY_DATASETS["spiral"].generate(n=90, noise=0.05, classes=2, seed=7)
    np.testing.assert_array_equal(session.x, x)
    np.testing.assert_array_equal(session.y, y)
    assert session.dataset_name == "spiral"
    assert live_state(session).dataset == {"name": "spiral", "n": 90, "noise": 0.05, "classes": 2,
                                           "turns": 1.0, "seed": 7}
    assert session.debugger is not None                     # ready to step and train


def test_data_that_does_not_fit_the_network_is_explained(qtbot, session):
    panel = ToyDataPanel(session)
    qtbot.addWidget(panel)
    errors = []
    session.error.connect(errors.append)
    panel.set_choice("noisy_line", {"n": 30})
    x_before = session.x
    assert not panel.apply()
    assert "1 input(s) per sample but the network takes (2,)" in errors[0]
    assert session.x is x_before
    panel.set_choice("spiral", {"classes": 3})
    assert not panel.apply()
    assert "3 classes" in errors[-1] and "give the last layer 3 units" in errors[-1]


def test_labels_take_the_shape_the_output_expects():
    y = np.array([0, 1, 1, 0])
    np.testing.assert_array_equal(targets_for(classifier(), y, "classification"), y)
    onehot = targets_for(classifier(loss="mse", activation="sigmoid"), y, "classification")
    np.testing.assert_array_equal(onehot, [[1, 0], [0, 1], [0, 1], [1, 0]])
    column = targets_for(classifier(outputs=1, activation="sigmoid", loss="mse"), y, "classification")
    assert column.shape == (4, 1)


def test_decision_regions_show_the_networks_classes_over_the_data(qtbot, session):
    panel = DecisionPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert panel.mode == "regions"
    image = panel.regions.image
    assert image.shape[2] == 3 and image.shape[0] == image.shape[1]
    xs, ys = panel.points.getData()
    np.testing.assert_array_equal(xs, session.x[:, 0])
    # each pixel is tinted towards the colour of the class the network predicts there
    net = session.network
    grid = np.array([[0.0, 0.0], [2.0, 2.0]])
    predicted = np.argmax(net.forward(grid), axis=1)
    tiny = region_image(net, "multiclass", grid[:, 0], grid[:, 1])
    for k, cls in enumerate(predicted):
        pixel = tiny[k, k].astype(float)                  # row k (x₂ = grid[k, 1]), column k (x₁)
        assert np.abs(pixel - CLASS_COLORS[cls]).sum() < np.abs(pixel - CLASS_COLORS[1 - cls]).sum()
    before = image.copy()
    for _ in range(30):
        session.step("iteration")
    panel.refresh()
    assert not np.array_equal(panel.regions.image, before)          # redrawn as it learns


def test_regression_shows_the_data_and_the_fitted_line(qtbot):
    s = SessionController()
    x, y = TOY_DATASETS["noisy_line"].generate(n=50)
    net = Network([Dense(1)], input_shape=(1,), loss="mse", seed=0)
    s.set_network(net, SGD(lr=0.3), x, y)
    panel = DecisionPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert panel.mode == "curve"
    xs, fitted = panel.fit.getData()
    np.testing.assert_allclose(fitted, net.forward(xs[:, None])[:, 0])
    for _ in range(200):
        s.step("iteration")
    panel.refresh()
    theta, b = net.layers[0].params["W"][0, 0], net.layers[0].params["b"][0]
    assert abs(theta - 2.0) < 0.2 and abs(b - 0.5) < 0.1       # noisy_line's defaults: y = 2x + 0.5
    assert f"y = {theta:.4g}·x" in panel.note.text()


def test_a_diverged_regression_says_so(qtbot):
    s = SessionController()
    x, y = TOY_DATASETS["noisy_line"].generate(n=50)
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    s.set_network(net, SGD(lr=0.3), x, y)
    net.layers[0].params["W"] = np.array([[np.inf]])
    panel = DecisionPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert "diverged" in panel.note.text()


def test_other_networks_get_an_explanation(qtbot):
    s = SessionController()
    s.load_template("lenet5")
    panel = DecisionPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert panel.mode is None and "two inputs" in panel.note.text()
