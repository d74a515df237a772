"""The dataset browser and the Data menu's loaders."""
import numpy as np
import pytest

from core.datasets import save_idx
from core.layers.dense import Dense
from core.network import Network
from desktop_app.dataset_actions import load_digits, load_images, load_mnist
from desktop_app.panels.dataset_browser import PAGE_SIZE, DatasetBrowser
from desktop_app.session import SessionController


@pytest.fixture
def session():
    return SessionController()


@pytest.fixture
def browser(qtbot, session):
    panel = DatasetBrowser(session)
    qtbot.addWidget(panel)
    return panel


def classifier(session, x, y):
    """A one-layer softmax classifier on flattened 2-feature or image data, set on the session."""
    net = Network([Dense(3, activation="softmax")], input_shape=x.shape[1:], loss="cross_entropy")
    session.set_network(net, x=x, y=y)
    return net


def test_pages_of_thumbnails_with_labels(browser, session):
    assert load_digits(session, n=60)
    browser.refresh()
    assert browser.stack.currentWidget() is browser.grid
    assert browser.grid.count() == PAGE_SIZE and browser.page.maximum() == 2
    first = browser.grid.item(0)
    assert first.text().startswith("#0\nlabel ") and str(session.y[0]) in first.text()
    browser.page.setValue(2)
    browser.refresh()
    assert browser.grid.count() == 60 - PAGE_SIZE
    assert browser.grid.item(0).data(0x0100) == PAGE_SIZE          # Qt.UserRole: the sample index


def test_wrong_predictions_are_highlighted_and_can_be_listed_alone(browser, session):
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [0.0, 0.0]])
    y = np.array([0, 1, 2, 0])
    net = classifier(session, x, y)
    # the network predicts class 0 for x0, class 1 for x1, class 2 for x2 and x3 (bias favours 2)
    net.layers[0].params["W"] = [[5.0, 0, 0], [0, 5.0, 0]]
    net.layers[0].params["b"] = [0.0, 0.0, 1.0]
    browser.refresh()
    assert browser.stack.currentWidget() is browser.table
    rows = [[browser.table.item(r, c).text() for c in (0, 3, 4)] for r in range(4)]
    assert rows == [["0", "0", "0"], ["1", "1", "1"], ["2", "2", "2"], ["3", "0", "2"]]
    backgrounds = [browser.table.item(r, 3).background().color().name() for r in range(4)]
    assert backgrounds[3] == "#f8c9c6" and "#f8c9c6" not in backgrounds[:3]
    browser.only_wrong.setChecked(True)
    assert browser.table.rowCount() == 1 and browser.table.item(0, 0).text() == "3"
    assert browser.summary.text() == "1 wrong of 4"


def test_predictions_follow_the_weights(qtbot, browser, session):
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    net = classifier(session, x, np.array([0, 1]))
    net.layers[0].params["W"] = [[5.0, 0, 0], [0, 5.0, 0]]
    browser.refresh()
    assert browser.table.item(1, 4).text() == "1"
    net.layers[0].params["W"] = [[5.0, 0, 0], [5.0, 0, 0]]
    session.state_changed.emit()
    qtbot.waitUntil(lambda: browser.table.item(1, 4).text() == "0", timeout=1000)


def test_double_click_asks_to_show_the_sample(qtbot, browser, session):
    load_digits(session, n=12)
    browser.refresh()
    with qtbot.waitSignal(browser.sample_activated) as shown:
        browser.grid.itemDoubleClicked.emit(browser.grid.item(5))
    assert shown.args == [5]


def test_mnist_folder_loads_and_a_broken_one_keeps_the_data(qtbot, tmp_path, session):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 7), ("t10k", 3)):
        save_idx(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        save_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8))
    assert load_mnist(session, str(tmp_path), "test")
    assert session.x.shape == (3, 1, 28, 28) and session.y.shape == (3,)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with qtbot.waitSignal(session.error) as error:
        assert not load_mnist(session, str(tmp_path))
    assert "t10k-labels-idx1-ubyte" in error.args[0]
    assert session.x.shape == (3, 1, 28, 28)


