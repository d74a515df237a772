"""The builder: palette, layer list, properties editor, undo/redo, invalid
stacks, and the saved panel layout."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.templates import TEMPLATES
from desktop_app.main_window import MainWindow
from desktop_app.session import SessionController
from gui_helpers import act, open_window, settle

LECTURE_WEIGHTS = [{"W": [[0.15, 0.25], [0.20, 0.30]], "b": [0.35, 0.35]},
                   {"W": [[0.40, 0.50], [0.45, 0.55]], "b": [0.60, 0.60]}]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Settings in a temporary folder; a "save changes?" question on close answers Discard."""
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)


def add_from_palette(qtbot, window, kind):
    palette = window.panels["palette"]
    item = palette.list.findItems(kind, Qt.MatchExactly)[0]
    palette.list.setCurrentItem(item)
    qtbot.mouseClick(palette.add_button, Qt.LeftButton)


def choose_row(window, row):
    window.panels["layers"].list.setCurrentRow(row)


def edit_weight_in_place(qtbot, window, key, value):
    """Double-click an edge of the diagram, type the value, press Enter."""
    view = window.panels["diagram"]
    edge = view.edges[key]
    along = 0.2 if key[1] == "W" else 0.6      # away from where edges cross or meet
    pos = view.mapFromScene(edge.a + (edge.b - edge.a) * along)
    qtbot.mouseDClick(view.viewport(), Qt.LeftButton, pos=pos)
    editor = view.editor
    editor.setText(str(value))
    qtbot.keyClick(editor, Qt.Key_Return)


def test_building_the_worked_example_by_hand_gives_the_template(qtbot):
    window, session = open_window(qtbot, template=None)
    add_from_palette(qtbot, window, "Dense")
    add_from_palette(qtbot, window, "Dense")
    props = window.panels["properties"]
    for row in (0, 1):
        choose_row(window, row)
        props.controls["units"].setValue(2)
        props.controls["activation"].setCurrentText("sigmoid")
        props.controls["activation"].activated.emit(props.controls["activation"].currentIndex())
        props.frozen_boxes["b"].setChecked(True)
    layers_panel = window.panels["layers"]
    layers_panel.loss_box.setCurrentIndex(layers_panel.loss_box.findData("half_sse"))
    layers_panel.loss_box.activated.emit(layers_panel.loss_box.currentIndex())
    settle(qtbot)
    for li, weights in enumerate(LECTURE_WEIGHTS):
        for (i, j), value in np.ndenumerate(np.array(weights["W"])):
            edit_weight_in_place(qtbot, window, (li, "W", (i, j)), value)
        for j, value in enumerate(weights["b"]):
            edit_weight_in_place(qtbot, window, (li, "b", (j,)), value)
    template = TEMPLATES["worked_example"]().network
    built = session.network
    assert built.spec() == template.spec()
    for mine, theirs in zip(built.get_weights(), template.get_weights()):
        for k in theirs:
            np.testing.assert_array_equal(mine[k], theirs[k])
    x = np.array([[0.05, 0.10]])
    np.testing.assert_array_equal(built.forward(x), template.forward(x))
    assert "Output 2 · 12 parameters in total" == layers_panel.summary.text()


def test_shapes_and_parameter_counts_follow_every_edit(qtbot):
    window, session = open_window(qtbot)
    rows = window.panels["layers"].list
    assert "→ 2   ·   6 params" in rows.item(0).text()
    choose_row(window, 0)
    window.panels["properties"].controls["units"].setValue(3)
    settle(qtbot)
    assert "→ 3   ·   9 params" in rows.item(0).text()
    assert "→ 2   ·   8 params" in rows.item(1).text()
    assert window.panels["layers"].summary.text() == "Output 2 · 17 parameters in total"
    assert len(window.panels["diagram"].neurons) == 2 + 3 + 2


def test_an_invalid_stack_marks_the_layer_and_disables_running(qtbot):
    window, session = open_window(qtbot)
    assert window.debugger_actions.actions["run"].isEnabled()
    choose_row(window, 0)
    add_from_palette(qtbot, window, "Conv2D")          # after layer 0: a conv on a flat input
    settle(qtbot)
    panel = window.panels["layers"]
    row = panel.list.item(1)
    assert "⚠" in row.text() and "Conv2D" in row.text()
    assert session.stack_error_index == 1 and session.network is None
    assert str(session.stack_error) in row.text()
    assert "⚠" not in panel.list.item(0).text() and "⚠" not in panel.list.item(2).text()
    assert panel.error_label.isVisibleTo(window)
    for key in ("run", "step_unit", "step_layer", "step_iteration"):
        assert not window.debugger_actions.actions[key].isEnabled()
    act(window, "step_layer")                           # the shortcut still does nothing harmful
    assert window.panels["diagram"].mode == "blocks"
    qtbot.mouseClick(panel.buttons["remove"], Qt.LeftButton)
    settle(qtbot)
    assert session.network is not None and session.stack_error is None
    assert not panel.error_label.isVisibleTo(window)
    assert window.debugger_actions.actions["run"].isEnabled()
    assert window.panels["diagram"].mode == "neurons"


