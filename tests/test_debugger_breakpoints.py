"""Every breakpoint kind hit by a network built to trip it, and not by a healthy
network; run() stops where the value became known and says why; a pause asked
from another thread stops a run."""
import math
import threading

import numpy as np
import pytest

from core import SGD, ConfigError, Debugger, Dense, Network
from core.breakpoints import KINDS, LossAbove, make_breakpoint


def regression(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    return x, x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3


def diverging():
    """ReLU regression with MSE at a learning rate of 50: the lecture's overshooting, to inf and NaN."""
    net = Network([Dense(8, activation="relu"), Dense(1)], (3,), loss="mse", seed=0)
    return Debugger(net, SGD(lr=50.0), *regression())


def healthy():
    net = Network([Dense(8, activation="tanh"), Dense(1)], (3,), loss="mse", seed=0)
    return Debugger(net, SGD(lr=0.05), *regression())


def deep_sigmoid(depth=12):
    net = Network([Dense(4, activation="sigmoid") for _ in range(depth)] + [Dense(1)], (3,), loss="mse", seed=0)
    return Debugger(net, SGD(lr=0.1), *regression())


def test_nan_stops_the_run_and_names_layer_and_array():
    dbg = diverging()
    why = dbg.run(max_iterations=500)
    assert why.reason == "breakpoint" and why.hit.breakpoint.kind == "nonfinite"
    assert why.hit.layer is not None and why.hit.array
    assert f"layer {why.hit.layer}" in why.message and why.hit.array in why.message
    assert why.iterations < 500
    # stopped before the bad gradient was applied: the weights are still finite
    assert all(np.isfinite(p).all() for layer in dbg.net.layers for p in layer.params.values())


def test_a_loss_that_overflows_from_finite_outputs_is_reported_as_divergence():
    x = np.linspace(-1, 1, 20)[:, None]
    dbg = Debugger(Network([Dense(1)], (1,), loss="mse"), SGD(lr=1e3), x, 3 * x + 1)
    why = dbg.run(max_iterations=500)
    assert why.hit.breakpoint.kind == "nonfinite" and why.hit.array == "loss" and why.hit.layer is None
    assert "loss overflowed" in why.message and "smaller learning rate" in why.message


def test_without_the_nan_breakpoint_a_diverging_run_still_does_not_crash():
    dbg = diverging()
    dbg.remove_breakpoint(dbg.breakpoints[0])
    why = dbg.run(max_iterations=60)
    assert why.reason == "limit"
    assert not math.isfinite(dbg.last_iteration.loss.value)


@pytest.mark.parametrize("kind, settings", [
    ("loss_above", {"value": 1e3}),
    ("loss_rising", {"iterations": 3}),
    ("grad_norm_above", {"threshold": 1e4}),
])
def test_divergence_breakpoints_hit_before_the_nan(kind, settings):
    dbg = diverging()
    bp = dbg.add_breakpoint(kind, **settings)
    why = dbg.run(max_iterations=500)
    assert why.hit.breakpoint is bp, why.message
    assert math.isfinite(why.hit.value)
    if kind == "loss_rising":
        losses = dbg.watches.series("loss")[1][-3:].tolist() + [dbg.state.loss]
        assert all(b > a for a, b in zip(losses, losses[1:]))
    if kind == "grad_norm_above":
        assert why.cursor.phase == "update"       # stopped after backward, before the update


def test_vanishing_gradient_in_a_deep_sigmoid_stack():
    dbg = deep_sigmoid()
    bp = dbg.add_breakpoint("grad_norm_below", threshold=1e-4)
    why = dbg.run(max_iterations=20)
    assert why.hit.breakpoint is bp and why.hit.layer == 0 and why.hit.value < 1e-4
    assert "Vanishing" in why.message


def test_dead_relus_from_a_large_negative_bias():
    dbg = diverging()
    for j in range(8):
        dbg.set_param(0, "b", (j,), -100.0)
    bp = dbg.add_breakpoint("dead_relu", fraction=0.5)
    why = dbg.run(max_iterations=5)
    assert why.hit.breakpoint is bp and why.hit.layer == 0 and why.hit.value == 1.0
    assert why.cursor.phase == "loss"              # stopped right after the forward pass


def test_a_healthy_relu_network_has_no_dead_units():
    net = Network([Dense(8, activation="relu"), Dense(1)], (3,), loss="mse", seed=0)
    dbg = Debugger(net, SGD(lr=0.01), *regression())
    bp = dbg.add_breakpoint("dead_relu", fraction=0.5)
    why = dbg.run(max_iterations=40)
    assert why.reason == "limit" and why.hit is None and bp.enabled


def test_saturated_sigmoids():
    dbg = deep_sigmoid(depth=2)
    for j in range(4):
        dbg.set_param(0, "b", (j,), 20.0)
    bp = dbg.add_breakpoint("saturated", fraction=0.9, layer=0)
    assert dbg.run(max_iterations=3).hit.breakpoint is bp


def test_iteration_epoch_and_enter_layer():
    dbg = healthy()
    dbg.add_breakpoint("iteration", n=5)
    why = dbg.run()
    assert why.hit.breakpoint.kind == "iteration" and dbg.iteration == 5 and why.iterations == 5

    x, y = regression(10)
    dbg = Debugger(Network([Dense(2, activation="tanh"), Dense(1)], (3,), loss="mse"), SGD(lr=0.01), x, y,
                   batch_size=4)
    dbg.add_breakpoint("epoch", n=2)
    why = dbg.run(max_iterations=100)
    assert why.hit.breakpoint.kind == "epoch" and (dbg.epoch, dbg.batch, dbg.iteration) == (2, 0, 6)

    dbg = healthy()
    dbg.add_breakpoint("enter_layer", layer=1, phase="backward")
    why = dbg.run(max_iterations=10)
    assert (why.cursor.phase, why.cursor.layer, why.cursor.unit, why.cursor.iteration) == ("backward", 1, 0, 0)
    why = dbg.run(max_iterations=10)          # continuing does not stop at the same place again
    assert (why.cursor.phase, why.cursor.layer, why.cursor.iteration) == ("backward", 1, 1)


def test_a_healthy_network_trips_nothing():
    dbg = healthy()
    for kind, settings in [("loss_above", {"value": 100.0}), ("loss_rising", {"iterations": 3}),
                           ("grad_norm_above", {"threshold": 100.0}), ("grad_norm_below", {"threshold": 1e-8}),
                           ("dead_relu", {"fraction": 0.5}), ("saturated", {"fraction": 0.5}),
                           ("iteration", {"n": 1000}), ("epoch", {"n": 1000}),
                           ("enter_layer", {"layer": 1, "phase": "forward"})]:
        dbg.add_breakpoint(kind, **settings)
    dbg.breakpoints[-1].enabled = False
    why = dbg.run(max_iterations=40)
    assert why.reason == "limit" and why.iterations == 40 and why.hit is None


def test_pause_from_another_thread_and_should_stop():
    dbg = healthy()
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("why", dbg.run()))
    worker.start()
    while dbg.iteration < 3:
        threading.Event().wait(0.001)
    dbg.request_pause()
    worker.join(timeout=30)
    assert not worker.is_alive() and result["why"].reason == "paused"

    calls = []
    why = dbg.run(should_stop=lambda: len(calls) >= 7, on_iteration=lambda d: calls.append(d.iteration))
    assert why.reason == "paused" and why.iterations == 7


