"""The training loop: batches, seeded shuffling, validation split, early stopping,
divergence reporting, accuracy, and that it actually learns."""
import json
import warnings

import numpy as np
import pytest

from core import SGD, Adam, ConfigError, Dense, InputError, Network, ShapeError
from core.datasets import circle, noisy_line, xor
from core.metrics import accuracy, task_kind
from core.training import Trainer


def line_net(seed=0):
    return Network([Dense(1)], input_shape=(1,), loss="mse", seed=seed)


def mlp(hidden=8, seed=0):
    return Network([Dense(hidden, activation="tanh"), Dense(hidden, activation="tanh"),
                    Dense(2, activation="softmax")], input_shape=(2,), loss="cross_entropy", seed=seed)


class RecordingTrainer(Trainer):
    """Remembers the inputs of every batch, and the samples each evaluation used."""

    def train_step(self, xb, yb):
        self.batches = getattr(self, "batches", []) + [xb[:, 0].copy()]
        return super().train_step(xb, yb)

    def evaluate(self, x, y):
        self.validated = getattr(self, "validated", []) + [set(np.asarray(x)[:, 0].astype(int))]
        return super().evaluate(x, y)


def numbered(n):
    """Inputs 0..n-1 (so a batch tells which samples it holds) and targets 2x."""
    x = np.arange(n, dtype=float)[:, None]
    return x, 2 * x


def test_each_epoch_visits_every_sample_once_in_seeded_order():
    x, y = numbered(10)
    t = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, seed=3)
    t.fit(2)
    assert [len(b) for b in t.batches] == [4, 4, 2, 4, 4, 2] and t.batches_per_epoch == 3
    first, second = np.concatenate(t.batches[:3]), np.concatenate(t.batches[3:])
    assert sorted(first) == sorted(second) == list(range(10))
    assert not np.array_equal(first, second)                  # reshuffled every epoch

    again = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, seed=3)
    again.fit(2)
    assert all(np.array_equal(a, b) for a, b in zip(t.batches, again.batches))
    other = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, seed=4)
    other.fit(1)
    assert not np.array_equal(np.concatenate(other.batches), first)

    in_order = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, shuffle=False)
    in_order.fit(1)
    assert list(np.concatenate(in_order.batches)) == list(range(10))


def test_batch_size_one_is_sgd_and_too_large_is_full_batch():
    x, y = numbered(6)
    assert Trainer(line_net(), SGD(), x, y, batch_size=1).batches_per_epoch == 6
    full = Trainer(line_net(), SGD(), x, y, batch_size=100)
    assert full.batch_size == 6 and full.batches_per_epoch == 1


def test_batch_size_change_applies_from_the_next_epoch_and_is_reproducible():
    x, y = numbered(10)

    def run():
        t = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, seed=3)
        t.run_iterations(1)                       # mid-epoch: the epoch keeps its batches
        t.set_batch_size(5)
        assert t.batch_size == 4 and t.batches_per_epoch == 3
        assert t.iterations_until(2) == 2 + 2 and t.iterations_until(0) == 0
        t.fit(2)
        return t

    t = run()
    assert [len(b) for b in t.batches] == [4, 4, 2, 5, 5] and t.batches_per_epoch == 2
    second = np.concatenate(t.batches[3:])
    assert sorted(second) == list(range(10))
    unchanged = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, seed=3)
    unchanged.fit(2)                              # the same shuffle: only the cuts differ
    assert np.array_equal(second, np.concatenate(unchanged.batches[3:]))
    assert all(np.array_equal(a, b) for a, b in zip(t.batches, run().batches))

    t.set_batch_size(100)                         # between epochs: at once, capped at N
    assert t.batch_size == 10 and t.batches_per_epoch == 1
    with pytest.raises(ConfigError, match="batch_size"):
        t.set_batch_size(0)


def test_validation_split_is_seeded_disjoint_and_sized():
    x, y = numbered(50)
    t = Trainer(line_net(), SGD(), x, y, val_split=0.2, seed=1)
    assert len(t.x_val) == 10 and len(t.x_train) == 40
    assert sorted(np.concatenate([t.x_val[:, 0], t.x_train[:, 0]])) == list(range(50))
    np.testing.assert_array_equal(t.y_val, 2 * t.x_val)          # targets travel with their inputs
    same = Trainer(line_net(), SGD(), x, y, val_split=0.2, seed=1)
    np.testing.assert_array_equal(same.x_val, t.x_val)
    other = Trainer(line_net(), SGD(), x, y, val_split=0.2, seed=2)
    assert not np.array_equal(other.x_val, t.x_val)
    assert len(Trainer(line_net(), SGD(), x, y, val_split=0.001).x_val) == 1   # at least one
    assert Trainer(line_net(), SGD(), x, y).x_val is None