def test_a_refused_setting_is_shown_beside_the_form_and_changes_nothing(qtbot):
    window, session = open_window(qtbot)
    choose_row(window, 0)
    props = window.panels["properties"]
    before = session.network.spec()
    props.controls["units"].setValue(0)
    assert "units must be a whole number ≥ 1" in props.error_label.text()
    assert session.network.spec() == before


def test_undo_and_redo_across_a_sequence_of_edits(qtbot):
    window, session = open_window(qtbot)
    specs = [session.network.spec()]
    add_from_palette(qtbot, window, "Dense")            # appended (nothing selected)
    specs.append(session.network.spec())
    choose_row(window, 0)
    window.panels["properties"].controls["units"].setValue(4)
    specs.append(session.network.spec())
    window.panels["properties"].frozen_boxes["W"].setChecked(True)
    specs.append(session.network.spec())
    panel = window.panels["layers"]
    choose_row(window, 1)
    qtbot.mouseClick(panel.buttons["up"], Qt.LeftButton)
    specs.append(session.network.spec())
    choose_row(window, 2)
    qtbot.mouseClick(panel.buttons["remove"], Qt.LeftButton)
    specs.append(session.network.spec())
    assert len({repr(s) for s in specs}) == len(specs)  # every edit changed something
    for expected in reversed(specs[:-1]):
        window.undo_action.trigger()
        assert session.network.spec() == expected
    assert not window.undo_action.isEnabled()
    for expected in specs[1:]:
        window.redo_action.trigger()
        assert session.network.spec() == expected
    assert not window.redo_action.isEnabled()
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"


def test_undo_restores_weights_edited_on_the_diagram(qtbot):
    window, session = open_window(qtbot)
    edit_weight_in_place(qtbot, window, (1, "W", (0, 0)), 0.3)
    assert session.network.layers[1].params["W"][0, 0] == 0.3
    settle(qtbot)
    assert window.panels["diagram"].edges[(1, "W", (0, 0))].label.text() == "w5 0.3"
    window.undo_action.trigger()
    assert session.network.layers[1].params["W"][0, 0] == 0.4


def test_reordering_by_drag_in_the_list(qtbot):
    window, session = open_window(qtbot, template=None)
    for kind in ("Dense", "Activation", "Dropout"):
        add_from_palette(qtbot, window, kind)
    window.panels["layers"].move(2, 0)                  # what a drop of row 2 on row 0 does
    assert [type(layer).__name__ for layer in session.layers] == ["Dropout", "Dense", "Activation"]
    window.undo_action.trigger()
    assert [type(layer).__name__ for layer in session.layers] == ["Dense", "Activation", "Dropout"]


def test_the_layout_is_restored_after_a_restart(qtbot):
    first = MainWindow(SessionController())
    qtbot.addWidget(first)
    first.show()
    first.addDockWidget(Qt.LeftDockWidgetArea, first.docks["chain_rule"])
    first.docks["breakpoints"].hide()
    first.close()
    second = MainWindow(SessionController())
    qtbot.addWidget(second)
    assert second.restore_layout()
    second.show()
    assert second.dockWidgetArea(second.docks["chain_rule"]) == Qt.LeftDockWidgetArea
    assert not second.docks["breakpoints"].isVisible()
    assert second.docks["values"].isVisible()
    second.close()


def test_a_network_that_does_not_fit_the_data_says_so_on_the_last_layer(qtbot):
    window, session = open_window(qtbot)
    choose_row(window, 1)
    window.panels["properties"].controls["units"].setValue(3)     # 3 outputs, 2 targets
    settle(qtbot)
    row = window.panels["layers"].list.item(1)
    assert "⚠" in row.text() and "target" in row.text()
    assert not window.debugger_actions.actions["run"].isEnabled()
    assert window.status_labels["phase"].text() == "Cannot run: see the layer list"
    window.undo_action.trigger()
    assert window.debugger_actions.actions["run"].isEnabled()


