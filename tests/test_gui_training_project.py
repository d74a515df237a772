"""Projects through the File menu: save, close, open gives back the same
network, weights, optimizer state, data, breakpoints, watches and curves; bad
files leave the open project alone; unsaved changes are asked about; export."""
import json
import zipfile

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.project_file import SCHEMA_VERSION
from desktop_app.live_state import live_state
from desktop_app.main_window import MainWindow
from desktop_app.session import SessionController
from desktop_app.training_job import TrainingSettings


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path / "settings"))


def new_window(qtbot):
    session = SessionController()
    window = MainWindow(session)
    qtbot.addWidget(window)
    return window, session


def trained_window(qtbot):
    """The XOR template after a little training, with a watch, a breakpoint and toy data."""
    window, s = new_window(qtbot)
    s.load_template("xor_mlp")
    toy = window.panels["toy_data"]
    toy.set_choice("xor", {"n": 60, "noise": 0.2, "seed": 5})
    assert toy.apply()
    live = live_state(s)
    live.watches.add(0, "W", (1, 2))
    s.add_breakpoint("loss_above", value=50.0)
    window.panels["training"].show_settings(TrainingSettings(epochs=7, batch_size=10, val_split=0.2, seed=3))
    with qtbot.waitSignal(live.finished, timeout=20_000):
        window.panels["training"].train_button.click()
    return window, s