def held_out(t):
    """The held-out sample numbers (the inputs of ``numbered`` are 0..n-1)."""
    return set() if t.x_val is None else set(t.x_val[:, 0].astype(int))


def test_validation_split_change_waits_for_the_next_epoch_and_holds_out_supersets_and_subsets():
    x, y = numbered(50)
    t = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=8, val_split=0.2, seed=1)
    at_start = held_out(t)
    t.run_iterations(2)                                      # mid-epoch: the epoch keeps its data
    t.set_val_split(0.4)
    assert len(t.x_val) == 10 and len(t.x_train) == 40 and t.batches_per_epoch == 5
    assert t.iterations_until(2) == 3 + 4                    # the rest of this epoch, then 30 / 8 → 4
    t.run_epoch()
    assert t.validated == [at_start]                         # epoch 1 was validated on the old samples
    grown = held_out(t)
    assert len(grown) == 20 and grown > at_start and len(t.x_train) == 30 and t.batches_per_epoch == 4
    assert grown.isdisjoint(t.x_train[:, 0].astype(int)) and len(grown) + len(t.x_train) == 50
    assert t.history.events == [(2, "validation split 0.20 → 0.40")]
    t.run_epoch()
    assert not grown & set(np.concatenate(t.batches[-4:]).astype(int))   # epoch 2 trains on the 30 only
    t.set_val_split(0.1)                                     # between epochs: at once
    shrunk = held_out(t)
    assert len(shrunk) == 5 and shrunk < at_start and t.history.events[-1] == (3, "validation split 0.40 → 0.10")
    same_seed = Trainer(line_net(), SGD(), x, y, val_split=0.4, seed=1)
    assert held_out(same_seed) == grown                      # the same samples a run started at 0.4 holds out


def test_validation_split_from_zero_and_back_to_zero():
    x, y = numbered(40)
    t = Trainer(line_net(), SGD(lr=0.001), x, y, batch_size=40, seed=3)
    t.fit(1)
    t.set_val_split(0.25)
    assert len(t.x_val) == 10 and t.batch_size == 30
    assert held_out(t) == held_out(Trainer(line_net(), SGD(), x, y, val_split=0.25, seed=3))
    t.fit(2)
    t.set_val_split(0.0)
    assert t.x_val is None and t.batch_size == 40            # full batch again: the request was 40
    t.fit(1)
    assert [r.val_loss is None for r in t.history.epochs] == [True, False, False, True]
    assert len(t.history.val_loss) == 2
    assert [text for _, text in t.history.events] == ["validation split 0.00 → 0.25",
                                                      "validation split 0.25 → 0.00"]
    t.set_val_split(0.0)                                     # no change: no event
    assert len(t.history.events) == 2


def test_no_shuffle_order_nor_held_out_samples_change_without_a_split_change():
    x, y = numbered(30)
    a = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=7, val_split=0.2, seed=5)
    b = RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=7, val_split=0.2, seed=5)
    a.fit(1)
    a.set_val_split(0.2)
    a.fit(1)
    b.fit(2)
    assert all(np.array_equal(p, q) for p, q in zip(a.batches, b.batches, strict=True))
    assert a.history.events == []


@pytest.mark.parametrize("fraction, message", [(1.0, "up to \\(not including\\) 1"), (-0.1, "from 0"),
                                               ("0.2", "fraction"), (0.95, "no training sample")])
def test_bad_validation_split_changes_raise_and_change_nothing(fraction, message):
    x, y = numbered(4)
    t = Trainer(line_net(), SGD(), x, y, val_split=0.25)
    t.run_iterations(1)
    with pytest.raises(ConfigError, match=message):
        t.set_val_split(fraction)
    t.fit(1)
    assert len(t.x_val) == 1 and t.history.events == []


