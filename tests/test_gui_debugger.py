"""Stepping the lecture's worked example through the main window: the diagram,
the values table, the chain-rule panel and the status bar show the lecture's
numbers; step back restores them; breakpoints stop a diverging run."""
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from core import Dense, Network
from core.optimizers import SGD
from desktop_app.debug_run import DebuggerRun
from desktop_app.panels.diagram import HIT
from desktop_app.session import Selection
from gui_helpers import act, diagram_texts, open_window, panel_snapshot, settle, table_texts


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Settings in a temporary folder; a "save changes?" question on close answers Discard."""
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)


def click_edge(qtbot, window, key):
    """Click the middle of a diagram edge, as the user would."""
    view = window.panels["diagram"]
    edge = view.edges[key]
    middle = (edge.a + edge.b) / 2
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.mapFromScene(middle))


def test_stepping_the_worked_example_shows_the_lecture_numbers(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_phase")                      # the forward pass
    settle(qtbot)
    d = diagram_texts(window)
    assert d["neuron (0, 0)"] == "net 0.3775\nout 0.5933"          # h1
    assert d["neuron (0, 1)"] == "net 0.3925\nout 0.5969"          # h2
    assert d["neuron (1, 0)"] == "net 1.106\nout 0.7514"           # o1
    assert d["neuron (1, 1)"].endswith("out 0.7729")               # o2
    assert d["loss"] == ""                                         # not computed yet
    act(window, "step_layer")                      # the loss
    settle(qtbot)
    d = diagram_texts(window)
    assert d["loss"] == "E_total = 0.2984"
    assert d["E term 0"] == "E_o1 = 0.2748" and d["E term 1"] == "E_o2 = 0.02356"
    assert window.status_labels["loss"].text() == "E = 0.298371"

    act(window, "step_layer")                      # backward through the output layer
    click_edge(qtbot, window, (1, "W", (0, 0)))   # w5
    settle(qtbot)
    assert session.selection.param == "W" and session.selection.index == (0, 0)
    chain = window.panels["chain_rule"].plain_text()
    assert "0.741 · 0.187 · 0.593 = 0.082" in chain
    assert "= 0.4 − 0.5 · 0.082 = 0.359" in chain
    assert "✓" in chain                                            # the finite-difference check
    units = table_texts(window.panels["values"].units)
    assert units[0][:5] == ["o1", "1.10591", "0.751365", "0.741365", "0.186816"]
    params = table_texts(window.panels["values"].params)
    assert ["w5", "0.4", "0.082167"] == params[0]
    assert "δ 0.1385" in diagram_texts(window)["neuron (1, 0)"]
    view = window.panels["diagram"]                 # hovering shows the numbers
    assert view.edges[(1, "W", (0, 0))].toolTip().startswith("w5 = 0.4\n∂E/∂w5 = 0.08217")
    assert view.neurons[(1, 0)].toolTip() == "o1: net 1.106, out 0.7514, δ 0.1385"
    assert "backward layer 0" in window.status_labels["phase"].text()

    act(window, "step_phase")                      # the rest of the backward pass
    act(window, "step_layer")                      # the update
    settle(qtbot)
    assert session.network.layers[1].params["W"][0, 0] == pytest.approx(0.35891648)
    assert "w5 0.3589" == diagram_texts(window)["edge (1, 'W', (0, 0))"]
    act(window, "step_phase")                      # forward again with the new weights
    act(window, "step_layer")                      # and the loss
    settle(qtbot)
    assert diagram_texts(window)["loss"] == "E_total = 0.291"
    assert window.status_labels["iteration"].text() == "Iteration 1"


def test_unit_steps_reveal_one_neuron_at_a_time_and_highlight_it(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_unit")
    settle(qtbot)
    d = diagram_texts(window)
    assert d["neuron (0, 0)"] == "net 0.3775\nout 0.5933"
    assert d["neuron (0, 1)"] == ""                                # h2 not revealed yet
    view = window.panels["diagram"]
    assert view.neurons[(0, 0)].pen().width() == 5                # the current unit, outlined
    assert view.neurons[(0, 1)].pen().width() < 5
    act(window, "step_unit")
    settle(qtbot)
    assert diagram_texts(window)["neuron (0, 1)"] == "net 0.3925\nout 0.5969"


def test_step_back_restores_the_previous_numbers_in_every_panel(qtbot):
    window, session = open_window(qtbot)
    click_edge(qtbot, window, (1, "W", (0, 0)))
    snapshots = []
    for step in ("step_layer", "step_layer", "step_layer", "step_layer", "step_layer", "step_layer"):
        settle(qtbot)
        snapshots.append(panel_snapshot(window))
        act(window, step)
    settle(qtbot)
    after = panel_snapshot(window)
    assert after != snapshots[-1]
    for before in reversed(snapshots):
        act(window, "step_back")
        settle(qtbot)
        assert panel_snapshot(window) == before


def diverging_regression(lr):
    """y = 3x + 1 fitted by one linear unit: with a far too large η every step overshoots."""
    x = np.linspace(-1, 1, 20)[:, None]
    net = Network([Dense(1)], input_shape=(1,), loss="mse")
    return net, SGD(lr=lr), x, 3 * x + 1


def test_a_nan_breakpoint_stops_a_diverging_run_and_says_so(qtbot):
    window, session = open_window(qtbot, template=None)
    session.set_network(*diverging_regression(lr=1e3))
    with qtbot.waitSignal(session.stopped, timeout=15_000):
        act(window, "run")
    assert not session.running
    stop = window.status_labels["stop"].text()
    assert "nonfinite" in stop
    assert "breakpoint" in window.statusBar().currentMessage()
    panel = window.panels["breakpoints"]
    assert panel.hit_label.text().startswith("Hit:")
    settle(qtbot)
    assert session.last_hit.layer is None                      # the loss overflowed first
    assert diagram_texts(window)["loss"] == "⚠ E_total = inf (breakpoint)"    # where it hit
    assert window.debugger_actions.actions["step_layer"].isEnabled()


def test_a_divergence_breakpoint_added_in_the_panel_stops_the_run(qtbot):
    window, session = open_window(qtbot, template=None)
    session.set_network(*diverging_regression(lr=5.0))
    panel = window.panels["breakpoints"]
    panel.table.item(0, 0).setCheckState(Qt.Unchecked)          # turn the NaN breakpoint off
    assert session.breakpoints()[0].enabled is False
    panel.kind.setCurrentText("loss_rising")
    panel.setting_controls["iterations"].setValue(3)
    qtbot.mouseClick(panel.findChild(QPushButton, "add_breakpoint"), Qt.LeftButton)
    assert [bp.kind for bp in session.breakpoints()] == ["nonfinite", "loss_rising"]
    with qtbot.waitSignal(session.stopped, timeout=15_000):
        act(window, "run")
    assert "loss_rising" in window.status_labels["stop"].text()
    assert session.debugger.iteration >= 3
    assert np.isfinite(session.network.layers[0].params["W"]).all()


def test_pause_stops_a_run_quickly(qtbot):
    window, session = open_window(qtbot)
    act(window, "run")
    assert session.running and window.debugger_actions.actions["pause"].isEnabled()
    assert not window.debugger_actions.actions["step_unit"].isEnabled()
    qtbot.wait(100)
    with qtbot.waitSignal(session.stopped, timeout=2_000):
        act(window, "pause")
    assert "Paused" in window.status_labels["stop"].text()
    assert session.debugger.iteration > 0


def test_a_run_publishes_no_record_before_the_gui_has_shown_the_last_one(qtbot):
    # A GUI thread slower than the publishing rate must not get a queue of records that grows
    # for as long as the run lasts (it would never get back to its timers, or to Pause).
    class Stub:
        last_iteration = "record"

    run = DebuggerRun(Stub())
    published = []
    run.progress.connect(published.append, Qt.DirectConnection)
    for _ in range(3):
        run._next_publish = 0.0                 # the rate limit allows one now
        run._on_iteration(Stub())
    assert published == ["record"]
    run.record_shown()
    run._next_publish = 0.0
    run._on_iteration(Stub())
    assert published == ["record", "record"]


def test_reset_returns_to_the_lecture_weights(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_iteration")
    assert session.network.layers[1].params["W"][0, 0] != 0.4
    act(window, "reset")
    settle(qtbot)
    assert session.network.layers[1].params["W"][0, 0] == 0.4
    assert diagram_texts(window)["loss"] == ""
    assert window.status_labels["iteration"].text() == "Iteration 0"


def test_a_layer_breakpoint_outlines_the_layer_where_it_hit(qtbot):
    window, session = open_window(qtbot)
    session.add_breakpoint("grad_norm_above", threshold=1e-3, layer=1)
    with qtbot.waitSignal(session.stopped, timeout=10_000):
        act(window, "run")
    assert session.last_hit.layer == 1
    settle(qtbot)
    neurons = window.panels["diagram"].neurons
    assert neurons[(1, 0)].pen().color() == HIT and neurons[(1, 1)].pen().color() == HIT
    assert neurons[(0, 0)].pen().color() != HIT
    assert "grad_norm_above" in window.status_labels["stop"].text()


def test_the_chain_rule_of_a_hidden_weight_sums_the_paths_through_the_next_layer(qtbot):
    window, session = open_window(qtbot)
    for step in ("step_phase", "step_layer", "step_phase"):      # forward, loss, backward
        act(window, step)
    session.select(Selection(0, "W", (1, 0)))                   # w2: i2 → h1
    settle(qtbot)
    chain = window.panels["chain_rule"].plain_text()
    assert "= 0.036 · 0.241 · 0.1 = 0.00088" in chain
    assert "= 0.138 · 0.4 + (−0.038) · 0.5 = 0.036" in chain
    assert "w₂⁺ = w₂ − η · ∂E/∂w₂ = 0.2 − 0.5 · 0.00088 = 0.1996" in chain
    session.select(Selection(0, "b", (0,)))
    settle(qtbot)
    assert "b₁ is frozen" in window.panels["chain_rule"].plain_text()


def test_the_chain_rule_says_why_no_gradient_flows_through_a_step_layer(qtbot):
    window, session = open_window(qtbot)
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="step")], input_shape=(2,),
                  loss="half_sse")
    session.set_network(net, SGD(lr=0.5), np.array([[0.05, 0.1]]), np.array([[0.01, 0.99]]))
    for step in ("step_phase", "step_layer", "step_phase"):      # forward, loss, backward
        act(window, step)
    session.select(Selection(0, "W", (0, 0)))
    settle(qtbot)
    chain = window.panels["chain_rule"].plain_text()
    assert "⚠ The step function's derivative is 0 everywhere" in chain
    assert "cannot be trained by gradient descent" in chain


def test_a_what_if_edit_mid_pass_is_undone_by_step_back(qtbot):
    window, session = open_window(qtbot)
    act(window, "step_phase")
    session.set_param_value(1, "W", (0, 0), 0.3)        # what the in-place editor does
    assert session.network.layers[1].params["W"][0, 0] == 0.3
    assert "Step back undoes it" in window.statusBar().currentMessage()
    act(window, "step_layer")                            # the loss, with the forward pass already done
    act(window, "step_back")
    act(window, "step_back")
    assert session.network.layers[1].params["W"][0, 0] == 0.4
    assert not session.history.can_undo()                # not a builder edit


def test_every_breakpoint_kind_is_added_disabled_enabled_and_removed_in_the_panel(qtbot):
    from core.breakpoints import KINDS
    window, session = open_window(qtbot)
    panel = window.panels["breakpoints"]
    add = panel.findChild(QPushButton, "add_breakpoint")
    remove = panel.findChild(QPushButton, "remove_breakpoint")
    for kind in KINDS:
        before = len(session.breakpoints())
        panel.kind.setCurrentText(kind)
        qtbot.mouseClick(add, Qt.LeftButton)
        assert panel.error_label.text() == "", kind          # the form's defaults are valid settings
        assert len(session.breakpoints()) == before + 1 and session.breakpoints()[-1].kind == kind
        row = panel.table.rowCount() - 1
        assert panel.table.item(row, 1).text().startswith(kind)
        panel.table.item(row, 0).setCheckState(Qt.Unchecked)
        assert session.breakpoints()[-1].enabled is False
        panel.table.item(row, 0).setCheckState(Qt.Checked)
        assert session.breakpoints()[-1].enabled is True
        panel.table.setCurrentCell(row, 1)
        qtbot.mouseClick(remove, Qt.LeftButton)
        assert len(session.breakpoints()) == before and panel.table.rowCount() == before
        assert kind not in [bp.kind for bp in session.breakpoints()[1:]]


def test_a_layer_breakpoint_offers_the_networks_layers():
    from desktop_app.panels.breakpoints import BreakpointsPanel
    from desktop_app.session import SessionController
    session = SessionController()
    session.load_template("worked_example")
    panel = BreakpointsPanel(session)
    panel.kind.setCurrentText("enter_layer")               # layer is required: no "any layer"
    combo = panel.setting_controls["layer"]
    assert [combo.itemData(i) for i in range(combo.count())] == [0, 1]
    panel.kind.setCurrentText("grad_norm_above")           # layer is optional
    assert panel.setting_controls["layer"].itemText(0) == "any layer"
    panel.deleteLater()


def test_every_debugger_control_is_a_button_a_menu_item_and_a_shortcut(qtbot):
    from PySide6.QtWidgets import QToolBar
    from desktop_app.panels.debugger_actions import ACTIONS
    window, session = open_window(qtbot)
    toolbar = window.findChild(QToolBar, "debugger_toolbar")
    assert [key for key, *_ in ACTIONS] == ["step_unit", "step_layer", "step_phase", "step_iteration",
                                            "step_epoch", "step_back", "run", "pause", "reset"]
    shortcuts = set()
    for key, text, shortcut, _tip in ACTIONS:
        action = window.debugger_actions.actions[key]
        assert action in window.debug_menu.actions() and action in toolbar.actions(), key
        assert toolbar.widgetForAction(action).isVisible(), key          # a button on screen
        assert action.shortcut().toString() == shortcut                 # the menu shows it beside the text
        assert action.toolTip().endswith(f"({shortcut})"), key
        shortcuts.add(shortcut)
    assert len(shortcuts) == len(ACTIONS)                               # no two share a key


def test_the_chain_rule_panel_reads_as_the_lecture_writes_it(qtbot):
    window, session = open_window(qtbot)
    for step in ("step_phase", "step_layer", "step_layer"):     # forward, loss, output layer backward
        act(window, step)
    session.select(Selection(1, "W", (0, 0)))                     # w5
    settle(qtbot)
    lines = window.panels["chain_rule"].plain_text().splitlines()
    # the panel writes out_o1 as out with a subscript o1 (rich text), which plain text runs together
    assert lines[0] == "∂E/∂w₅ = ∂E/∂outo1 · ∂outo1/∂neto1 · ∂neto1/∂w₅"
    assert lines[1].strip() == "= 0.741 · 0.187 · 0.593 = 0.082"
    assert lines[2].startswith("w₅⁺ = w₅ − η · ∂E/∂w₅ = 0.4 − 0.5 · 0.082 = 0.359")
    assert re.search(r'vertical-align:sub;">o1</span>', window.panels["chain_rule"].text.toHtml())
    assert lines[3].startswith("Finite-difference check:") and lines[3].endswith("✓")


def test_edges_show_sign_and_size_and_the_current_unit_is_coloured_by_direction(qtbot):
    from desktop_app.panels.diagram import BACKWARD, FORWARD, NEGATIVE, POSITIVE
    window, session = open_window(qtbot, template="xor_mlp")
    settle(qtbot)
    view = window.panels["diagram"]
    drawn, signs = [], set()
    for (layer, param, index), edge in view.edges.items():
        if param != "W":
            continue
        w = session.network.layers[layer].params["W"][index]
        assert edge.pen().color().rgb() == (POSITIVE if w >= 0 else NEGATIVE).rgb(), (layer, index)
        drawn.append((abs(w), edge.pen().widthF()))
        signs.add(bool(w >= 0))
    assert signs == {True, False}                                       # both colours are checked
    drawn.sort()
    assert drawn[0][1] < drawn[-1][1]                                   # thicker for a larger |w|
    assert all(a[1] <= b[1] for a, b in zip(drawn, drawn[1:]))
    act(window, "step_unit")
    settle(qtbot)
    assert view.neurons[(0, 0)].pen().color() == FORWARD
    act(window, "step_phase")                                           # finish the forward pass
    act(window, "step_layer")                                           # the loss
    act(window, "step_layer")                                           # backward: the output layer
    settle(qtbot)
    last = len(session.network.layers) - 1
    assert session.position().direction == "backward"
    assert view.neurons[(last, 0)].pen().color() == BACKWARD
    assert view.neurons[(0, 0)].pen().color() not in (FORWARD, BACKWARD)


def test_the_status_bar_counts_epochs(qtbot):
    window, session = open_window(qtbot, template="xor_mlp")
    assert window.status_labels["epoch"].text() == "Epoch 0"
    act(window, "step_epoch")
    settle(qtbot)
    assert window.status_labels["epoch"].text() == "Epoch 1"
    assert session.debugger.epoch == 1
    act(window, "step_back")
    settle(qtbot)
    assert window.status_labels["epoch"].text() == "Epoch 0"
