"""Training in the worker thread: pause, resume, cancel, a free GUI thread,
live curves, hyperparameters edited while training, breakpoints, divergence."""
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from core import Dense, Network
from core.datasets import TOY_DATASETS
from core.optimizers import SGD, Adam
from desktop_app.live_state import live_state
from desktop_app.panels.training_panel import TrainingPanel
from desktop_app.session import SessionController
from desktop_app.training_job import TrainerJob, TrainingSettings
from desktop_app.training_worker import TrainingRun


def xor_session(epochs_net=None):
    s = SessionController()
    net = Network([Dense(8, activation="tanh"), Dense(2, activation="softmax")],
                  input_shape=(2,), loss="cross_entropy", seed=0)
    x, y = TOY_DATASETS["xor"].generate(n=200)
    s.set_network(net, Adam(lr=0.01), x, y, dataset_name="xor")
    return s


def start_long_run(qtbot, s, batch=None, val_split=None):
    """A training panel for ``s`` running a million epochs, which the test ends: ``(panel, live)``."""
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.epochs.setValue(1_000_000)
    if batch is not None:
        panel.batch.setValue(batch)
    if val_split is not None:
        panel.val_split.setValue(val_split)
    live = live_state(s)
    panel.train_button.click()
    return panel, live


def pause_run(qtbot, panel, live):
    """Press Pause and wait until the worker has stopped between iterations."""
    panel.pause_button.click()
    qtbot.waitUntil(lambda: live.run.worker.is_paused, timeout=1000)
    qtbot.wait(150)                                    # let the worker reach its pause point


def wait_finished(qtbot, live, timeout=20_000):
    if live.training:
        with qtbot.waitSignal(live.finished, timeout=timeout) as blocker:
            pass
        return blocker.args[0]
    return None


def test_pause_resume_cancel(qtbot):
    s = xor_session()
    live = live_state(s)
    assert live.start_training(TrainingSettings(epochs=100_000, batch_size=1))
    assert s.running
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)

    live.pause()
    qtbot.waitUntil(lambda: live.run.worker.is_paused, timeout=1000)
    qtbot.wait(150)                                  # let the worker reach its pause point
    paused_at = s.optimizer.state[(0, "W")]["step"]
    qtbot.wait(200)
    assert s.optimizer.state[(0, "W")]["step"] == paused_at      # no update while paused

    live.resume()
    qtbot.waitUntil(lambda: s.optimizer.state[(0, "W")]["step"] > paused_at, timeout=2000)

    with qtbot.waitSignal(live.finished, timeout=2000) as blocker:
        live.cancel()
    assert blocker.args == ["Cancelled."]
    assert not s.running and not live.training


def test_gui_thread_stays_free_while_training(qtbot):
    s = xor_session()
    live = live_state(s)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    live.start_training(TrainingSettings(epochs=100_000, batch_size=4))
    qtbot.wait(600)
    assert live.training
    with qtbot.waitSignal(live.finished, timeout=2000):
        live.cancel()
    timer.stop()
    assert len(ticks) >= 20                          # a 10 ms timer kept firing (≥ 20 of ~60)
    assert live.iteration > 0


def test_training_panel_trains_and_draws_curves(qtbot):
    s = xor_session()
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.epochs.setValue(30)
    panel.val_split.setValue(0.25)
    panel.batch.setValue(16)
    with qtbot.waitSignal(live_state(s).finished, timeout=20_000) as blocker:
        panel.train_button.click()
        assert not panel.train_button.isEnabled() and panel.pause_button.isEnabled()
    assert blocker.args[0].startswith("Finished 30 epochs")
    history = live_state(s).history
    assert len(history["train_loss"]) == 30 and len(history["val_loss"]) == 30
    xs, ys = panel.curves["train_loss"].getData()
    assert list(xs) == list(range(1, 31))
    np.testing.assert_allclose(ys, history["train_loss"])
    _, val_acc = panel.curves["val_acc"].getData()
    assert len(val_acc) == 30
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert panel.progress_bar.value() == 1000
    assert panel.train_button.isEnabled()


