"""What keeps the live views cheap to redraw: the shared redraw timer, histograms
recomputed only for rows in view, mosaics packed without loops and their range
written as plain text, the kernel editor left alone behind the Cell tab, and a
training child that sends its snapshot with its answer to a chunk."""
import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from core import Dense, Network
from core.optimizers import SGD
from desktop_app.panels.conv_inspector import ConvInspector
from desktop_app.panels.diagram import NetworkDiagram
from desktop_app.panels.histogram_panel import BINS, TOP, HistogramPanel
from desktop_app.panels.matrix_plot import MatrixPlot, colour_limit
from desktop_app.panels.mosaic import MosaicPlot, pack_tiles
from desktop_app.panels.redraw import RedrawTimer
from desktop_app.session import SessionController
from desktop_app.training_job import ProcessTrainerJob, TrainingSettings


class Source(QObject):
    changed = Signal()


class CountingView(QWidget):
    def __init__(self, source):
        super().__init__()
        self.refreshes = 0
        self.redraw = RedrawTimer(self, source.changed)

    def refresh(self):
        self.refreshes += 1


def test_redraw_timer_redraws_once_per_change_and_only_while_visible(qtbot):
    source = Source()
    view = CountingView(source)
    qtbot.addWidget(view)
    view.redraw.refresh_if_needed()
    assert view.refreshes == 0                      # hidden: nothing drawn, still dirty
    view.show()
    view.redraw.refresh_if_needed()
    view.redraw.refresh_if_needed()
    assert view.refreshes == 1                      # drawn once, then clean
    source.changed.emit()
    source.changed.emit()
    view.redraw.refresh_if_needed()
    assert view.refreshes == 2
    view.redraw.stop()
    source.changed.emit()
    view.redraw.refresh_if_needed()
    assert view.refreshes == 2                      # disconnected


def test_pack_tiles_puts_each_tile_at_its_place_with_nan_gaps():
    tiles = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    image = pack_tiles(tiles)
    assert image.shape == (2 * 3 - 1, 3 * 3 - 1)
    for a in range(2):
        for b in range(3):
            np.testing.assert_array_equal(image[3 * a:3 * a + 2, 3 * b:3 * b + 2], tiles[a, b])
    assert np.isnan(image[2]).all() and np.isnan(image[:, 2]).all() and np.isnan(image[:, 5]).all()


def test_mosaic_writes_its_colour_range_under_the_title(qtbot):
    plot = MosaicPlot("maps")
    plot.set_tiles(np.array([[[[-0.5, 2.0]]]]))
    assert plot.range_text() == "blue -2 … 2 red"
    plot.set_tiles(np.array([[[[0.25, -0.125]]]]))
    assert plot.range_text() == "blue -0.25 … 0.25 red"


def deep_session():
    """Ten dense layers: twenty parameter rows, far more than a small panel shows."""
    net = Network([Dense(4, activation="tanh") for _ in range(9)] + [Dense(1, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse", seed=0)
    s = SessionController()
    s.set_network(net, SGD(lr=0.1), np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1.0], [0.0]]))
    return s


def shown(qtbot, widget, width: int, height: int):
    """``widget`` at that size, on screen (offscreen here) and owned by the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_histograms_keep_their_range_and_redraw_rows_scrolled_into_view(qtbot):
    session = deep_session()
    panel = shown(qtbot, HistogramPanel(session), 600, 300)
    panel.refresh()
    first, last = panel.keys[0], panel.keys[-1]
    x, counts = panel.value_curves[first].getData()
    assert counts.sum() == session.network.layers[0].params["W"].size
    assert x[0] == 0 and x[-1] == BINS                   # drawn in bins, not in values
    box = panel.value_curves[first].getViewBox()
    assert box.viewRange()[1][0] < 0 < TOP <= box.viewRange()[1][1]
    assert panel.value_curves[last].getData()[1].sum() == 0     # below the fold: not computed yet
    panel._scroll.verticalScrollBar().setValue(panel._scroll.verticalScrollBar().maximum())
    panel.redraw.refresh_if_needed()
    assert panel.value_curves[last].getData()[1].sum() == session.network.layers[-1].params["b"].size


def test_the_kernel_editor_catches_up_when_its_tab_is_opened(qtbot):
    session = SessionController()
    inspector = ConvInspector(session)
    qtbot.addWidget(inspector)
    inspector.resize(1200, 800)
    inspector.show()
    inspector.show_lecture_example()
    kernel = session.network.layers[0].params["W"]
    kernel[0, 0, 0, 0] = 7.0                     # as training does: the same layer, new values
    inspector.refresh()
    assert inspector.editor.table.item(0, 0).text() != "7"      # behind the Cell tab: not redrawn
    inspector.tabs.setCurrentIndex(1)
    assert inspector.editor.table.item(0, 0).text() == "7"


def test_the_colour_scale_is_rounded_so_small_changes_keep_the_colour_bar(qtbot):
    assert colour_limit(np.array([[0.1234, -0.05]])) == pytest.approx(0.13)
    assert colour_limit(np.array([[-0.07, np.nan]])) == pytest.approx(0.07)
    assert colour_limit(np.array([[0.0, np.inf]])) == 1.0
    plot = MatrixPlot()
    qtbot.addWidget(plot)
    plot.set_array(np.array([[0.1211, -0.02]]))
    before = plot.colorbar.levels()
    plot.set_array(np.array([[0.1234, -0.03]]))
    assert plot.colorbar.levels() == before == pytest.approx((-0.13, 0.13))
    plot.set_array(np.array([[0.5, 0.0]]))
    assert plot.colorbar.levels() == pytest.approx((-0.5, 0.5))


def test_a_child_process_sends_a_due_snapshot_with_its_answer_to_the_chunk():
    net = Network([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,),
                  loss="half_sse", seed=0)
    x, y = np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1.0], [0.0]])
    job = ProcessTrainerJob(net, SGD(lr=0.1), x, y, TrainingSettings(epochs=50, batch_size=1))
    asked = []
    ask = job._ask
    job._ask = lambda *message: asked.append(message[0]) or ask(*message)
    try:
        assert job.advance(3) is None           # the first chunk: a snapshot is due at once
        snap = job.snapshot()
        assert asked == ["advance"]             # it came with the answer: no second round trip
        assert snap.iteration == 3 and snap.weights is not None
    finally:
        job.close()


def test_column_captions_keep_their_screen_size_when_a_big_network_is_zoomed_out(qtbot):
    session = SessionController()
    session.load_template("circle_mlp")
    diagram = shown(qtbot, NetworkDiagram(session), 540, 420)
    diagram.fit()
    assert diagram.transform().m11() < 0.8                       # 8 units a column: zoomed out
    on_screen = sorted(((c.deviceTransform(diagram.viewportTransform()).mapRect(c.boundingRect()), c.text())
                        for c in diagram.captions), key=lambda pair: pair[0].left())
    assert [text for _, text in on_screen] == ["input", "Dense(8)\ntanh", "Dense(8)\ntanh", "Dense(2)\nsoftmax"]
    for rect, text in on_screen:
        assert rect.height() >= 2 * 12 if "\n" in text else rect.height() >= 12     # 9 pt lines, not shrunk
    assert all(a.right() < b.left() for (a, _), (b, _) in zip(on_screen, on_screen[1:]))   # no overlap
