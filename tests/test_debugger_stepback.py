"""Step back: weights, optimizer state, generator (dropout masks, shuffling) and
cursor are restored; stepping forward again reproduces bit-identical records;
what-if edits are undone; the memory budget bounds the history."""
import dataclasses

import numpy as np
import pytest

from core import (SGD, Adam, ConfigError, Conv2D, Debugger, Dense, Dropout, Flatten, InputError, Network,
                  ShapeError)

STEPS = ["unit", "unit", "layer", "unit", "phase", "unit", "layer", "layer", "unit", "iteration",
         "phase", "phase", "phase", "phase"]


def make_debugger(**kw):
    net = Network([Dense(4, activation="relu"), Dropout(0.5), Dense(3, activation="sigmoid"), Dropout(0.2),
                   Dense(2)], (3,), loss="mse", seed=1)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    return Debugger(net, Adam(lr=0.05), x, y, batch_size=4, seed=7, **kw)


def arrays(record):
    """Every array and number in a record, in field order (records nest)."""
    out = []
    if dataclasses.is_dataclass(record):
        for f in dataclasses.fields(record):
            out += arrays(getattr(record, f.name.lstrip("_")))      # a lazy field is read by its public name
    elif isinstance(record, (tuple, list)):
        for r in record:
            out += arrays(r)
    elif hasattr(record, "items"):
        for k, v in record.items():
            out += [k] + arrays(v)
    else:
        out.append(record)
    return out


def same(a, b):
    xa, xb = arrays(a), arrays(b)
    return len(xa) == len(xb) and all(
        np.array_equal(p, q) if isinstance(p, np.ndarray) else p == q for p, q in zip(xa, xb))


def steps_through_an_epoch(dbg):
    records = []
    for g in STEPS:
        records.append(dbg.step(g))
    while dbg.epoch == 0:
        records.append(dbg.step("layer"))
    return records


def test_step_back_over_an_epoch_then_forward_again_is_bit_identical():
    dbg = make_debugger()
    start_weights = dbg.net.get_weights()
    start_rng = dbg.rng.bit_generator.state
    first = steps_through_an_epoch(dbg)
    end_weights = dbg.net.get_weights()
    assert dbg.epoch == 1 and dbg.iteration == 3
    assert dbg.history_depth == len(first)

    while dbg.history_depth:
        dbg.step_back()
    assert dbg.cursor == make_debugger().cursor
    assert dbg.rng.bit_generator.state == start_rng
    assert dbg.optimizer.state == {}
    assert all(np.array_equal(w["W"], s["W"]) for w, s in zip(dbg.net.get_weights(), start_weights) if w)
    assert dbg.last_record is None and dbg.last_iteration is None

    again = steps_through_an_epoch(dbg)
    assert len(again) == len(first)
    assert all(type(a) is type(b) and same(a, b) for a, b in zip(first, again))
    assert all(np.array_equal(a[k], b[k]) for a, b in zip(dbg.net.get_weights(), end_weights) for k in a)


def test_step_back_returns_the_previous_record_and_restores_optimizer_state():
    dbg = make_debugger()
    dbg.step("iteration")
    second = dbg.step("iteration")
    state_after_second = dbg.optimizer.get_state()
    dbg.step("iteration")
    assert dbg.step_back() is second
    assert dbg.optimizer.state[(0, "W")]["step"] == 2
    assert np.array_equal(dbg.optimizer.state[(0, "W")]["exp_avg"], state_after_second[(0, "W")]["exp_avg"])
    assert dbg.watches.series("loss")[0].tolist() == [0, 1]


def test_step_back_after_run_returns_to_the_start_of_the_last_iteration():
    dbg = make_debugger()
    dbg.run(max_iterations=5)
    assert dbg.history_depth == 5
    dbg.step_back()
    assert (dbg.iteration, dbg.cursor.phase, dbg.cursor.layer) == (4, "forward", 0)
    redo = dbg.step("iteration")
    dbg2 = make_debugger()
    dbg2.run(max_iterations=5)
    assert same(redo, dbg2.last_iteration)


