"""Big networks train in a child process: results come back into the session,
pause and cancel still work, a crashed child is reported, not fatal."""
import numpy as np

from core import Dense, Network
from core.optimizers import Adam
from desktop_app.live_state import live_state
from desktop_app.session import SessionController
from desktop_app.training_job import PROCESS_MIN_PARAMS, ProcessTrainerJob, TrainerJob, TrainingSettings


def process_state(pid: int) -> str:
    """The state letter of a process (R running, S sleeping, T stopped), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def big_session():
    s = SessionController()
    net = Network([Dense(200, activation="relu"), Dense(3, activation="softmax")],
                  input_shape=(100,), loss="cross_entropy", seed=0)
    assert net.param_count() >= PROCESS_MIN_PARAMS
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 100))
    y = np.argmax(x[:, :3], axis=1)
    s.set_network(net, Adam(lr=0.01), x, y, dataset_name="random")
    return s


def start_long_child_run(qtbot, s):
    """Start training ``s`` (a big network: a child process) for 100 000 epochs, which the
    test ends, and wait for its first iteration; returns the LiveState."""
    live = live_state(s)
    live.start_training(TrainingSettings(epochs=100_000, batch_size=10))
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=30_000)
    return live


def test_a_big_network_trains_in_a_child_process_and_the_session_gets_the_results(qtbot):
    s = big_session()
    live = live_state(s)
    live.watches.add(1, "W", (0, 2))
    before = s.network.layers[0].params["W"].copy()
    with qtbot.waitSignal(live.finished, timeout=60_000) as blocker:
        assert live.start_training(TrainingSettings(epochs=3, batch_size=40))
        assert isinstance(live.run.worker.job, ProcessTrainerJob)
    assert blocker.args[0].startswith("Finished 3 epochs")
    assert live.iteration == 9 and len(live.watches.items[0].values) == 9
    assert not np.array_equal(s.network.layers[0].params["W"], before)
    assert s.optimizer.state[(0, "W")]["step"] == 9
    assert live.watches.items[0].values[-1] == s.network.layers[1].params["W"][0, 2]
    assert len(live.history["train_loss"]) == 3 and live.grads is not None
    assert live.run.worker.job.alive() is False


def test_same_numbers_as_training_in_a_thread(qtbot):
    a, b = big_session(), big_session()
    settings = TrainingSettings(epochs=2, batch_size=30, seed=4)
    thread_job = TrainerJob(a.network, a.optimizer, a.x, a.y, settings)
    while thread_job.advance(10) is None:
        pass
    process_job = ProcessTrainerJob(b.network, b.optimizer, b.x, b.y, settings)
    while process_job.advance(10) is None:
        pass
    snap = process_job.snapshot()
    for got, want in zip(snap.weights, a.network.get_weights()):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    assert snap.history["iteration_loss"] == list(thread_job.trainer.history.iteration_loss)


def test_epochs_and_batch_size_changed_mid_run_reach_the_child(qtbot):
    a, b = big_session(), big_session()               # 120 samples: batch 40 → 3 batches per epoch
    settings = TrainingSettings(epochs=100, batch_size=40, seed=2)
    jobs = [TrainerJob(a.network, a.optimizer, a.x, a.y, settings),
            ProcessTrainerJob(b.network, b.optimizer, b.x, b.y, settings)]
    reasons = []
    for job in jobs:
        assert job.advance(1) is None                 # mid-epoch: the change waits for the epoch's end
        job.set_batch_size(60)
        job.set_epochs(3)
        while (reason := job.advance(10)) is None:
            pass
        reasons.append(reason)
    assert all(r.startswith("Finished 3 epochs") for r in reasons)
    losses = jobs[1].snapshot().history["iteration_loss"]
    assert len(losses) == 3 + 2 + 2
    assert losses == list(jobs[0].trainer.history.iteration_loss)


def test_pause_and_cancel_a_child_process_run(qtbot):
    s = big_session()
    live = start_long_child_run(qtbot, s)
    live.pause()
    process = live.run.worker.job._process
    qtbot.waitUntil(lambda: process_state(process.pid) == "T", timeout=100)    # frozen within 100 ms
    qtbot.wait(200)
    paused_at = live.run.worker.latest().iteration
    qtbot.wait(300)
    assert live.run.worker.latest().iteration == paused_at
    live.resume()
    qtbot.waitUntil(lambda: live.run.worker.latest().iteration > paused_at, timeout=10_000)
    live.pause()
    with qtbot.waitSignal(live.finished, timeout=5000) as blocker:
        live.cancel()                        # cancel a paused run
    assert blocker.args == ["Cancelled."]
    assert s.optimizer.state[(0, "W")]["step"] == live.iteration
    assert not live.run.worker.job.alive()


def test_an_optimizer_switched_too_late_for_a_child_process_run_is_still_recorded(qtbot):
    from core.optimizers import Momentum
    s = big_session()
    live = start_long_child_run(qtbot, s)
    live.pause()
    qtbot.wait(200)
    momentum = Momentum(lr=0.01)
    live.set_optimizer(momentum)           # sent with the next chunk, which never comes
    with qtbot.waitSignal(live.finished, timeout=5000):
        live.cancel()
    epochs = len(live.history["train_loss"])
    assert live.history["events"] == [[epochs + 1, "optimizer Adam → Momentum"]]
    assert s.optimizer is momentum


def test_a_crashed_child_is_reported(qtbot):
    s = big_session()
    errors = []
    s.error.connect(errors.append)
    live = start_long_child_run(qtbot, s)
    with qtbot.waitSignal(live.finished, timeout=10_000) as blocker:
        live.run.worker.job._process.kill()
    assert "stopped by an error" in blocker.args[0]
    assert errors and "stopped by an error" in errors[0]
    assert not s.running


def test_breakpoints_stop_a_child_process_run_and_the_hit_is_ours(qtbot):
    s = big_session()
    bp = s.add_breakpoint("iteration", n=4)
    live = live_state(s)
    with qtbot.waitSignal(live.finished, timeout=60_000) as blocker:
        live.start_training(TrainingSettings(epochs=100, batch_size=10))
    assert blocker.args[0].startswith("Breakpoint:")
    assert live.iteration == 4 and s.optimizer.state[(0, "W")]["step"] == 4
    assert s.last_hit is not None and s.last_hit.breakpoint is bp


def test_loading_another_network_mid_run_cancels_it_cleanly(qtbot):
    s = big_session()
    live = start_long_child_run(qtbot, s)
    with qtbot.waitSignal(live.finished, timeout=10_000) as blocker:
        s.set_network(Network([Dense(2)], input_shape=(3,)), Adam(), np.zeros((4, 3)), np.zeros((4, 2)))
    assert blocker.args == ["Cancelled."]
    assert s.network.layers[0].params["W"].shape == (3, 2)      # untouched by the old run's results


def test_split_seed_and_optimizer_changed_mid_run_reach_the_child(qtbot):
    from core.optimizers import Momentum
    a, b = big_session(), big_session()               # 120 samples: batch 30 → 4 batches, 3 with 25 % held out
    settings = TrainingSettings(epochs=100, batch_size=30, seed=2)
    jobs = [TrainerJob(a.network, a.optimizer, a.x, a.y, settings),
            ProcessTrainerJob(b.network, b.optimizer, b.x, b.y, settings)]
    for job in jobs:
        assert job.advance(2) is None                 # mid-epoch 1
        job.set_val_split(0.25)
        job.set_seed(5)
        job.set_optimizer(Momentum(lr=0.005))
        job.set_epochs(3)
        while job.advance(10) is None:
            pass
    want = jobs[0].snapshot()
    snap = jobs[1].snapshot()
    assert snap.history["iteration_loss"] == want.history["iteration_loss"]
    assert len(snap.history["iteration_loss"]) == 4 + 3 + 3
    assert snap.history["val_loss"] == want.history["val_loss"] and len(snap.history["val_loss"]) == 2
    assert snap.history["events"] == want.history["events"] == [
        [1, "optimizer Adam → Momentum"], [2, "validation split 0.00 → 0.25"], [2, "seed 2 → 5"]]
    assert snap.optimizer_version == jobs[1].optimizer_version == 1
    assert set(snap.optimizer_state[(0, "W")]) == {"step", "momentum_buffer"}
    assert snap.optimizer_state[(0, "W")]["step"] == 8      # 2 of the 10 updates were Adam's
    for got, want_weights in zip(snap.weights, a.network.get_weights()):
        for k in want_weights:
            np.testing.assert_array_equal(got[k], want_weights[k])


def test_an_optimizer_switched_in_the_app_mid_run_ends_up_in_the_session(qtbot):
    from core.optimizers import Momentum
    s = big_session()
    live = live_state(s)
    live.start_training(TrainingSettings(epochs=100_000, batch_size=10))
    assert isinstance(live.run.worker.job, ProcessTrainerJob)
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=30_000)
    momentum = Momentum(lr=0.001)
    before = live.run.worker.latest()                  # Adam's state, from before the switch
    live.set_optimizer(momentum)
    assert live.set_val_split(0.25)
    assert s.optimizer is momentum
    live._apply_snapshot(before)                       # e.g. the timer shows it late
    assert momentum.state == {}                        # Adam's moments never land in Momentum
    qtbot.waitUntil(lambda: len(live.history["events"]) == 2 and len(live.history["val_loss"]) > 0, timeout=30_000)
    with qtbot.waitSignal(live.finished, timeout=10_000):
        live.cancel()
    assert s.optimizer is momentum and s.debugger.optimizer is momentum
    step = momentum.state[(0, "W")]["step"]
    assert 0 < step < live.iteration and "momentum_buffer" in momentum.state[(0, "W")]
    assert sorted(text for _, text in live.history["events"]) == ["optimizer Adam → Momentum",
                                                                  "validation split 0.00 → 0.25"]


def test_learning_rate_dropout_and_early_stopping_changed_mid_run_reach_the_child(qtbot):
    from core.layers import Dropout
    from core.optimizers import Momentum
    sessions = []
    for _ in range(2):
        s = big_session()
        net = Network([Dense(16, activation="relu"), Dropout(0.5), Dense(3, activation="softmax")],
                      input_shape=(100,), loss="cross_entropy", seed=0)
        s.set_network(net, Momentum(lr=0.01), s.x, s.y)
        sessions.append(s)
    settings = TrainingSettings(epochs=200, batch_size=40, val_split=0.25, seed=1)
    jobs = [TrainerJob(sessions[0].network, sessions[0].optimizer, sessions[0].x, sessions[0].y, settings),
            ProcessTrainerJob(sessions[1].network, sessions[1].optimizer, sessions[1].x, sessions[1].y, settings)]
    reasons = []
    for s, job in zip(sessions, jobs):
        assert job.advance(4) is None
        s.optimizer.hyper["lr"] = 0.5                 # what the fields do, on the GUI thread
        s.optimizer.hyper["momentum"] = 0.5
        s.network.layers[1].rate = 0.1
        job.set_early_stopping(2, True)
        while (reason := job.advance(10)) is None:
            pass
        reasons.append(reason)
    assert reasons[0] == reasons[1] and "Stopped early" in reasons[0]
    thread, child = jobs[0].snapshot(), jobs[1].snapshot()
    assert child.history["iteration_loss"] == thread.history["iteration_loss"]
    assert child.best_epoch == thread.best_epoch
    for got, want in zip(child.weights, sessions[0].network.get_weights()):    # the best weights, restored
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