def test_early_stopping_marks_the_best_epoch(qtbot):
    s = SessionController()
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    x, y = TOY_DATASETS["noisy_line"].generate(n=60, noise=0.3)
    s.set_network(net, SGD(lr=0.1), x, y)
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.epochs.setValue(2000)
    panel.val_split.setValue(0.3)
    panel.patience.setValue(3)
    with qtbot.waitSignal(live_state(s).finished, timeout=20_000) as blocker:
        panel.train_button.click()
    assert "Stopped early" in blocker.args[0]
    best = live_state(s).best_epoch
    assert best is not None and best < len(live_state(s).history["val_loss"])
    assert panel.best_lines[0].isVisible() and panel.best_lines[0].value() == best


def test_learning_rate_edited_while_training_is_used(qtbot):
    s = xor_session()
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    live = live_state(s)
    panel.epochs.setValue(100_000)
    panel.train_button.click()
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)
    field = panel.hyper.fields[("lr", None)]
    field.setText("0.05")
    field.editingFinished.emit()
    assert s.optimizer.hyper["lr"] == 0.05
    field.setText("-1")
    field.editingFinished.emit()
    assert s.optimizer.hyper["lr"] == 0.05 and field.text() == "0.05"   # refused, old value shown
    with qtbot.waitSignal(live.finished, timeout=2000):
        panel.cancel_button.click()


def test_breakpoints_stop_full_speed_training(qtbot):
    s = xor_session()
    bp = s.add_breakpoint("iteration", n=25)
    live = live_state(s)
    with qtbot.waitSignal(live.finished, timeout=10_000) as blocker:
        live.start_training(TrainingSettings(epochs=1000, batch_size=8))
    assert blocker.args[0].startswith("Breakpoint:")
    assert live.iteration == 25
    assert s.optimizer.state[(0, "W")]["step"] == 25
    assert s.last_hit.breakpoint is bp and bp in s.breakpoints()      # highlighted in the panel


def test_a_far_too_large_learning_rate_diverges_without_crashing(qtbot):
    from desktop_app.main_window import MainWindow
    s = SessionController()
    window = MainWindow(s)
    qtbot.addWidget(window)
    net = Network([Dense(16, activation="relu"), Dense(1)], input_shape=(1,), loss="mse", seed=0)
    x, y = TOY_DATASETS["noisy_line"].generate(n=100)
    s.set_network(net, SGD(lr=50.0), x, y)
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.show()
    panel.epochs.setValue(50)
    with qtbot.waitSignal(live_state(s).finished, timeout=20_000) as blocker:
        panel.train_button.click()
    reason = blocker.args[0]
    assert "diverged" in reason and "learning rate 50" in reason
    assert "diverged" in panel.progress_text.text()
    assert "diverged" in window.statusBar().currentMessage()
    losses = live_state(s).history["iteration_loss"]
    assert not np.isfinite(losses[-1])
    panel.refresh_curves()                           # NaN/inf points are skipped, not drawn
    assert not s.running


def test_job_records_watches_every_iteration():
    s = xor_session()
    job = TrainerJob(s.network, s.optimizer, s.x, s.y, TrainingSettings(epochs=2, batch_size=50),
                     watch_keys=[(1, "W", (0, 1))])
    while job.advance(3) is None:
        pass
    snap = job.snapshot()
    its, values = snap.watches[0]
    assert its == list(range(1, 9)) and len(values) == 8      # 2 epochs × 4 batches
    assert values[-1] == s.network.layers[1].params["W"][0, 1]
    assert snap.progress.fraction == 1.0
    assert snap.grads is not None and set(snap.grads[0]) == {"W", "b"}


def test_training_refuses_without_data(qtbot):
    s = SessionController()
    errors = []
    s.error.connect(errors.append)
    assert not live_state(s).start_training(TrainingSettings())
    assert errors and "Cannot train yet" in errors[0]


