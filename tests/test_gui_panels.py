"""The explaining panels and the builder's drag and drop, one at a time."""
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTableWidgetSelectionRange

from desktop_app.panels.diagram import FORWARD, fmt
from desktop_app.panels.formulas import saturation_summary
from desktop_app.panels.palette import LAYER_MIME
from desktop_app.session import Selection
from gui_helpers import act, open_window, settle, table_texts


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Settings in a temporary folder; a "save changes?" question on close answers Discard."""
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)


def drop_on_list(widget, mime, row):
    """Deliver a drop onto ``row`` of a list widget (above its middle)."""
    rect = widget.visualItemRect(widget.item(row))
    pos = QPointF(rect.center().x(), rect.top() + 2)
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    widget.dropEvent(event)


def test_dropping_a_palette_kind_inserts_it_where_it_lands(qtbot):
    window, session = open_window(qtbot)
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dropout")
    drop_on_list(window.panels["layers"].list, mime, 1)
    assert [type(layer).__name__ for layer in session.layers] == ["Dense", "Dropout", "Dense"]
    assert "→ 2   ·   0 params" in window.panels["layers"].list.item(1).text()


def test_conv_settings_are_edited_in_the_properties_panel(qtbot):
    window, session = open_window(qtbot, template="lenet5")
    window.panels["layers"].list.setCurrentRow(0)
    props = window.panels["properties"]
    assert set(props.controls) >= {"filters", "kernel_size", "stride", "padding", "mode", "activation"}
    props.controls["filters"].setValue(8)
    assert "8 × 28 × 28" in window.panels["layers"].list.item(0).text()
    props.controls["padding"].setCurrentText("0")
    props.controls["padding"].activated.emit(0)
    assert "8 × 24 × 24" in window.panels["layers"].list.item(0).text()
    assert "→ 256" in window.panels["layers"].list.item(4).text()     # Flatten: 16 × 4 × 4
    assert session.network.layers[5].params["W"].shape == (256, 120)   # Dense(120) follows
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert session.network.param_count() == 61_706


def test_values_table_highlights_nan_and_copies_cells(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_phase")
    session.select(Selection(0, None, ()))
    settle(qtbot)
    table = window.panels["values"].units
    table.setRangeSelected(QTableWidgetSelectionRange(0, 0, 1, 2), True)
    copied = table.copy_selection()
    assert copied == "h1\t0.3775\t0.59327\nh2\t0.3925\t0.596884"
    assert QApplication.clipboard().text() == copied
    table.fill([["a", float("nan"), float("inf"), 1.0]])
    assert table.item(0, 1).text() == "NaN" and table.item(0, 2).text() == "inf"
    assert table.item(0, 1).background().color().name() == "#ffb3ad"
    assert table.item(0, 3).background().style() == Qt.NoBrush


def test_activation_explorer_marks_the_layers_net_values(qtbot):
    window, session = open_window(qtbot)
    panel = window.panels["formulas"]
    assert panel.choice.currentText() == "sigmoid"
    assert "g′(net) = g(net) · (1 − g(net))" in panel.formula.text()
    act(window, "step_layer")
    session.select(Selection(0, None, ()))
    settle(qtbot)
    xs, ys = panel.g_points.getData()
    np.testing.assert_allclose(xs, [0.3775, 0.3925])
    np.testing.assert_allclose(ys, 1 / (1 + np.exp(-np.array([0.3775, 0.3925]))))
    assert "None of the 2 units is saturated" in panel.marks_label.text()
    assert panel.loss_formula.text() == "E = Σₖ ½ (targetₖ − outₖ)²"
    assert panel.optimizer_formula.text() == "θ ← θ − η·g"


def test_saturation_and_dead_units_are_named():
    assert saturation_summary("sigmoid", np.array([[-20.0, 0.0, 20.0]])).startswith("2 of 3 units are saturated")
    assert saturation_summary("relu", np.array([[-1.0, 2.0], [3.0, 4.0]])).startswith(
        "1 of 4 values (2 samples × units) have net ≤ 0")


def test_formulas_show_on_hover_of_activation_loss_and_optimizer_choices(qtbot):
    window, session = open_window(qtbot)
    window.panels["layers"].list.setCurrentRow(0)
    combo = window.panels["properties"].controls["activation"]
    tip = combo.itemData(combo.findText("relu"), Qt.ToolTipRole)
    assert "max(0, net)" in tip and "g′(net)" in tip
    loss = window.panels["layers"].loss_box
    assert "½" in loss.itemData(loss.findData("half_sse"), Qt.ToolTipRole)
    from desktop_app.panels.debugger_actions import OptimizerBox
    box = window.findChild(OptimizerBox)
    assert "m̂" in box.kind.itemData(box.kind.findData("Adam"), Qt.ToolTipRole)
    assert box.kind.toolTip() == "θ ← θ − η·g"


def test_debugger_actions_show_their_shortcuts(qtbot):
    window, session = open_window(qtbot)
    actions = window.debugger_actions.actions
    assert actions["step_unit"].shortcut().toString() == "F11"
    assert actions["step_back"].toolTip().endswith("(F7)")
    assert actions["run"] in window.debug_menu.actions()


def test_the_learning_rate_box_sets_the_optimizers_eta(qtbot):
    window, session = open_window(qtbot)
    from desktop_app.panels.debugger_actions import OptimizerBox
    box = window.findChild(OptimizerBox)
    assert box.lr.value() == 0.5
    box.lr.setValue(0.25)
    assert session.optimizer.hyper["lr"] == 0.25
    box.kind.setCurrentIndex(box.kind.findData("Adam"))
    box.kind.activated.emit(box.kind.currentIndex())
    assert type(session.optimizer).__name__ == "Adam" and session.optimizer.hyper["lr"] == 0.25


def test_conv_networks_are_drawn_as_blocks_with_shapes_counts_and_values(qtbot):
    window, session = open_window(qtbot, template="lenet5")
    view = window.panels["diagram"]
    assert view.mode == "blocks" and len(view.blocks) == 8
    texts = [t.text() for t in view.blocks[0].childItems() if hasattr(t, "text")]
    assert "6 × 28 × 28" in texts and "156 params" in texts
    assert "10,164 params" in [t.text() for t in view.blocks[6].childItems() if hasattr(t, "text")]
    act(window, "step_layer")
    settle(qtbot)
    assert view.blocks[0].values.text().startswith("out ∈ [0, ")      # ReLU: nothing below 0
    assert view.blocks[0].pen().color() == FORWARD and view.blocks[0].pen().widthF() == 4
    assert view.blocks[1].values.text() == ""


def test_an_initialisers_settings_are_editable(qtbot):
    window, session = open_window(qtbot)
    window.panels["layers"].list.setCurrentRow(0)
    props = window.panels["properties"]
    props.controls["init"].setCurrentText("normal")
    props.controls["init"].activated.emit(props.controls["init"].currentIndex())
    assert session.layers[0].init == {"name": "normal", "std": 0.05}
    props.controls["init_std"].setValue(0.2)
    assert session.layers[0].init == {"name": "normal", "std": 0.2}
    assert session.layers[0].params["W"][0, 0] == 0.15       # the lecture's weights are kept
    qtbot.mouseClick(window.panels["properties"].findChild(QPushButton, "reinitialise"), Qt.LeftButton)
    w = session.layers[0].params["W"]
    assert w[0, 0] != 0.15 and abs(w).max() < 1.0                # fresh N(0, 0.2²) draws
    window.undo_action.trigger()
    assert session.layers[0].params["W"][0, 0] == 0.15


def test_choosing_a_sample_shows_it_in_the_table_and_on_the_diagram(qtbot):
    window, session = open_window(qtbot, template="xor_mlp")
    act(window, "step_phase")
    settle(qtbot)
    panel = window.panels["values"]
    assert panel.sample.maximum() == 200 and panel.sample_of.text() == "of 200 in this batch"
    panel.sample.setValue(5)
    session.select(Selection(0, None, ()))
    settle(qtbot)
    x = session.x[4]
    view = window.panels["diagram"]
    assert view.neurons[(-1, 0)].values.text() == fmt(x[0])
    assert table_texts(panel.inputs)[1][1] == f"{x[1]:.6g}"
    out = session.network.forward(session.x[4:5])[0]
    assert view.neurons[(1, 1)].values.text().endswith(f"out {fmt(out[1])}")


def test_every_optimizer_choice_shows_its_update_rule_on_hover(qtbot):
    from core.optimizers import OPTIMIZERS
    window, session = open_window(qtbot)
    training = window.panels["training"]
    compare = window.panels["compare"]
    for name, cls in OPTIMIZERS.items():
        rule = cls().formula
        combo = training.optimizer_choice
        assert combo.itemData(combo.findText(name), Qt.ToolTipRole) == rule, name
        assert compare.optimizer_boxes[name].toolTip() == rule, name
    assert "m̂" in OPTIMIZERS["Adam"]().formula                       # the rules are the real ones


def test_ctrl_c_copies_the_selected_values(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_phase")
    session.select(Selection(0, None, ()))
    settle(qtbot)
    table = window.panels["values"].units
    QApplication.clipboard().clear()
    table.setRangeSelected(QTableWidgetSelectionRange(1, 1, 1, 2), True)       # h2's net and out
    qtbot.keyClick(table, Qt.Key_C, Qt.ControlModifier)
    assert QApplication.clipboard().text() == "0.3925\t0.596884"
