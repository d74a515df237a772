"""The debugger's surface: construction checks, bad requests, the cursor, and
watches (bounded per-iteration series)."""
import numpy as np
import pytest

from core import SGD, ConfigError, Debugger, Dense, InputError, Network, ShapeError


def classifier(n=6):
    net = Network([Dense(4, activation="relu"), Dense(3, activation="softmax")], (2,), loss="cross_entropy",
                  seed=0)
    rng = np.random.default_rng(0)
    return net, rng.standard_normal((n, 2)), rng.integers(0, 3, size=n)


@pytest.mark.parametrize("change, error, words", [
    (lambda a: {**a, "x": np.zeros((6, 3))}, ShapeError, r"takes samples of shape \(2,\)"),
    (lambda a: {**a, "y": a["y"][:4]}, ShapeError, "x has 6 samples but y has 4"),
    (lambda a: {**a, "y": np.zeros((6, 2))}, ShapeError, "targets have shape"),
    (lambda a: {**a, "x": np.full((6, 2), np.nan)}, InputError, "NaN"),
    (lambda a: {**a, "net": Network([Dense(1)], (2,), loss="mse"), "y": np.full((6, 1), np.inf)},
     InputError, "targets y must be finite"),
    (lambda a: {**a, "batch_size": 0}, ConfigError, "batch_size must be a whole number from 1 to 6"),
    (lambda a: {**a, "batch_size": 7}, ConfigError, "from 1 to 6"),
    (lambda a: {**a, "batch_size": 2.5}, ConfigError, "batch_size"),
    (lambda a: {**a, "optimizer": "sgd"}, ConfigError, "needs an optimizer"),
    (lambda a: {**a, "net": [Dense(2)]}, ConfigError, "needs a core Network"),
    (lambda a: {**a, "y": [[0], [1, 2], [0], [1], [2], [0]]}, InputError, "rows have different lengths"),
    (lambda a: {**a, "seed": "a"}, ConfigError, "seed must be a whole number ≥ 0"),
    (lambda a: {**a, "memory_budget": -1}, ConfigError, "memory_budget is the history's size in bytes"),
])
def test_bad_construction(change, error, words):
    net, x, y = classifier()
    args = change({"net": net, "optimizer": SGD(lr=0.1), "x": x, "y": y})
    with pytest.raises(error, match=words):
        Debugger(**args)


def test_bad_requests():
    dbg = Debugger(*(lambda n, x, y: (n, SGD(lr=0.1), x, y))(*classifier()))
    with pytest.raises(ConfigError, match="Unknown granularity 'neuron'. Choose one of: unit, layer, phase"):
        dbg.step("neuron")
    with pytest.raises(ConfigError, match="max_iterations"):
        dbg.run(max_iterations=-1)
    assert dbg.history_depth == 0 and dbg.cursor.phase == "forward"
    dbg.net.append(Dense(3, activation="softmax"))
    with pytest.raises(ConfigError, match="create a new Debugger"):
        dbg.step("unit")


def test_a_step_that_fails_leaves_everything_as_it_was():
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.1), x, y)
    dbg.step("phase")
    dbg.step("phase")
    dbg.optimizer.step = lambda net, grads: (_ for _ in ()).throw(ShapeError("broken optimizer"))
    weights, depth, cursor = net.get_weights(), dbg.history_depth, dbg.cursor
    with pytest.raises(ShapeError, match="broken optimizer"):
        dbg.step("iteration")
    assert dbg.cursor == cursor and dbg.history_depth == depth
    assert all(np.array_equal(w[k], v[k]) for w, v in zip(net.get_weights(), weights) for k in w)


def test_cursor_walks_units_layers_and_phases():
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.1), x, y, batch_size=4)
    seen = []
    while dbg.iteration == 0:
        c = dbg.cursor
        seen.append((c.phase, c.layer, c.unit))
        dbg.step("unit")
    assert seen == ([("forward", 0, u) for u in range(4)] + [("forward", 1, u) for u in range(3)] +
                    [("loss", None, None)] + [("backward", 1, u) for u in range(3)] +
                    [("backward", 0, u) for u in range(4)] + [("update", None, None)])
    c = dbg.cursor
    assert (c.iteration, c.epoch, c.batch, c.batches) == (1, 0, 1, 2)
    assert str(c) == "epoch 0, batch 2/2, iteration 1: next is forward layer 0"


def test_unit_records_are_slices_of_the_layer():
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.1), x, y)
    unit = dbg.step("unit")
    assert dbg.current.forward is None                    # the forward pass is not complete yet
    whole = dbg.step("layer")
    assert np.array_equal(unit.out, whole.out[:, 0]) and np.array_equal(unit.net, whole.net[:, 0])
    assert whole.units == 4 and whole.x.shape == (6, 2)


