"""Weights view, watched weights, histograms and the optimizer-state view:
change the model (step the debugger), assert the view."""
import numpy as np
import pytest

from core import Dense, Network
from core.optimizers import SGD, Adam
from desktop_app.live_state import live_state
from desktop_app.panels.histogram_panel import HistogramPanel, histogram
from desktop_app.panels.matrix_plot import as_image, kernel_mosaic
from desktop_app.panels.optimizer_state_panel import OptimizerStatePanel
from desktop_app.panels.watch_panel import WatchPanel
from desktop_app.panels.weights_panel import WeightsPanel
from desktop_app.session import SessionController

X = np.array([[0.05, 0.10], [0.3, -0.2], [-0.5, 0.4], [0.9, 0.1]])
Y = np.array([[0.01, 0.99], [0.5, 0.5], [0.2, 0.8], [0.9, 0.1]])


def small_net():
    return Network([Dense(3, activation="sigmoid"), Dense(2, activation="sigmoid")],
                   input_shape=(2,), loss="half_sse", seed=1)


@pytest.fixture
def session():
    s = SessionController()
    s.set_network(small_net(), SGD(lr=0.5), X, Y)
    return s


def shown(panel):
    return panel.plot.image.image


def test_an_update_changes_the_heatmap_and_the_delta_view(qtbot, session):
    panel = WeightsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    panel.choice.select((1, "W"))
    panel.refresh()
    before = session.network.layers[1].params["W"].copy()
    np.testing.assert_array_equal(shown(panel), before)

    panel.mode.setCurrentIndex(panel.mode.findData("delta"))
    panel.refresh()
    assert panel.plot.image.image is None or panel.plot.array is None
    assert "No update yet" in panel.note.text()

    session.step("iteration")
    after = session.network.layers[1].params["W"]
    assert not np.array_equal(after, before)
    panel.refresh()
    np.testing.assert_allclose(shown(panel), after - before)

    panel.mode.setCurrentIndex(panel.mode.findData("value"))
    panel.refresh()
    np.testing.assert_array_equal(shown(panel), after)


def test_gradient_view_shows_the_debuggers_gradient(qtbot, session):
    panel = WeightsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    net_copy = session.network.copy()
    _, grads = net_copy.forward_backward(X, Y)
    panel.choice.select((0, "W"))
    panel.mode.setCurrentIndex(panel.mode.findData("gradient"))
    session.step("phase")      # forward
    session.step("phase")      # loss
    session.step("phase")      # backward: gradients known, weights not yet updated
    panel.refresh()
    np.testing.assert_allclose(shown(panel), grads[0]["W"], rtol=1e-12)


def test_redraws_come_from_the_timer_not_each_step(qtbot, session):
    panel = WeightsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    calls = []
    panel.refresh = lambda: calls.append(1)
    for _ in range(5):
        session.step("iteration")
    assert calls == []                       # nothing redrawn synchronously
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)


def test_clicking_a_cell_watches_it_and_the_series_grows_per_iteration(qtbot, session):
    weights, watch = WeightsPanel(session), WatchPanel(session)
    qtbot.addWidget(weights)
    qtbot.addWidget(watch)
    weights.choice.select((1, "W"))
    weights.plot.cell_clicked.emit((0, 1))
    watches = live_state(session).watches
    assert [w.label for w in watches.items] == ["layer 1 W[0, 1]"]
    assert watch.list.count() == 1
    values = []
    for n in range(1, 4):
        session.step("iteration")
        values.append(session.network.layers[1].params["W"][0, 1])
        assert len(watches.items[0].values) == n
    assert watches.items[0].values == values
    assert watches.items[0].iterations == [1, 2, 3]
    watch.refresh()
    xs, ys = watch.curves[0].getData()
    assert list(ys) == values


def test_stepping_inside_a_pass_adds_no_watch_point(session):
    watches = live_state(session).watches
    watches.add(0, "W", (0, 0))
    session.step("phase")
    session.step("phase")
    assert watches.items[0].values == []