def test_a_pause_takes_effect_between_layers():
    dbg = deep_sigmoid(depth=6)
    why = dbg.run(should_stop=lambda: dbg.cursor_phase == "backward" and dbg.cursor_layer == 3)
    assert why.reason == "paused" and (why.cursor.phase, why.cursor.layer, why.iterations) == ("backward", 3, 0)
    assert dbg.step("layer").layer == 3
    dbg.step_back()
    dbg.step_back()                                   # back to where the run started
    assert dbg.cursor == deep_sigmoid(depth=6).cursor and dbg.history_depth == 0


def test_every_kind_rebuilds_from_its_settings():
    examples = {"nonfinite": {}, "loss_above": {"value": 2.0}, "loss_rising": {"iterations": 4},
                "grad_norm_above": {"threshold": 9.0, "layer": 1}, "grad_norm_below": {"threshold": 1e-6},
                "dead_relu": {"fraction": 0.25}, "saturated": {"fraction": 0.5, "layer": 0, "margin": 0.05},
                "iteration": {"n": 7}, "epoch": {"n": 2}, "enter_layer": {"layer": 1, "phase": "backward"}}
    assert set(examples) == set(KINDS)
    for kind, settings in examples.items():
        bp = make_breakpoint(kind, **settings)
        stored = {k: v for k, v in vars(bp).items() if k != "enabled"}
        assert {k: stored[k] for k in settings} == settings
        assert repr(make_breakpoint(kind, **stored)) == repr(bp)


@pytest.mark.parametrize("args, kwargs, words", [
    (("loss_sky_high",), {}, "Unknown breakpoint kind"),
    (("loss_above",), {"value": "high"}, "must be a finite number"),
    (("loss_above",), {"limit": 3}, "loss_above"),
    (("dead_relu",), {"fraction": 1.5}, r"must lie in \[0.0, 1.0\]"),
    (("grad_norm_above",), {"threshold": -1.0}, "threshold must be ≥ 0.0, got -1.0"),
    (("grad_norm_below",), {"threshold": 1.0, "layer": 7}, "out of range"),
    (("enter_layer",), {"layer": 0, "phase": "sideways"}, "'forward' or 'backward'"),
    ((LossAbove(1.0),), {"value": 2.0}, "not both"),
])
def test_bad_breakpoints_raise_config_errors(args, kwargs, words):
    with pytest.raises(ConfigError, match=words):
        healthy().add_breakpoint(*args, **kwargs)