def test_early_stopping_switched_on_while_training(qtbot):
    s = SessionController()
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    x, y = TOY_DATASETS["noisy_line"].generate(n=60, noise=0.3)
    s.set_network(net, SGD(lr=0.1), x, y)
    panel, live = start_long_run(qtbot, s, val_split=0.3)
    assert panel.patience.isEnabled() and panel.batch.isEnabled() and panel.val_split.isEnabled()
    qtbot.waitUntil(lambda: live.iteration > 20, timeout=5000)
    with qtbot.waitSignal(live.finished, timeout=20_000) as blocker:
        panel.patience.setValue(2)
    assert "Stopped early" in blocker.args[0]


def test_epochs_and_batch_size_edited_while_training_take_effect(qtbot):
    s = xor_session()                                  # 200 samples: batch 32 → 7 batches per epoch
    panel, live = start_long_run(qtbot, s, batch=32)
    assert panel.epochs.isEnabled() and panel.batch.isEnabled() and panel.sgd_button.isEnabled()
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)
    pause_run(qtbot, panel, live)
    trainer = live.run.worker.job.trainer
    target = trainer.epoch + 2
    panel.epochs.lineEdit().setText(str(target - 1))  # typing is not committed until Enter
    assert live.run.worker.job.settings.epochs == 1_000_000
    panel.batch.setValue(50)
    panel.epochs.setValue(target)
    with qtbot.waitSignal(live.finished, timeout=20_000) as blocker:
        panel.pause_button.click()                     # resume
    assert blocker.args[0].startswith(f"Finished {target} epochs")
    assert trainer.epoch == target
    assert trainer.batch_size == 50 and trainer.batches_per_epoch == 4
    assert len(trainer.history.epochs) == target and trainer.batch == 0


#: a value different from each optimizer's default, for every hyperparameter field
NEW_VALUES = {"lr": 0.123, "momentum": 0.5, "dampening": 0.1, "lr_decay": 0.01, "eps": 1e-5,
              "initial_accumulator_value": 0.2, "rho": 0.8, "alpha": 0.9}


def test_every_hyperparameter_of_every_optimizer_has_a_field_that_sets_it(qtbot):
    from core.optimizers import OPTIMIZERS
    s = xor_session()
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    for name in OPTIMIZERS:
        panel.optimizer_choice.setCurrentText(name)
        opt = s.optimizer
        assert type(opt).__name__ == name and panel.formula.text() == opt.formula
        # flags first: Nesterov momentum is refused once dampening is not 0
        for hyper, value in sorted(opt.hyper.items(), key=lambda kv: not isinstance(kv[1], bool)):
            if isinstance(value, bool):                                    # nesterov, centered
                box = panel.hyper.fields[(hyper, None)]
                box.click()
                assert opt.hyper[hyper] is (not value), (name, hyper)
                box.click()                                                # back, so the next
                assert opt.hyper[hyper] is value, (name, hyper)            # settings are valid
            elif isinstance(value, tuple):                                 # Adam's β₁, β₂
                for k, new in enumerate((0.8, 0.99)):
                    field = panel.hyper.fields[(hyper, k)]
                    field.setText(str(new))
                    field.editingFinished.emit()
                assert opt.hyper[hyper] == (0.8, 0.99), name
            else:
                field = panel.hyper.fields[(hyper, None)]
                field.setText(str(NEW_VALUES[hyper]))
                field.editingFinished.emit()
                assert opt.hyper[hyper] == NEW_VALUES[hyper], (name, hyper)
        assert set(opt.hyper) == {h for h, _ in panel.hyper.fields}, name