def assert_same_arrays(a, b):
    assert type(a) is type(b) or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray))
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same_arrays(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_save_close_open_gives_everything_back(qtbot, tmp_path):
    window, s = trained_window(qtbot)
    live = live_state(s)
    path = str(tmp_path / "xor.llproj")
    assert window.project_actions.save_to(path)
    assert not window.project_actions.dirty and window.windowTitle() == "LayerLab — xor.llproj"
    expected = {"spec": s.network.spec(), "weights": s.network.get_weights(), "opt": s.optimizer.spec(),
                "state": s.optimizer.get_state(), "x": s.x.copy(), "y": s.y.copy(),
                "name": s.dataset_name, "dataset": dict(live.dataset),
                "breakpoints": [(bp.kind, vars(bp).copy()) for bp in s.breakpoints()],
                "watches": live.watches.to_list(), "history": {k: list(v) for k, v in live.history.items()},
                "iteration": live.iteration}
    assert len(expected["history"]["train_loss"]) == 7 and expected["state"]
    window.close()

    other, s2 = new_window(qtbot)
    s2.load_template("worked_example")
    assert other.project_actions.open_path(path)
    live2 = live_state(s2)
    assert s2.network.spec() == expected["spec"]
    for got, want in zip(s2.network.get_weights(), expected["weights"]):
        assert_same_arrays(got, want)
    assert s2.optimizer.spec() == expected["opt"]
    got_state = s2.optimizer.get_state()
    assert got_state.keys() == expected["state"].keys()
    for key in got_state:
        assert_same_arrays(got_state[key], expected["state"][key])
    assert_same_arrays(s2.x, expected["x"])
    assert_same_arrays(s2.y, expected["y"])
    assert s2.dataset_name == expected["name"] and live2.dataset == expected["dataset"]
    assert [(bp.kind, vars(bp)) for bp in s2.breakpoints()] == expected["breakpoints"]
    assert s2.debugger.breakpoints == s2.breakpoints()          # the debugger checks them
    assert live2.watches.to_list() == expected["watches"]
    assert live2.history == expected["history"] and live2.iteration == expected["iteration"]
    training = other.panels["training"]
    assert (training.epochs.value(), training.batch.value(), training.seed.value()) == (7, 10, 3)
    assert training.curves["train_loss"].getData()[1].tolist() == expected["history"]["train_loss"]
    assert not other.project_actions.dirty and other.project_actions.recent_files()[0].endswith("xor.llproj")


def damage(path, how):
    data = open(path, "rb").read()
    if how == "truncated":
        open(path, "wb").write(data[: len(data) // 3])
    elif how == "random":
        open(path, "wb").write(np.random.default_rng(1).bytes(2000))
    else:
        with zipfile.ZipFile(path) as zf:
            doc, npz = json.loads(zf.read("project.json")), zf.read("arrays.npz")
        doc["schema_version"] = SCHEMA_VERSION + 1
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("project.json", json.dumps(doc))
            zf.writestr("arrays.npz", npz)


@pytest.mark.parametrize("how, words", [("truncated", "damaged or truncated"), ("random", "not a readable"),
                                        ("newer", "newer LayerLab")])
def test_a_bad_file_leaves_the_open_project_as_it_was(qtbot, tmp_path, how, words):
    window, s = new_window(qtbot)
    s.load_template("xor_mlp")
    path = str(tmp_path / "p.llproj")
    assert window.project_actions.save_to(path)
    damage(path, how)
    s.load_template("worked_example")
    net, weights, opt, x = s.network, s.network.get_weights(), s.optimizer, s.x
    errors = []
    s.error.connect(errors.append)
    assert not window.project_actions.open_path(path)
    assert words in errors[0]
    assert words in window.statusBar().currentMessage() and window.notice.isVisibleTo(window)
    assert s.network is net and s.optimizer is opt and s.x is x
    for got, want in zip(s.network.get_weights(), weights):
        assert_same_arrays(got, want)


def test_closing_with_unsaved_changes_asks_first(qtbot, tmp_path):
    window, s = new_window(qtbot)
    s.load_template("worked_example")
    window.show()
    actions = window.project_actions
    assert not actions.dirty                    # a fresh template has nothing to save
    s.step("iteration")
    assert actions.dirty and window.windowTitle().endswith("*")

    window.close()                              # asks instead of closing
    box = actions.unsaved_box
    assert window.isVisible() and box is not None and box.isVisible()
    box.button(QMessageBox.Cancel).click()
    assert window.isVisible() and actions.dirty

    window.close()
    actions.unsaved_box.button(QMessageBox.Discard).click()
    assert not window.isVisible()


def test_save_answer_saves_then_leaves(qtbot, tmp_path):
    window, s = new_window(qtbot)
    s.load_template("worked_example")
    actions = window.project_actions
    path = str(tmp_path / "w.llproj")
    assert actions.save_to(path)
    s.step("iteration")
    actions.new()
    actions.unsaved_box.button(QMessageBox.Save).click()
    assert not actions.dirty and actions.path is None          # saved, then a new project
    from core import load_project
    saved = load_project(path).network
    assert saved.layers[1].params["W"][0, 0] != 0.40           # the step was saved (w5 moved)


def test_export_arrays_and_panels(qtbot, tmp_path):
    window, s = new_window(qtbot)
    s.load_template("worked_example")
    actions = window.project_actions
    arrays = actions.exportable_arrays()
    assert {"layer 0 W", "layer 1 b", "data x", "data y"} <= set(arrays)
    assert actions.export_array_to("layer 0 W", str(tmp_path / "w.csv"))
    np.testing.assert_allclose(np.loadtxt(tmp_path / "w.csv", delimiter=","), [[0.15, 0.25], [0.20, 0.30]])
    assert actions.export_array_to("layer 0 W", str(tmp_path / "w.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), s.network.layers[0].params["W"])
    errors = []
    s.error.connect(errors.append)
    assert not actions.export_array_to("layer 0 W", str(tmp_path / "w.txt"))
    assert ".csv or .npy" in errors[0]
    window.show()
    assert actions.export_panel_png("training", str(tmp_path / "training.png"))
    assert (tmp_path / "training.png").stat().st_size > 1000


def test_open_recent_lists_the_newest_first_and_opens_one(qtbot, tmp_path):
    window, s = new_window(qtbot)
    actions = window.project_actions
    actions.recent_menu.aboutToShow.emit()
    assert [a.text() for a in actions.recent_menu.actions()] == ["(none yet)"]
    s.load_template("perceptron")
    assert actions.save_to(str(tmp_path / "p.llproj"))
    s.load_template("worked_example")
    assert actions.save_to(str(tmp_path / "w.llproj"))
    actions.recent_menu.aboutToShow.emit()
    entries = actions.recent_menu.actions()
    assert [a.text() for a in entries] == ["w.llproj", "p.llproj"]
    assert entries[1].toolTip() == str(tmp_path / "p.llproj")
    entries[1].trigger()
    assert actions.path == str(tmp_path / "p.llproj") and len(s.network.layers) == 1
    (tmp_path / "w.llproj").unlink()                       # a file that went away is not offered
    actions.recent_menu.aboutToShow.emit()
    assert [a.text() for a in actions.recent_menu.actions()] == ["p.llproj"]


def test_training_events_are_saved_and_files_without_them_still_open(qtbot, tmp_path):
    window, s = trained_window(qtbot)
    live = live_state(s)
    live.history["events"] = [[3, "validation split 0.20 → 0.30"], [5, "optimizer Adam → SGD"]]
    path = str(tmp_path / "events.llproj")
    assert window.project_actions.save_to(path)
    window.close()

    other, s2 = new_window(qtbot)
    assert other.project_actions.open_path(path)
    assert live_state(s2).history["events"] == [[3, "validation split 0.20 → 0.30"], [5, "optimizer Adam → SGD"]]
    lines = other.panels["training"].event_lines
    assert [loss.value() for loss, _ in lines] == [2.5, 4.5]
    assert lines[1][0].label.toPlainText() == "Adam → SGD" and lines[1][0].label.toolTip() == "optimizer Adam → SGD"

    with zipfile.ZipFile(path) as zf:                  # as an older LayerLab wrote it: no events
        doc, npz = json.loads(zf.read("project.json")), zf.read("arrays.npz")
    del doc["extra"]["curves"]["events"]
    doc["extra"]["curves"]["train_loss"] = doc["extra"]["curves"]["train_loss"][:4]
    old = tmp_path / "old.llproj"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)
    assert other.project_actions.open_path(str(old))
    assert live_state(s2).history["events"] == [] and len(live_state(s2).history["train_loss"]) == 4
    assert other.panels["training"].event_lines == []
    doc["extra"]["curves"]["events"] = [[2, "seed 0 → 1"], ["two", "seed"], [True, "x"], [3]]   # hand-edited
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)
    assert other.project_actions.open_path(str(old))
    assert live_state(s2).history["events"] == [[2, "seed 0 → 1"]]           # the malformed ones dropped