def test_a_split_change_restarts_early_stopping():
    x, y = noisy_line(40, noise=0.1, seed=0)
    opt = SGD(lr=0.1)
    t = Trainer(line_net(), opt, x, y, batch_size=8, val_split=0.25, patience=3)
    t.fit(5)
    assert t.best_epoch == 5
    opt.lr = 4.0                                             # every later step overshoots
    t.fit(2)
    assert t._epochs_without_improvement == 2 and not t.stopped_early
    t.set_val_split(0.5)
    assert t.best_epoch is None and t.best_loss == np.inf and t._epochs_without_improvement == 0
    snapshots = {}
    run_with_snapshots(t, 50, snapshots)
    assert t.stopped_early and t.best_epoch >= 8             # judged on the new validation set only
    assert t.epoch == t.best_epoch + 3
    assert_same_weights(t.net.get_weights(), snapshots[t.best_epoch])
    assert t.evaluate(t.x_val, t.y_val)[0] == pytest.approx(t.best_loss)


def test_seed_change_reshuffles_from_the_next_epoch_and_keeps_the_held_out_samples():
    x, y = numbered(20)

    def trainer(seed):
        return RecordingTrainer(line_net(), SGD(lr=0.001), x, y, batch_size=4, val_split=0.2, seed=seed)

    t, unchanged, fresh = trainer(0), trainer(0), trainer(0)
    before = held_out(t)
    t.run_iterations(2)
    t.set_seed(9)                                            # mid-epoch: this epoch keeps its order
    t.fit(2)
    unchanged.fit(1)
    assert all(np.array_equal(p, q) for p, q in zip(t.batches[:4], unchanged.batches, strict=True))
    fresh.rng = np.random.default_rng(9)                     # epoch 2 is shuffled as by default_rng(9)
    fresh.fit(1)
    assert np.array_equal(np.concatenate(t.batches[4:]), np.concatenate(fresh.batches))
    assert held_out(t) == before and t.seed == 9
    assert t.history.events == [(2, "seed 0 → 9")]
    t.set_seed(9)
    assert len(t.history.events) == 1
    with pytest.raises(ConfigError, match="seed"):
        t.set_seed(-1)


def test_optimizer_switch_applies_from_the_next_iteration_and_is_recorded():
    x, y = xor(20, seed=1)
    a, b = mlp(seed=5), mlp(seed=5)
    t = Trainer(a, SGD(lr=0.1), x, y, batch_size=5, shuffle=False)
    t.run_iterations(2)
    adam = Adam(lr=0.1)
    t.set_optimizer(adam)
    t.run_iterations(1)
    assert t.optimizer is adam and adam.state[(0, "W")]["step"] == 1
    assert t.history.events == [(1, "optimizer SGD → Adam")]
    sgd, by_hand = SGD(lr=0.1), Adam(lr=0.1)
    for i, opt in enumerate((sgd, sgd, by_hand)):
        _, grads = b.forward_backward(x[5 * i:5 * i + 5], y[5 * i:5 * i + 5])
        opt.step(b, grads)
    assert_same_weights(a.get_weights(), b.get_weights())
    assert json.loads(json.dumps(t.history.as_dict()))["events"] == [[1, "optimizer SGD → Adam"]]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"batch_size": 0}, ConfigError, "batch_size"),
    ({"batch_size": 2.5}, ConfigError, "batch_size"),
    ({"val_split": 1.0}, ConfigError, "val_split"),
    ({"val_split": -0.1}, ConfigError, "val_split"),
    ({"patience": 0}, ConfigError, "patience"),
])
def test_bad_settings_raise(kwargs, error, message):
    x, y = numbered(5)
    with pytest.raises(error, match=message):
        Trainer(line_net(), SGD(), x, y, **kwargs)


def test_bad_data_raises_before_training():
    x, y = numbered(5)
    with pytest.raises(InputError, match="one target per sample"):
        Trainer(line_net(), SGD(), x, y[:3])
    with pytest.raises(ShapeError):
        Trainer(line_net(), SGD(), x, np.zeros((5, 2)))
    with pytest.raises(InputError, match="NaN"):
        Trainer(line_net(), SGD(), x, np.full((5, 1), np.nan))
    labels = np.array([0, 1, 0, 1, 2])                             # 2 is no class of a 2-output network
    with pytest.raises(InputError, match="0..1"):
        Trainer(mlp(), SGD(), np.zeros((5, 2)), labels)
    with pytest.raises(ConfigError, match="no training sample"):
        Trainer(line_net(), SGD(), x[:1], y[:1], val_split=0.5)


def test_train_step_is_forward_backward_then_step():
    x, y = xor(20, seed=1)
    a, b = mlp(seed=5), mlp(seed=5)
    Trainer(a, Adam(lr=0.01), x, y, batch_size=20, shuffle=False).run_iterations(3)
    opt = Adam(lr=0.01)
    for _ in range(3):
        _, grads = b.forward_backward(x, y)
        opt.step(b, grads)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        for k in wa:
            np.testing.assert_array_equal(wa[k], wb[k])