def test_watches_record_per_iteration_series():
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.5), x, y, watch_length=5)
    keys = [dbg.watches.add("grad_norm", layer=1), dbg.watches.add("weight_norm", layer=0),
            dbg.watches.add("dead_fraction", layer=0), dbg.watches.add("accuracy"),
            dbg.watches.add("param", layer=1, param="W", index=(2, 1))]
    assert keys == ["grad_norm[1]", "weight_norm[0]", "dead_fraction[0]", "accuracy", "param[1].W[2, 1]"]
    it = dbg.step("iteration")
    g = it.backward.layers[1].grads
    assert dbg.watches.series("grad_norm[1]")[1][0] == pytest.approx(np.sqrt((g["W"] ** 2).sum() + (g["b"] ** 2).sum()))
    assert dbg.watches.series("param[1].W[2, 1]")[1][0] == net.layers[1].params["W"][2, 1]
    w0 = net.layers[0].params                       # after the update
    assert dbg.watches.series("weight_norm[0]")[1][0] == pytest.approx(
        np.sqrt((w0["W"] ** 2).sum() + (w0["b"] ** 2).sum()))
    hidden = it.forward.layers[0].out               # a unit is dead when it outputs 0 for every sample
    assert dbg.watches.series("dead_fraction[0]")[1][0] == np.mean(np.all(hidden == 0, axis=0))
    assert dbg.watches.series("loss")[1][0] == it.loss.value
    predicted = it.forward.layers[1].out.argmax(axis=1)
    assert dbg.watches.series("accuracy")[1][0] == np.mean(predicted == y)
    dbg.run(max_iterations=11)
    iters, losses = dbg.watches.series("loss")
    assert iters.tolist() == [7, 8, 9, 10, 11] and len(losses) == 5
    dbg.step_back()                         # replays from the run's snapshot: the series refills
    assert dbg.watches.series("loss")[0].tolist() == [6, 7, 8, 9, 10]


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("gradient",), {}, ConfigError, "Unknown watch 'gradient'"),
    (("grad_norm",), {}, ConfigError, "needs a layer index"),
    (("param",), {"layer": 0}, ConfigError, "needs param"),
    (("param",), {"layer": 0, "param": "W", "index": (5, 0)}, ShapeError, "does not fit"),
    (("weight_norm",), {"layer": 4}, ConfigError, "out of range"),
    (("param",), {"layer": 0, "param": "W", "index": (0.5, 0)}, ConfigError, "whole numbers"),
])
def test_bad_watches(args, kwargs, error, words):
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.1), x, y)
    with pytest.raises(error, match=words):
        dbg.watches.add(*args, **kwargs)
    with pytest.raises(ConfigError, match="always watched"):
        dbg.watches.remove("loss")


def test_dead_fraction_watch_counts_units_silent_for_the_whole_batch():
    net, x, y = classifier()
    dbg = Debugger(net, SGD(lr=0.1), x, y)
    dbg.watches.add("dead_fraction", layer=0)
    dbg.set_param(0, "b", (1,), -100.0)              # unit 1 of 4 outputs 0 for every sample
    dbg.step("iteration")
    assert dbg.watches.series("dead_fraction[0]")[1].tolist() == [0.25]


def test_update_record_names_its_parameters_when_asked_for_another():
    net, x, y = classifier()
    update = Debugger(net, SGD(lr=0.1), x, y).step("iteration").update
    assert update.get(1, "b").name == "b"
    with pytest.raises(ConfigError, match=r"No update of layer 2 parameter 'W' in this record; "
                                          r"it has \(0, 'W'\), \(0, 'b'\), \(1, 'W'\), \(1, 'b'\)"):
        update.get(2, "W")


def test_accuracy_watch_is_the_trainers_and_nan_for_regression():
    lecture = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], (2,), loss="half_sse")
    dbg = Debugger(lecture, SGD(lr=0.5), [[0.05, 0.10]], [[0.01, 0.99]])   # targets 0.01, 0.99: no classes
    dbg.watches.add("accuracy")
    dbg.step("iteration")
    assert np.isnan(dbg.watches.series("accuracy")[1][0])
    binary = Network([Dense(1, activation="sigmoid")], (2,), loss="mse", seed=0)
    x, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [0.0], [1.0]])
    dbg = Debugger(binary, SGD(lr=0.1), x, y)
    dbg.watches.add("accuracy")
    it = dbg.step("iteration")
    expected = np.mean((it.forward.layers[0].out[:, 0] >= 0.5) == (y[:, 0] == 1))
    assert dbg.watches.series("accuracy")[1].tolist() == [expected]