def test_what_if_edits_show_in_later_records_and_are_undone():
    dbg = make_debugger()
    dbg.step("unit")
    before = dbg.net.layers[2].params["W"]
    dbg.set_param(2, "W", (1, 2), 5.0)
    assert dbg.net.layers[2].params["W"][1, 2] == 5.0 and before[1, 2] != 5.0     # a new array
    fwd = dbg.step("phase")
    assert fwd.layers[2].params["W"][1, 2] == 5.0
    dbg.step_back()
    dbg.step_back()
    assert dbg.net.layers[2].params["W"] is before

    x_before = dbg.x
    dbg.set_input((0, 1), 2.5)
    assert dbg.x[0, 1] == 2.5 and x_before[0, 1] != 2.5
    dbg.step_back()
    assert dbg.x is x_before


def test_input_edit_reaches_the_forward_pass():
    dbg = make_debugger(shuffle=False)
    dbg.set_input((0, 1), 2.5)
    rec = dbg.step("layer")
    assert rec.x[0, 1] == 2.5


def test_kernel_cell_edit_reaches_the_feature_map():
    net = Network([Conv2D(2, 3), Flatten(), Dense(1)], (1, 5, 5), loss="mse", seed=0)
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 5))
    dbg = Debugger(net, SGD(lr=0.1), x, np.zeros((2, 1)))
    kernel = net.layers[0].params["W"]
    dbg.set_param(0, "W", (1, 0, 2, 0), 3.0)            # filter 1, bottom-left cell
    conv = dbg.step("layer")
    # only filter 1's map moves, by 3 − old value times the input cell under that kernel cell
    change = (3.0 - kernel[1, 0, 2, 0]) * x[:, 0, 2:5, 0:3]
    unedited = _plain_conv(x, kernel, net.layers[0].params["b"])
    np.testing.assert_allclose(conv.net[:, 1] - unedited[:, 1], change, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.net[:, 0], unedited[:, 0], rtol=1e-12, atol=1e-12)
    dbg.step_back()
    dbg.step_back()
    assert dbg.net.layers[0].params["W"] is kernel


def _plain_conv(x, kernel, bias):
    """A 3 × 3 valid correlation, written out: (N, C, 5, 5) → (N, F, 3, 3)."""
    n, f = x.shape[0], kernel.shape[0]
    out = np.empty((n, f, 3, 3))
    for i in range(3):
        for j in range(3):
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", x[:, :, i:i + 3, j:j + 3], kernel) + bias
    return out


@pytest.mark.parametrize("call, error, words", [
    (lambda d: d.set_param(0, "W", (9, 0), 1.0), ShapeError, "does not fit"),
    (lambda d: d.set_param(0, "K", (0, 0), 1.0), ConfigError, "has no parameter 'K'"),
    (lambda d: d.set_param(1, "W", (0, 0), 1.0), ConfigError, "has no parameter 'W'"),
    (lambda d: d.set_param(5, "W", (0, 0), 1.0), ConfigError, "out of range"),
    (lambda d: d.set_param(0, "W", (0, 0), float("nan")), InputError, "must be finite"),
    (lambda d: d.set_input((0, 3), 1.0), ShapeError, "does not fit"),
    (lambda d: d.set_input((0, 0), "big"), InputError, "must be a number"),
])
def test_bad_edits_raise_and_change_nothing(call, error, words):
    dbg = make_debugger()
    with pytest.raises(error, match=words):
        call(dbg)
    assert dbg.history_depth == 0


def test_nothing_to_step_back_to():
    with pytest.raises(ConfigError, match="this is the start"):
        make_debugger().step_back()