def test_batch_size_choices_and_dropout_rates(qtbot):
    from core.layers import Dropout
    s = SessionController()
    net = Network([Dense(8, activation="relu"), Dropout(0.5), Dense(2, activation="softmax")],
                  input_shape=(2,), loss="cross_entropy", seed=0)
    x, y = TOY_DATASETS["circle"].generate(n=100)
    s.set_network(net, SGD(lr=0.1), x, y)
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.sgd_button.click()
    assert panel.batch.value() == 1 and "(SGD)" in panel.batch.suffix()
    panel.val_split.setValue(0.2)
    panel.full_button.click()
    assert panel.batch.value() == 80 and "full batch" not in panel.batch.suffix()   # 80 of 100 train
    panel.batch.setValue(16)
    assert "mini-batch" in panel.batch.suffix()
    [(layer, spin)] = panel.dropout_fields
    assert layer is net.layers[1] and spin.value() == 0.5
    spin.setValue(0.25)
    assert net.layers[1].rate == 0.25
    panel.patience.setValue(4)
    panel.restore_best.setChecked(False)
    settings = panel.current_settings()
    assert (settings.batch_size, settings.val_split, settings.patience, settings.restore_best) == (16, 0.2, 4, False)


def test_progress_shows_epoch_iteration_speed_and_time_left(qtbot):
    import re
    s = xor_session()
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    live = live_state(s)
    panel.epochs.setValue(100_000)
    panel.train_button.click()
    qtbot.waitUntil(lambda: "left" in panel.progress_text.text(), timeout=5000)
    text = panel.progress_text.text()
    assert re.fullmatch(r"epoch [\d,]+/100,000 · iteration [\d,]+ · [\d,]+ samples/s · about .+ left · loss [\d.e+-]+",
                        text), text
    assert 0 <= panel.progress_bar.value() < 1000
    with qtbot.waitSignal(live.finished, timeout=2000):
        panel.cancel_button.click()


def test_watch_selected_takes_the_weight_chosen_on_the_diagram(qtbot):
    from desktop_app.panels.watch_panel import WatchPanel
    from desktop_app.session import Selection
    s = xor_session()
    panel = WatchPanel(s)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(s.message) as message:                  # nothing selected yet: it says what to do
        panel.watch_selected.click()
    assert "Select a weight" in message.args[0] and panel.list.count() == 0
    s.select(Selection(1, "W", (3, 1)))
    panel.watch_selected.click()
    assert [w.label for w in live_state(s).watches.items] == ["layer 1 W[3, 1]"]
    assert panel.list.count() == 1


def test_an_optimizer_switched_too_late_for_the_run_is_still_recorded(qtbot):
    # Paused, the worker takes no more chunks; switched then cancelled, the run ends before
    # the switch could apply: it must still show in the history, for the next run's first epoch.
    from core.optimizers import Momentum
    s = xor_session()
    panel, live = start_long_run(qtbot, s, batch=20)
    qtbot.waitUntil(lambda: len(live.history["train_loss"]) >= 1, timeout=5000)
    pause_run(qtbot, panel, live)
    panel.optimizer_choice.setCurrentText("Momentum")
    assert isinstance(s.optimizer, Momentum) and live.run.worker.job.optimizer_in_use is not s.optimizer
    panel.cancel_button.click()
    wait_finished(qtbot, live)
    epochs = len(live.history["train_loss"])
    assert live.history["events"][-1] == [epochs + 1, "optimizer Adam → Momentum"]
    assert [text for _, text in live.history["events"]].count("optimizer Adam → Momentum") == 1