def test_image_folder_loads_classes_fitted_to_the_input(qtbot, tmp_path, session):
    from PIL import Image
    for name, value in (("cats", 30), ("dogs", 220)):
        (tmp_path / name).mkdir()
        for k in range(2):
            Image.fromarray(np.full((40, 30), value, np.uint8)).save(tmp_path / name / f"{k}.png")
    assert load_images(session, str(tmp_path))
    assert session.x.shape == (4, 1, 28, 28) and list(session.y) == [0, 0, 1, 1]
    assert "0 cats, 1 dogs" in session.dataset_name
    with qtbot.waitSignal(session.error):
        assert not load_images(session, str(tmp_path / "nowhere"))
    assert session.x.shape == (4, 1, 28, 28)


def test_csv_loads_classes_and_can_standardize(qtbot, tmp_path, browser, session):
    from desktop_app.dataset_actions import load_csv_file
    path = tmp_path / "flowers.csv"
    path.write_text("width,height,kind\n1,10,rose\n3,30,tulip\n5,50,rose\n")
    assert load_csv_file(session, str(path))
    np.testing.assert_array_equal(session.x, [[1, 10], [3, 30], [5, 50]])
    assert list(session.y) == [0, 1, 0] and "classes: rose, tulip" in session.dataset_name
    browser.refresh()
    assert [browser.table.item(r, 3).text() for r in range(3)] == ["0", "1", "0"]
    assert load_csv_file(session, str(path), standardized=True)
    np.testing.assert_allclose(session.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(session.x.std(axis=0), 1)
    path.write_text("width,height,kind\n1,,rose\n")
    with qtbot.waitSignal(session.error) as error:
        assert not load_csv_file(session, str(path))
    assert "line 2" in error.args[0] and session.x.shape == (3, 2)


def _class_folders(root, n=2):
    from PIL import Image
    for name, value in (("cats", 30), ("dogs", 220)):
        (root / name).mkdir()
        for k in range(n):
            Image.fromarray(np.full((40, 30), value, np.uint8)).save(root / name / f"{k}.png")


def test_a_folder_loads_on_a_worker_thread(qtbot, tmp_path, session):
    from desktop_app.dataset_actions import LoadRun, read_image_folder
    _class_folders(tmp_path, 3)
    steps = []

    def read(progress):
        return read_image_folder(str(tmp_path), (1, 28, 28), progress=lambda d, t: (steps.append(d), progress(d, t)))
    run = LoadRun(session, "the pets", read)
    with qtbot.waitSignal(run.done, timeout=10000) as done:
        run.start()
    assert done.args == [True] and session.x.shape == (6, 1, 28, 28)
    assert steps == [1, 2, 3, 4, 5, 6]


def test_a_cancelled_or_failed_background_load_keeps_the_data(qtbot, tmp_path, session):
    from desktop_app.dataset_actions import LoadRun, read_image_folder
    load_digits(session, n=10)
    _class_folders(tmp_path)
    run = LoadRun(session, "the pets", lambda progress: read_image_folder(str(tmp_path), (1, 28, 28),
                                                                          progress=progress))
    run.cancel()
    with qtbot.waitSignal(run.done, timeout=10000) as done, qtbot.waitSignal(session.message) as said:
        run.start()
    assert done.args == [False] and "cancelled" in said.args[0] and session.x.shape == (10, 1, 28, 28)
    broken = LoadRun(session, "nothing", lambda progress: read_image_folder(str(tmp_path / "no"), (1, 28, 28)))
    with qtbot.waitSignal(broken.done, timeout=10000) as done, qtbot.waitSignal(session.error) as error:
        broken.start()
    assert done.args == [False] and "is not a folder" in error.args[0] and session.x.shape == (10, 1, 28, 28)


def test_wrong_predictions_are_highlighted_among_the_thumbnails(browser, session):
    from core.layers import Flatten
    assert load_digits(session, n=20)
    x, y = session.x, session.y
    net = Network([Flatten(), Dense(10, activation="softmax")], input_shape=x.shape[1:], loss="cross_entropy")
    net.layers[1].params["W"] = np.zeros_like(net.layers[1].params["W"])
    net.layers[1].params["b"] = np.eye(10)[3]                  # always predicts 3
    session.set_network(net, x=x, y=y)
    browser.refresh()
    assert browser.stack.currentWidget() is browser.grid
    for k in range(browser.grid.count()):
        item = browser.grid.item(k)
        index = item.data(0x0100)
        assert item.text() == f"#{index}\nlabel {y[index]}\nguess 3"
        highlighted = item.background().color().name() == "#f8c9c6"
        assert highlighted == (y[index] != 3), index
    assert 0 < int(np.sum(y[:browser.grid.count()] == 3)) < browser.grid.count()   # both kinds were checked
