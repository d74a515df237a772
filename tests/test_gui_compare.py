"""Compare mode: the same network from the same initial weights under several
learning rates or optimizers, loss curves on one plot."""
import numpy as np
import pytest

from core import ConfigError, Dense, Network
from core.datasets import TOY_DATASETS
from core.optimizers import OPTIMIZERS, SGD
from desktop_app.panels.compare_panel import ComparePanel, parse_rates
from desktop_app.session import SessionController
from desktop_app.training_job import CompareJob, TrainingSettings


@pytest.fixture
def session():
    s = SessionController()
    net = Network([Dense(1)], input_shape=(1,), loss="mse", seed=4)     # the lecture's y = θx + b
    x, y = TOY_DATASETS["noisy_line"].generate(n=80)
    s.set_network(net, SGD(lr=0.05), x, y)
    return s


def test_every_run_starts_from_the_same_initial_weights(session):
    start = session.network.get_weights()
    variants = [(name, cls()) for name, cls in OPTIMIZERS.items()]
    job = CompareJob(session.network, variants, session.x, session.y, TrainingSettings(epochs=3, batch_size=16))
    assert len({id(r.net) for r in job.runs}) == 6
    for run in job.runs:
        assert run.net is not session.network
        for layer, original in zip(run.net.get_weights(), start):
            for k in original:
                np.testing.assert_array_equal(layer[k], original[k])
    while job.advance(5) is None:
        pass
    # the session's own network is untouched; the runs have moved apart
    for layer, original in zip(session.network.get_weights(), start):
        for k in original:
            np.testing.assert_array_equal(layer[k], original[k])
    finals = [r.net.layers[0].params["W"] for r in job.runs]
    assert not np.array_equal(finals[0], finals[4])


def test_same_settings_give_the_same_batches():
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    x, y = TOY_DATASETS["noisy_line"].generate(n=50)
    job = CompareJob(net, [("a", SGD(lr=0.1)), ("b", SGD(lr=0.1))], x, y, TrainingSettings(epochs=4, batch_size=8))
    while job.advance(7) is None:
        pass
    a, b = (np.array(r.trainer.history.iteration_loss) for r in job.runs)
    np.testing.assert_array_equal(a, b)


def test_three_learning_rates_side_by_side(qtbot, session):
    panel = ComparePanel(session)
    qtbot.addWidget(panel)
    panel.show()
    panel.rates.setText("0.001, 0.05, 5")
    panel.epochs.setValue(20)
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=20_000) as blocker:
        pass
    assert [r.label for r in panel.job.runs] == ["SGD η = 0.001", "SGD η = 0.05", "SGD η = 5"]
    assert len(panel.curves) == 3
    small, good, large = (np.array(c.getData()[1], dtype=float) for c in panel.curves)
    assert len(small) == len(good) == 20
    assert good[-1] < small[-1]                       # just right beats too small
    assert small[-1] < small[0]                       # too small crawls down...
    assert large[-1] > 10 * large[0]                  # too large overshoots: the loss grows
    assert "SGD η = 0.05: loss" in blocker.args[0]


def test_a_run_that_reaches_nan_is_marked_diverged(qtbot, session):
    panel = ComparePanel(session)
    qtbot.addWidget(panel)
    panel.rates.setText("0.05, 1e6")
    panel.epochs.setValue(20)
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=20_000) as blocker:
        pass
    assert panel.job.runs[1].trainer.diverged
    assert "SGD η = 1e+06: diverged" in blocker.args[0]
    assert "diverged" in panel.legend.items[1][1].text
    assert "Diverged" in panel.status.text() or "diverged" in panel.status.text()


def test_six_optimizers_side_by_side(qtbot, session):
    panel = ComparePanel(session)
    qtbot.addWidget(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("optimizers"))
    panel.epochs.setValue(5)
    panel.shared_lr.setValue(0.01)
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=20_000):
        pass
    assert [r.label.split()[0] for r in panel.job.runs] == list(OPTIMIZERS)
    assert all(r.optimizer.hyper["lr"] == 0.01 for r in panel.job.runs)
    assert all(len(c.getData()[1]) == 5 for c in panel.curves)


def test_bad_rates_are_reported(qtbot, session):
    errors = []
    session.error.connect(errors.append)
    panel = ComparePanel(session)
    qtbot.addWidget(panel)
    panel.rates.setText("0.1, fast")
    assert not panel.start()
    assert "numbers separated by commas" in errors[0]
    with pytest.raises(ConfigError):
        parse_rates("-1")
    panel.mode.setCurrentIndex(panel.mode.findData("optimizers"))
    for box in panel.optimizer_boxes.values():
        box.setChecked(False)
    assert not panel.start()
    assert "at least one optimizer" in errors[-1]