def test_split_seed_and_optimizer_changed_while_training_reach_the_worker(qtbot):
    from core.optimizers import Momentum
    s = xor_session()                                  # 200 samples, Adam η = 0.01
    panel = TrainingPanel(s)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.epochs.setValue(1_000_000)
    panel.batch.setValue(20)
    panel.val_split.setValue(0.2)
    live = live_state(s)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(live.training))
    timer.start()
    panel.train_button.click()
    job = live.run.worker.job
    assert panel.val_split.isEnabled() and panel.seed.isEnabled() and panel.optimizer_choice.isEnabled()
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)
    adam = s.optimizer

    panel.val_split.setValue(0.3)
    assert "already trained on" in panel.note_text.text() and panel.note_text.isVisibleTo(panel)
    panel.seed.setValue(7)
    panel.optimizer_choice.setCurrentText("Momentum")
    momentum = s.optimizer
    assert isinstance(momentum, Momentum) and momentum is not adam and momentum.hyper["lr"] == 0.01
    assert panel.hyper.optimizer is momentum                        # its fields edit the one the run uses
    assert "Momentum starts with zero velocity" in panel.note_text.text()
    qtbot.waitUntil(lambda: len(job.trainer.history.events) == 3, timeout=5000)
    qtbot.waitUntil(lambda: job.trainer.epoch > job.trainer.history.events[0][0], timeout=5000)
    assert len(job.trainer.x_val) == 60 and len(job.trainer.x_train) == 140
    assert job.trainer.seed == 7 and job.optimizer is momentum
    # the GUI's timer keeps firing while the worker trains (the run has a million epochs to go)
    qtbot.waitUntil(lambda: sum(ticks) >= 3, timeout=5000)
    panel.epochs.setValue(job.trainer.epoch + 2)
    wait_finished(qtbot, live)
    timer.stop()

    assert s.optimizer is momentum and momentum.state[(0, "W")]["step"] > 0
    assert momentum.state[(0, "W")]["step"] < live.iteration              # it started empty mid-run
    assert s.debugger.optimizer is momentum                                # stepping goes on with it
    texts = [text for _, text in live.history["events"]]
    assert sorted(texts) == sorted(["validation split 0.20 → 0.30", "seed 0 → 7", "optimizer Adam → Momentum"])
    assert len(panel.event_lines) == 3
    loss_line, acc_line = panel.event_lines[0]
    first_epoch, first_text = live.history["events"][0]
    assert loss_line.value() == first_epoch - 0.5 and loss_line.label.toolTip() == first_text
    assert sorted(lines[0].label.toPlainText() for lines in panel.event_lines) == [
        "Adam → Momentum", "seed 0 → 7", "split 0.20 → 0.30"]                # short labels on the plot
    assert loss_line in panel.loss_plot.items and acc_line in panel.acc_plot.items
    panel.val_split.setValue(0.5)                                          # no run: nothing to tell
    assert len(live.history["events"]) == 3


def test_a_split_or_seed_changed_back_before_it_applied_changes_nothing(qtbot):
    s = xor_session()                                  # 200 samples
    panel, live = start_long_run(qtbot, s, val_split=0.2)
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)
    pause_run(qtbot, panel, live)                      # paused: no epoch ends, every change waits
    trainer = live.run.worker.job.trainer

    panel.val_split.setValue(0.3)
    assert "Validation split 0.20 → 0.30 from the next epoch" in panel.note_text.text()
    panel.val_split.setValue(0.25)                     # measured from the split in use, 0.20
    assert "Validation split 0.20 → 0.25 from the next epoch" in panel.note_text.text()
    panel.val_split.setValue(0.2)
    assert panel.note_text.text() == ("Validation split back to 0.20 before the change to 0.25 applied: "
                                      "nothing changes.")
    panel.seed.setValue(5)
    assert panel.note_text.text().startswith("Seed 0 → 5:")
    panel.seed.setValue(0)
    assert panel.note_text.text() == "Seed back to 0 before the change to 5 applied: nothing changes."

    panel.pause_button.click()                         # resume
    epoch = trainer.epoch
    qtbot.waitUntil(lambda: trainer.epoch > epoch + 1, timeout=5000)
    panel.epochs.setValue(trainer.epoch + 2)
    wait_finished(qtbot, live)
    assert trainer.val_split == 0.2 and trainer.seed == 0
    assert live.history["events"] == []                # nothing changed, so nothing is marked


def test_a_split_that_leaves_no_training_sample_is_refused_while_training(qtbot):
    s = SessionController()
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    s.set_network(net, SGD(lr=0.01), np.arange(2.0)[:, None], np.arange(2.0)[:, None])
    panel, live = start_long_run(qtbot, s)
    qtbot.waitUntil(lambda: live.iteration > 0, timeout=5000)
    with qtbot.waitSignal(s.error) as error:
        panel.val_split.setValue(0.9)                                      # 2 samples: both held out
    assert "no training sample" in error.args[0]
    assert panel.val_split.value() == 0.0 and live.training
    with qtbot.waitSignal(live.finished, timeout=2000):
        panel.cancel_button.click()
    assert live.history["events"] == []