def run_with_snapshots(t, epochs, snapshots):
    """``t.fit(epochs)``, keeping the weights at the end of every epoch."""
    def keep(progress):
        if progress.epoch_record is not None:
            snapshots[progress.epoch] = t.net.get_weights()
    t.fit(epochs, callback=keep)


def assert_same_weights(a, b):
    for wa, wb in zip(a, b, strict=True):
        for k in wa:
            np.testing.assert_array_equal(wa[k], wb[k])


def test_early_stopping_on_validation_loss_restores_the_best_weights():
    x, y = noisy_line(40, noise=0.1, seed=0)
    opt = SGD(lr=0.1)
    t = Trainer(line_net(), opt, x, y, batch_size=8, val_split=0.25, patience=3)
    snapshots = {}
    run_with_snapshots(t, 5, snapshots)
    assert t.best_epoch == 5 and not t.stopped_early               # still improving
    opt.lr = 4.0                                                   # now every step overshoots
    run_with_snapshots(t, 50, snapshots)
    val = t.history.val_loss
    assert t.stopped_early and t.best_epoch == 1 + int(np.argmin(val)) >= 5
    assert t.epoch == t.best_epoch + 3 and val[-1] > val[t.best_epoch - 1]
    assert "validation loss has not improved for 3 epochs" in t.message
    assert f"weights of epoch {t.best_epoch} are restored" in t.message
    assert_same_weights(t.net.get_weights(), snapshots[t.best_epoch])
    assert t.evaluate(t.x_val, t.y_val)[0] == pytest.approx(t.best_loss)
    assert t.run_iterations(10) == 0 and len(t.fit(5).epochs) == t.epoch


def test_early_stopping_on_training_loss_judges_the_weights_it_restores():
    x, y = noisy_line(40, noise=0.1, seed=0)
    opt = SGD(lr=0.3)
    t = Trainer(line_net(), opt, x, y, batch_size=40, patience=2)
    snapshots = {}
    run_with_snapshots(t, 4, snapshots)
    opt.lr = 4.0
    run_with_snapshots(t, 50, snapshots)
    assert t.stopped_early and "training loss" in t.message
    assert_same_weights(t.net.get_weights(), snapshots[t.best_epoch])
    assert t.evaluate(x, y)[0] == pytest.approx(t.best_loss)
    no_restore = Trainer(line_net(), SGD(lr=4.0), x, y, batch_size=40, patience=2, restore_best=False)
    no_restore.fit(50)
    assert no_restore.stopped_early and "restored" not in no_restore.message


def test_early_stopping_switched_on_mid_run_restores_weights_it_kept():
    x, y = noisy_line(40, noise=0.1, seed=0)
    opt = SGD(lr=0.1)
    t = Trainer(line_net(), opt, x, y, batch_size=8, val_split=0.25)
    snapshots = {}
    run_with_snapshots(t, 5, snapshots)
    assert t.best_epoch == 5                                       # tracked, but its weights not kept
    t.set_early_stopping(3, restore_best=True)
    assert t.best_epoch is None and t.best_loss == np.inf          # so the tracking starts afresh
    opt.lr = 4.0
    run_with_snapshots(t, 50, snapshots)
    assert t.stopped_early and t.best_epoch >= 6
    assert f"weights of epoch {t.best_epoch} are restored" in t.message
    assert_same_weights(t.net.get_weights(), snapshots[t.best_epoch])

    kept = Trainer(line_net(), SGD(lr=0.1), x, y, batch_size=8, val_split=0.25, patience=3)
    kept.fit(2)
    best = kept.best_epoch
    kept.set_early_stopping(5, restore_best=True)                  # its best weights are kept: nothing forgotten
    assert kept.best_epoch == best and kept.patience == 5
    with pytest.raises(ConfigError, match="patience"):
        kept.set_early_stopping(0)