def test_step_back_through_a_run_replays_from_its_checkpoints():
    dbg = make_debugger()
    dbg.checkpoint_every = 4
    dbg.add_breakpoint("enter_layer", layer=2, phase="backward").enabled = False
    dbg.run(max_iterations=10)
    dbg.breakpoints[-1].enabled = True
    dbg.run()                                           # stops inside iteration 10
    assert dbg.history_depth == 11 and len(dbg._history) == 4    # snapshots at 0, 4, 8 and 10
    reference = make_debugger()
    expected = [None]
    for _ in range(10):
        reference.step("iteration")
        expected.append(reference.net.get_weights())
    for k in range(10, 0, -1):
        rec = dbg.step_back()
        assert (dbg.iteration, dbg.cursor.phase, dbg.cursor.layer) == (k, "forward", 0)
        assert rec.iteration == k - 1 and rec.update is not None
        assert all(np.array_equal(a[n], b[n]) for a, b in zip(dbg.net.get_weights(), expected[k]) for n in a)
    assert dbg.step_back() is None and dbg.iteration == 0 and dbg.history_depth == 0


def test_memory_budget_drops_the_oldest_history_and_says_so():
    dbg = make_debugger(memory_budget=40_000)
    dbg.checkpoint_every = 1
    dbg.run(max_iterations=50)
    depth = dbg.history_depth
    assert 1 <= depth < 50
    assert dbg._history.total_bytes <= 40_000
    assert "dropped" in dbg.history_note and f"step back {depth} step(s)" in dbg.history_note
    for _ in range(depth):
        dbg.step_back()
    assert dbg.iteration == 50 - depth
    with pytest.raises(ConfigError, match="memory budget"):
        dbg.step_back()


def test_records_are_frozen_copies():
    dbg = make_debugger()
    it = dbg.step("iteration")
    out = it.forward.layers[0].out
    with pytest.raises(ValueError):
        out[0, 0] = 1.0
    with pytest.raises(TypeError):
        it.backward.layers[0].grads["W"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        it.loss = None
    kept = out.copy()
    old_w = it.update.get(0, "W").new.copy()
    dbg.run(max_iterations=3)
    assert np.array_equal(out, kept) and np.array_equal(it.update.get(0, "W").new, old_w)
    assert not np.shares_memory(it.update.get(0, "W").new, dbg.net.layers[0].params["W"])


def snapshot_of(dbg):
    return dbg.cursor, dbg.net.get_weights()


def same_state(a, b):
    return a[0] == b[0] and all(np.array_equal(p[k], q[k]) for p, q in zip(a[1], b[1]) for k in p)


@pytest.mark.parametrize("seed", range(5))
def test_any_mix_of_steps_runs_and_edits_steps_back_through_every_state(seed):
    """Random sequences of steps, runs (stopped by limits and by breakpoints
    inside iterations), edits and step-backs, checked against a model: every
    step back lands exactly on the state the model expects."""
    rng = np.random.default_rng(seed)
    dbg = make_debugger()
    dbg.checkpoint_every = 3
    expected = []                                         # states step_back must return to, newest last
    kinds = ["unit", "layer", "phase", "iteration", "epoch"]
    for _ in range(30):
        r = rng.integers(6)
        before = snapshot_of(dbg)
        if r == 0:
            dbg.step(kinds[rng.integers(5)])
            expected.append(before)
        elif r in (1, 2):
            bp = dbg.add_breakpoint("enter_layer", layer=int(rng.choice([0, 2, 4])), phase="backward") \
                if r == 2 else None
            boundaries = []
            why = dbg.run(max_iterations=int(rng.integers(0, 7)),
                          on_iteration=lambda d: boundaries.append(snapshot_of(d)))
            if bp is not None:
                dbg.remove_breakpoint(bp)
            visited = [before] + boundaries
            partial = why.cursor.phase != "forward" or why.cursor.layer != 0 or why.cursor.unit != 0
            if why.cursor != before[0]:                   # a run that computed nothing adds no step
                expected += visited if partial else visited[:-1]
        elif r == 3:
            dbg.set_param(2, "W", (int(rng.integers(4)), int(rng.integers(3))), float(rng.normal()))
            expected.append(before)
        elif expected:
            dbg.step_back()
            assert same_state(snapshot_of(dbg), expected.pop())
        assert dbg.history_depth == len(expected)
    while expected:
        dbg.step_back()
        assert same_state(snapshot_of(dbg), expected.pop())
    assert same_state(snapshot_of(dbg), snapshot_of(make_debugger()))
