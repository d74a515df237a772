"""The conv inspector: the lecture's tables cell for cell, receptive fields,
the dot product, kernel edits, the correlation/convolution flip, export."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PySide6.QtCore import QRectF, Qt

from core.kernels import kernel_preset
from core.layers.conv import Conv2D
from core.layers.dense import Dense
from core.layers.pooling import MaxPool2D
from core.layers.reshape import Flatten
from core.network import Network
from desktop_app.image_io import export_array, read_image
from desktop_app.panels.conv_inspector import ConvInspector
from desktop_app.panels.dot_product_view import format_value
from desktop_app.session import SessionController
from lecture_edge_example import HORIZONTAL_EDGE_OUTPUT, INPUT, MAX_POOLED


def table(values):
    return [[format_value(v) for v in row] for row in values]


def correlate(image, kernel, pad):
    return (sliding_window_view(np.pad(image, pad), kernel.shape) * kernel).sum(axis=(-2, -1))


@pytest.fixture
def session():
    return SessionController()


@pytest.fixture
def inspector(qtbot, session):
    panel = ConvInspector(session)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    return panel


@pytest.fixture
def lecture(inspector):
    inspector.show_lecture_example()
    return inspector


def click_cell(qtbot, row_view, kind, image_row, image_col):
    """A real mouse click on image cell (row, col) of a mosaic."""
    qtbot.wait(20)                    # let the plots lay out and set their view ranges
    plot = row_view.plots[kind]
    scene = plot.image.mapToScene(image_col + 0.5, image_row + 0.5)
    view = row_view.graphics
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.mapFromScene(scene))


def test_lecture_edge_table_appears_cell_for_cell(qtbot, lecture):
    lecture.show()
    qtbot.waitExposed(lecture)
    conv_row = lecture.rows[0]
    np.testing.assert_array_equal(conv_row.plots["net"].tiles[0, 0], HORIZONTAL_EDGE_OUTPUT)
    np.testing.assert_array_equal(lecture.rows[-1].plots["input"].tiles[0, 0], INPUT)
    click_cell(qtbot, conv_row, "net", 1, 2)            # a real click on the map
    assert lecture.selected == (0, "net", 0, 1, 2)
    assert lecture.details.values.texts() == table(HORIZONTAL_EDGE_OUTPUT)
    # the numbers are drawn in the map's cells too, and the value shows on hover
    assert conv_row.plots["net"].numbers() == [t for row in table(HORIZONTAL_EDGE_OUTPUT) for t in row]
    conv_row.plots["net"]._hover(5, 2)
    assert lecture.readout.text() == "layer 0 net[0, 5, 2] = -12"


def test_dot_product_of_a_lecture_cell(lecture):
    lecture.select_cell(0, "net", 0, 1, 2)
    d = lecture.details
    assert d.patch.texts() == table(INPUT[1:4, 2:5])
    assert d.kernel.texts() == table(kernel_preset("horizontal_edge"))
    assert d.products.texts() == table(INPUT[1:4, 2:5] * kernel_preset("horizontal_edge"))
    assert "net = Σ + bias = 10 + 0 = <b>10</b>" in d.sum_label.text()
    # its receptive field is the 3 × 3 patch, outlined on the input
    assert lecture.rows[-1].plots["input"].outlines() == [QRectF(2, 1, 3, 3)]


def test_lecture_max_pool_table_and_winner(lecture):
    lecture.select_cell(1, "out", 0, 0, 1)
    assert lecture.details.values.texts() == table(MAX_POOLED)
    assert "won by input cell (1, 2)" in lecture.details.sum_label.text()
    assert lecture.rows[0].plots["net"].outlines() == [QRectF(2, 1, 1, 1)]   # the winner on the conv map
    assert lecture.rows[-1].plots["input"].outlines() == [QRectF(2, 0, 4, 4)]


def test_lenet5_second_pool_receptive_field_is_drawn(session, inspector):
    net = Network([Conv2D(6, 5, activation="tanh"), MaxPool2D(2), Conv2D(16, 5, activation="tanh"),
                   MaxPool2D(2), Flatten(), Dense(10)], input_shape=(1, 32, 32))
    x = np.random.default_rng(0).random((3, 1, 32, 32))
    session.set_network(net, x=x, y=np.zeros((3, 10)))
    inspector.refresh()
    assert sorted(inspector.rows) == [-1, 0, 1, 2, 3]
    assert inspector.rows[3].arrays["out"].shape == (16, 5, 5)
    inspector.select_cell(3, "out", 5, 1, 3)
    # by hand: second-pool cell (i, j) sees input rows 4i … 4i+15, columns 4j … 4j+15
    assert inspector.rows[-1].plots["input"].outlines() == [QRectF(12, 4, 16, 16)]
    assert "rows 4…19, columns 12…27 (16 × 16" in inspector.details.title.text()
    # conv kernels: 16 output × 6 input channels of 5 × 5, in one mosaic on one colour scale
    assert inspector.rows[2].plots["kernel"].tiles.shape == (6, 16, 5, 5)


def test_preset_and_cell_edits_update_the_maps(lecture):
    editor = lecture.editor
    index = editor.presets.findData("vertical_edge")
    editor.presets.setCurrentIndex(index)
    editor.presets.activated.emit(index)
    expected = correlate(INPUT, kernel_preset("vertical_edge"), ((0, 2), (0, 2)))
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], expected)
    editor.table.item(0, 2).setText("5")
    assert lecture.session.network.layers[0].params["W"][0, 0, 0, 2] == 5.0
    assert lecture.rows[0].arrays["net"][0, 0, 0] == expected[0, 0] + 5 * INPUT[0, 2]
    lecture.session.undo()                         # edits are undoable
    lecture.refresh()
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], expected)


def test_a_cell_that_is_not_a_number_is_refused(qtbot, lecture):
    with qtbot.waitSignal(lecture.session.error) as error:
        lecture.editor.table.item(1, 1).setText("abc")
    assert "not a number" in error.args[0]
    assert lecture.editor.table.item(1, 1).text() == "1"
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], HORIZONTAL_EDGE_OUTPUT)


def test_convolution_mode_flips_an_asymmetric_kernel(lecture):
    kernel = np.array([[1.0, 2, 0], [0, -1, 0], [0, 0, 3]])
    lecture._edit_kernel(0, 0, 0, kernel)
    pad = ((0, 2), (0, 2))
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], correlate(INPUT, kernel, pad))
    mode = lecture.editor.mode
    mode.setCurrentIndex(mode.findData("convolution"))
    mode.activated.emit(mode.currentIndex())
    assert lecture.session.network.layers[0].mode == "convolution"
    flipped = kernel[::-1, ::-1]
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], correlate(INPUT, flipped, pad))
    assert not np.array_equal(flipped, kernel)
    lecture.select_cell(0, "net", 0, 2, 2)
    assert lecture.details.kernel.texts() == table(flipped)       # the kernel as applied
    assert lecture.editor.table.item(0, 0).text() == "1"          # the kernel as stored


def test_stride_and_padding_change_the_shapes(qtbot, lecture):
    editor = lecture.editor
    editor.stride.setValue(2)
    editor.stride.editingFinished.emit()
    assert lecture.rows[0].arrays["net"].shape == (1, 4, 4)
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], HORIZONTAL_EDGE_OUTPUT[::2, ::2])
    assert lecture.rows[1].arrays["out"].shape == (1, 2, 2)
    editor.padding.setCurrentIndex(editor.padding.findData("valid"))
    editor.padding.activated.emit(editor.padding.currentIndex())
    assert lecture.rows[0].arrays["net"].shape == (1, 3, 3)
    # stride 8 leaves a 1 × 1 map, too small for the 2 × 2 pool: refused, nothing changes
    with qtbot.waitSignal(lecture.session.error) as error:
        editor.stride.setValue(8)
        editor.stride.editingFinished.emit()
    assert "not possible" in error.args[0] and "too large" in error.args[0]
    assert lecture.session.network.layers[0].stride == (2, 2)
    assert editor.stride.value() == 2


def test_clicking_a_kernel_opens_it_in_the_editor_and_export_saves_it(tmp_path, lecture):
    lecture.rows[0].plots["kernel"]._click(0, 1)
    assert lecture.tabs.currentIndex() == 1
    name, array = lecture.export_target
    np.testing.assert_array_equal(array, kernel_preset("horizontal_edge"))
    np.testing.assert_array_equal(np.load(export_array(array, str(tmp_path / "k.npy"))), array)
    np.testing.assert_array_equal(np.loadtxt(export_array(array, str(tmp_path / "k.csv")), delimiter=","), array)
    png = read_image(export_array(array, str(tmp_path / "k")))
    assert png.pixels.shape == (24, 24) and png.pixels[0, 0] == 0.0 and png.pixels[-1, -1] > 0


def test_training_steps_redraw_from_the_current_weights(qtbot, lecture):
    lecture.show()
    conv = lecture.session.network.layers[0]
    conv.params.set_array("W", np.zeros_like(conv.params["W"]))     # as an optimizer would
    lecture.session.state_changed.emit()
    qtbot.waitUntil(lambda: not lecture.rows[0].arrays["net"].any(), timeout=1000)


def test_a_hidden_inspector_redraws_when_shown(qtbot, lecture):
    conv = lecture.session.network.layers[0]
    conv.params.set_array("W", -conv.params["W"])
    lecture.session.state_changed.emit()
    qtbot.wait(60)
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], HORIZONTAL_EDGE_OUTPUT)   # not yet
    lecture.show()
    np.testing.assert_array_equal(lecture.rows[0].arrays["net"][0], -HORIZONTAL_EDGE_OUTPUT)


def test_debugger_source_follows_the_sample_being_stepped(session, inspector):
    from core.optimizers import SGD
    net = Network([Conv2D(2, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
                  input_shape=(1, 8, 8), loss="cross_entropy")
    x = np.random.default_rng(2).random((6, 1, 8, 8))
    session.set_network(net, SGD(lr=0.1), x, np.array([0, 1, 2, 0, 1, 2]))
    from core.debugger import Debugger
    session.debugger = Debugger(net, session.optimizer, x, session.y, batch_size=2, seed=3)   # shuffled batches
    inspector.source_box.setCurrentIndex(inspector.source_box.findData("step"))
    inspector.source_box.activated.emit(inspector.source_box.currentIndex())
    session.step("layer")
    inspector.refresh()
    first = int(session.debugger.current.indices[0])
    assert first != 0                 # shuffled: not what the "dataset" source would show
    assert inspector.index.value() == first
    np.testing.assert_array_equal(inspector.sample, x[first])


def test_export_keeps_the_last_clicked_kernel_or_map_as_it_is_now(lecture):
    lecture.select_cell(0, "net", 0, 3, 3)
    lecture.rows[0].plots["kernel"]._click(1, 1)
    lecture.refresh()                              # a redraw (training) keeps the kernel as target
    assert lecture.export_target[0] == "layer0_W0_0"
    lecture.select_cell(1, "out", 0, 0, 0)
    name, array = lecture.export_target
    assert name == "layer1_out_0"
    np.testing.assert_array_equal(array, MAX_POOLED)


def test_lenet5_template_field_is_outlined_on_the_input(session, inspector):
    session.load_template("lenet5")
    inspector.refresh()
    inspector.select_cell(3, "out", 7, 2, 3)
    assert inspector.rows[-1].plots["input"].outlines() == [QRectF(10, 6, 16, 16)]


def test_a_preset_fills_the_middle_of_a_5_by_5_kernel(session, inspector):
    session.load_template("lenet5")
    inspector.refresh()
    inspector.select_kernel(2, 4, 1)
    presets = inspector.editor.presets
    presets.setCurrentIndex(presets.findData("laplacian"))
    presets.activated.emit(presets.currentIndex())
    np.testing.assert_array_equal(session.network.layers[2].params["W"][4, 1], kernel_preset("laplacian", (5, 5)))
    assert inspector.editor.table.item(2, 2).text() == "-4"


def test_a_colour_input_shows_its_channels_and_the_colour_picture(session, inspector):
    net = Network([Conv2D(2, 3)], input_shape=(3, 6, 6))
    x = np.random.default_rng(4).random((2, 3, 6, 6))
    session.set_network(net, x=x, y=np.zeros((2, 2, 4, 4)))
    inspector.refresh()
    input_row = inspector.rows[-1]
    assert input_row.plots["input"].tiles.shape == (2, 2, 6, 6)     # R, G, B tiles (+ one empty)
    np.testing.assert_array_equal(input_row.colour_image.image, np.moveaxis(x[0], 0, -1))