def test_too_large_learning_rate_is_reported_not_crashed():
    x, y = noisy_line(100, seed=0)
    net = Network([Dense(8, activation="relu"), Dense(1)], input_shape=(1,), loss="mse", seed=0)
    t = Trainer(net, SGD(lr=50), x, y, batch_size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                            # no overflow warnings leak out
        t.fit(100)
    assert t.diverged and t.finished and not t.stopped_early
    assert "learning rate 50 is too large" in t.message
    assert f"iteration {t.iteration} (epoch {t.epoch + 1})" in t.message
    assert not np.isfinite(t.history.iteration_loss[-1])
    assert t.run_iterations(5) == 0 and t.run_epoch() is None


def test_should_stop_ends_the_run_and_training_goes_on_later():
    x, y = xor(40, seed=0)
    t = Trainer(mlp(), Adam(lr=0.01), x, y, batch_size=8)
    calls = []
    t.fit(10, should_stop=lambda: calls.append(1) or len(calls) >= 3)
    assert t.iteration == 3 and t.epoch == 0 and t.batch == 3 and not t.finished
    seen = []
    t.fit(1, callback=seen.append)                                 # finishes the started epoch
    assert t.epoch == 1 and [p.batch for p in seen] == [4, 0]
    assert seen[-1].epoch_record is t.history.epochs[0] and seen[0].epoch_record is None


def test_run_iterations_crosses_epochs():
    x, y = xor(40, seed=0)
    t = Trainer(mlp(), Adam(lr=0.01), x, y, batch_size=16, val_split=0.25)
    assert t.batches_per_epoch == 2
    assert t.run_iterations(5) == 5
    assert (t.iteration, t.epoch, t.batch) == (5, 2, 1)
    assert len(t.history.iteration_loss) == 5 and len(t.history.val_loss) == 2
    record = t.run_epoch()
    assert record.epoch == 3 and record.iteration == 6 and t.batch == 0
    json.dumps(t.history.as_dict())


@pytest.mark.parametrize("data", [xor, circle])
def test_mlp_learns_xor_and_circle(data):
    x, y = data(200, noise=0.1, seed=0)
    t = Trainer(mlp(), Adam(lr=0.02), x, y, batch_size=16, val_split=0.2, seed=0)
    history = t.fit(40)
    print(data.__name__, history.epochs[-1])
    assert history.train_acc[-1] >= 0.95 and history.val_acc[-1] >= 0.9
    assert history.train_loss[-1] < history.train_loss[0] / 5


def test_task_kind_and_accuracy():
    x, y = xor(10, seed=0)
    net = mlp()
    assert task_kind(net, y) == "multiclass"
    assert task_kind(net, np.eye(2)[y]) == "multiclass"
    binary = Network([Dense(1, activation="sigmoid")], input_shape=(2,), loss="mse")
    assert task_kind(binary, y[:, None]) == "binary"
    assert task_kind(Network([Dense(2, activation="sigmoid")], input_shape=(2,), loss="half_sse"),
                     [[0.01, 0.99]]) == "regression"
    assert task_kind(line_net(), np.zeros((3, 1))) == "regression"    # one linear output: no classes

    assert accuracy(np.array([[0.2], [0.7], [0.5]]), np.array([[0], [0], [1]]), "binary") == pytest.approx(2 / 3)
    out = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    assert accuracy(out, np.array([0, 1, 1, 1]), "multiclass") == 0.75
    assert accuracy(out, np.eye(2)[[0, 1, 1, 1]], "multiclass") == 0.75
    assert accuracy(out, out, "regression") is None


def test_regression_has_no_accuracy_but_has_loss_curves():
    x, y = noisy_line(30, seed=1)
    t = Trainer(line_net(), SGD(lr=0.1), x, y, batch_size=10, val_split=0.2)
    history = t.fit(3)
    assert history.train_acc == [] and history.val_acc == []
    assert len(history.train_loss) == len(history.val_loss) == 3


def test_float32_binary_network_trains_in_float32():
    x, y = xor(100, seed=0)
    net = Network([Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,),
                  loss="mse", dtype=np.float32)
    t = Trainer(net, Adam(lr=0.05), x, y[:, None].astype(float), batch_size=10)
    assert t.kind == "binary" and t.y_train.dtype == np.float32
    history = t.fit(30)
    assert history.train_acc[-1] >= 0.9
    assert all(v.dtype == np.float32 for layer in net.layers for v in layer.params.values())


def test_ragged_or_nan_targets_raise_input_errors():
    net = Network([Dense(2)], input_shape=(2,))
    with pytest.raises(InputError, match="rows have different lengths"):
        Trainer(net, SGD(lr=0.1), np.zeros((2, 2)), [[1.0, 2.0], [3.0]])
    trainer = Trainer(net, SGD(lr=0.1), np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(InputError, match="targets contain NaN"):
        trainer.evaluate(np.zeros((1, 2)), np.array([[np.nan, 0.0]]))