def test_no_setting_typed_into_the_builder_crashes_it(qtbot):
    """Every control of every layer of LeNet-5 and a palette of new layers, set to
    awkward values: the app shows messages and never raises."""
    window, session = open_window(qtbot, template="lenet5")
    for kind in ("Activation", "Dropout", "AvgPool2D", "GlobalAvgPool2D"):
        window.panels["layers"].list.setCurrentRow(1)
        add_from_palette(qtbot, window, kind)
    props = window.panels["properties"]
    for row in range(len(session.layers)):
        for key in list(props.controls):
            choose_row(window, row)
            control = props.controls.get(key)
            if control is None:
                continue
            if hasattr(control, "setValue"):
                for value in (0, 1, 7):
                    control.setValue(value)
            elif hasattr(control, "findText") and control.count():
                for i in range(control.count()):
                    control.setCurrentIndex(i)
                    control.activated.emit(i)
                if control.isEditable():
                    control.lineEdit().setText("wide")
                    control.lineEdit().editingFinished.emit()
            elif hasattr(control, "setText"):
                for text in ("", "abc", "3, 3", "-1"):
                    control.setText(text)
                    control.editingFinished.emit()
    layers = window.panels["layers"]
    for text in ("0", "x", "1, 0, 5", "3"):
        layers.input_edit.setText(text)
        layers.input_edit.editingFinished.emit()
    while session.history.can_undo():
        window.undo_action.trigger()
    assert session.network.param_count() == 61_706


def test_reset_panel_layout_returns_to_the_first_run_layout(qtbot):
    window, session = open_window(qtbot)
    window.addDockWidget(Qt.LeftDockWidgetArea, window.docks["values"])
    window.docks["chain_rule"].hide()
    window.reset_layout()
    assert window.dockWidgetArea(window.docks["values"]) == Qt.RightDockWidgetArea
    assert window.docks["chain_rule"].isVisible()


def test_duplicate_copies_the_selected_layer_below_it(qtbot):
    window, session = open_window(qtbot)
    before = session.network.spec()
    choose_row(window, 0)
    qtbot.mouseClick(window.panels["layers"].buttons["duplicate"], Qt.LeftButton)
    layers = session.network.layers
    assert len(layers) == 3 and layers[1].config() == layers[0].config()
    np.testing.assert_array_equal(layers[1].params["W"], layers[0].params["W"])
    assert layers[1].params["W"] is not layers[0].params["W"]          # a copy, not the same array
    assert window.panels["layers"].list.count() == 3 and window.panels["layers"].list.currentRow() == 1
    window.undo_action.trigger()
    assert session.network.spec() == before


def test_pool_size_stride_mode_and_dropout_rate_edits_reach_the_network(qtbot):
    window, session = open_window(qtbot, template="lenet5")
    props, layers = window.panels["properties"], window.panels["layers"]
    choose_row(window, 0)
    props.controls["stride"].setValue(2)
    assert session.network.layers[0].config()["stride"] in (2, (2, 2))
    assert "6 × 14 × 14" in layers.list.item(0).text()
    window.undo_action.trigger()
    choose_row(window, 0)
    combo = props.controls["mode"]
    combo.setCurrentIndex(combo.findText("convolution"))
    combo.activated.emit(combo.currentIndex())
    assert session.network.layers[0].mode == "convolution"
    choose_row(window, 1)                                    # MaxPool2D(2)
    props.controls["size"].setValue(4)
    assert session.network.layers[1].config()["size"] in (4, (4, 4))
    assert "6 × 7 × 7" in layers.list.item(1).text()
    window.undo_action.trigger()
    choose_row(window, 4)                                    # after Flatten
    add_from_palette(qtbot, window, "Dropout")
    row = next(i for i, layer in enumerate(session.network.layers) if type(layer).__name__ == "Dropout")
    choose_row(window, row)
    props.controls["rate"].setValue(0.3)
    assert session.network.layers[row].rate == pytest.approx(0.3)


def test_a_weight_typed_on_the_diagram_that_is_not_a_number_is_refused_with_a_message(qtbot):
    window, session = open_window(qtbot)
    with qtbot.waitSignal(session.error, timeout=2000) as error:
        edit_weight_in_place(qtbot, window, (1, "W", (0, 0)), "abc")
    assert "abc" in error.args[0]
    assert session.network.layers[1].params["W"][0, 0] == 0.4
    assert not session.history.can_undo()                  # nothing was changed