def test_optimizer_state_view_shows_adams_moments(qtbot):
    s = SessionController()
    opt = Adam(lr=0.01)
    s.set_network(small_net(), opt, X, Y)
    panel = OptimizerStatePanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.choice.select((0, "W"))
    panel.refresh()
    assert "No state yet" in panel.status.text()
    s.step("iteration")
    s.step("iteration")
    panel.refresh()
    state = opt.state[(0, "W")]
    assert state["step"] == 2
    assert list(panel.plots) == ["θ", "exp_avg", "exp_avg_sq"]
    np.testing.assert_array_equal(panel.plots["exp_avg"].image.image, state["exp_avg"])
    np.testing.assert_array_equal(panel.plots["exp_avg_sq"].image.image, state["exp_avg_sq"])
    np.testing.assert_array_equal(panel.plots["θ"].image.image, s.network.layers[0].params["W"])
    assert panel.titles["exp_avg"].text() == "m = exp_avg"
    assert "t = 2" in panel.status.text()
    assert "m ← β₁·m" in panel.formula.text()


def test_histograms_follow_the_weights(qtbot, session):
    panel = HistogramPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert set(panel.value_curves) == {(0, "W"), (0, "b"), (1, "W"), (1, "b")}
    assert not panel.grad_curves[(0, "W")].isVisible()
    session.step("iteration")
    panel.refresh()
    edges, counts = panel.value_curves[(0, "W")].getData()
    assert counts.sum() == session.network.layers[0].params["W"].size
    assert panel.grad_curves[(0, "W")].isVisible()


def test_histogram_ignores_non_finite_values():
    edges, counts = histogram(np.array([1.0, np.nan, np.inf, 2.0]))
    assert counts.sum() == 2 and len(edges) == len(counts) + 1


def test_conv_kernels_are_packed_into_one_mosaic():
    w = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    image, locate = kernel_mosaic(w)
    assert image.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert np.isnan(image[2, 0]) and np.isnan(image[0, 2])
    for index in [(0, 0, 0, 0), (1, 2, 1, 1), (0, 1, 1, 0)]:
        a, b, r, c = index
        assert locate(a * 3 + r, b * 3 + c) == index
        assert image[a * 3 + r, b * 3 + c] == w[index]
    assert locate(2, 0) is None


def test_bias_vectors_show_as_one_row():
    image, locate = as_image(np.array([1.0, 2.0, 3.0]))
    assert image.shape == (1, 3) and locate(0, 2) == (2,)


def test_step_back_takes_the_watch_point_away_and_a_what_if_edit_adds_none(session):
    watches = live_state(session).watches
    watches.add(1, "W", (0, 0))
    session.step("iteration")
    session.step("iteration")
    assert len(watches.items[0].values) == 2
    session.step_back()
    assert watches.items[0].iterations == [1]
    session.set_param_value(1, "W", (0, 0), 0.123)
    assert watches.items[0].iterations == [1]
    session.step("iteration")
    assert watches.items[0].iterations == [1, 2]


@pytest.mark.parametrize("name, kwargs, shown", [
    ("Momentum", {}, ["θ", "momentum_buffer"]),
    ("Adagrad", {}, ["θ", "sum"]),
    ("RMSProp", {"centered": True}, ["θ", "square_avg", "grad_avg"]),
    ("Adadelta", {}, ["θ", "square_avg", "acc_delta"]),
    ("SGD", {}, ["θ"]),
])
def test_optimizer_state_view_shows_every_optimizers_state(qtbot, name, kwargs, shown):
    from core.optimizers import OPTIMIZERS
    s = SessionController()
    opt = OPTIMIZERS[name](**kwargs)
    s.set_network(small_net(), opt, X, Y)
    panel = OptimizerStatePanel(s)
    qtbot.addWidget(panel)
    panel.choice.select((1, "W"))
    s.step("iteration")
    panel.refresh()
    assert sorted(panel.plots) == sorted(shown)
    for state_name in shown[1:]:
        np.testing.assert_array_equal(panel.plots[state_name].image.image, opt.state[(1, "W")][state_name])
        assert panel.titles[state_name].text() == f"{opt.symbols[state_name]} = {state_name}"
    if name == "SGD":
        assert panel.status.text() == "SGD keeps no state: each update uses only the current gradient."
    else:
        assert "t = 1" in panel.status.text()
