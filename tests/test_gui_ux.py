"""What a newcomer sees first: readable template names, and the panel that fits
the network in front of its tabs."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.templates import TEMPLATES
from desktop_app.main_window import MainWindow
from desktop_app.session import SessionController
from gui_helpers import open_window, settle


def in_front(window, key: str) -> bool:
    """True when the dock ``key`` is the visible tab of its group (or alone)."""
    return not window.docks[key].visibleRegion().isEmpty()


def test_the_template_menu_lists_the_templates_by_title(qtbot):
    window, _ = open_window(qtbot)
    window.templates_menu.aboutToShow.emit()
    titles = [action.text() for action in window.templates_menu.actions()]
    assert titles == [make().title for make in TEMPLATES.values()]
    assert "LeNet-5 on handwritten digits" in titles
    assert window.templates_menu.toolTipsVisible()
    assert [a.toolTip() for a in window.templates_menu.actions()] == [make().description for make in TEMPLATES.values()]


def test_a_conv_network_brings_the_conv_inspector_to_the_front(qtbot):
    window, session = open_window(qtbot)
    settle(qtbot)
    assert in_front(window, "values") and not in_front(window, "conv_inspector")
    session.load_template("lenet5")
    settle(qtbot)
    assert in_front(window, "conv_inspector") and not in_front(window, "values")
    session.load_template("xor_mlp")
    settle(qtbot)
    assert in_front(window, "values") and not in_front(window, "conv_inspector")


def test_a_conv_network_widens_the_right_hand_column(qtbot):
    window, session = open_window(qtbot)
    settle(qtbot)
    dense_width = window.docks["chain_rule"].width()
    session.load_template("lenet5")
    settle(qtbot)
    conv_width = window.docks["chain_rule"].width()
    assert conv_width > dense_width + 100                    # room for kernels and feature maps
    session.load_template("xor_mlp")
    settle(qtbot)
    assert window.docks["chain_rule"].width() < conv_width


def test_a_saved_layout_wins_over_the_default_widths(qtbot):
    first, _ = open_window(qtbot)
    first.resizeDocks([first.docks["chain_rule"]], [420], Qt.Horizontal)
    settle(qtbot)
    saved = first.docks["chain_rule"].width()
    first.project_actions.dirty = False
    first.close()
    session = SessionController()
    second = MainWindow(session)
    qtbot.addWidget(second)
    session.load_template("lenet5")              # as at start: the template, then the saved layout
    assert second.restore_layout()
    second.resize(first.size())
    second.show()
    settle(qtbot)
    assert abs(second.docks["chain_rule"].width() - saved) <= 2
    second.project_actions.dirty = False
    second.close()


def test_the_user_chooses_the_tab_while_the_network_kind_stays(qtbot):
    window, session = open_window(qtbot)
    window.docks["breakpoints"].raise_()
    session.load_template("xor_mlp")             # dense again: the user's tab stays in front
    settle(qtbot)
    assert in_front(window, "breakpoints")


def test_a_closed_conv_inspector_stays_closed(qtbot):
    window, session = open_window(qtbot)
    window.docks["conv_inspector"].close()
    session.load_template("lenet5")
    settle(qtbot)
    assert window.docks["conv_inspector"].isHidden()


def test_decision_regions_around_one_sample_show_plain_numbers(qtbot):
    window, session = open_window(qtbot)         # the worked example: one sample (0.05, 0.10)
    settle(qtbot)
    plot = window.panels["decision"].plot
    (x_low, x_high), (y_low, y_high) = plot.viewRange()
    assert x_low < 0.05 < x_high and x_high - x_low >= 1.0
    assert y_low < 0.10 < y_high and y_high - y_low >= 1.0
    assert plot.getAxis("left").autoSIPrefixScale == 1.0      # no "(x0.001)" on the axes
    assert plot.getAxis("bottom").autoSIPrefixScale == 1.0


def test_decision_regions_hide_the_empty_plot_for_other_networks(qtbot):
    window, session = open_window(qtbot, "lenet5")
    settle(qtbot)
    panel = window.panels["decision"]
    assert not panel.plot.isVisible() and "two inputs" in panel.note.text()
    session.load_template("circle_mlp")
    settle(qtbot)
    assert panel.plot.isVisible()


def test_the_chain_rule_hint_fits_the_diagram(qtbot):
    window, session = open_window(qtbot)
    settle(qtbot)
    heading = window.panels["chain_rule"].heading
    assert "Click a weight" in heading.text()
    session.load_template("lenet5")               # drawn as blocks: nothing to click
    settle(qtbot)
    assert "drawn as blocks" in heading.text() and "Weights tab" in heading.text()


def test_the_train_button_and_the_curves_are_in_sight_at_the_default_size(qtbot):
    window, session = open_window(qtbot, "circle_mlp")
    settle(qtbot)
    panel = window.panels["training"]
    train = panel.train_button
    assert not train.visibleRegion().isEmpty()
    assert train.visibleRegion().boundingRect().height() == train.height()     # not cut by the dock
    assert window.docks["training"].height() >= 0.25 * window.height()        # room for the curves
    assert panel.curves_view.height() >= 200


def test_the_builder_column_runs_the_full_height(qtbot):
    window, _ = open_window(qtbot)
    settle(qtbot)
    properties, training = window.docks["properties"], window.docks["training"]
    assert properties.geometry().bottom() > training.geometry().top()          # beside it, not above it
    assert properties.geometry().right() < training.geometry().left()


def test_the_chain_rule_gets_room_for_a_dense_network_and_gives_it_up_for_a_conv_one(qtbot):
    window, session = open_window(qtbot)
    settle(qtbot)
    chain = window.docks["chain_rule"]
    assert chain.height() >= 0.8 * window.CHAIN_RULE_HEIGHT["flat"]
    session.load_template("lenet5")
    settle(qtbot)
    assert chain.height() <= 1.2 * window.CHAIN_RULE_HEIGHT["image"]


def test_a_finished_comparison_lists_one_run_a_line_without_squeezing_the_form(qtbot):
    window, session = open_window(qtbot, "circle_mlp")
    window.docks["compare"].raise_()
    panel = window.panels["compare"]
    panel.mode.setCurrentIndex(panel.mode.findData("optimizers"))
    panel.epochs.setValue(2)
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=20_000):
        pass
    settle(qtbot)
    lines = panel.status.text().split("\n")
    assert len(lines) >= 7 and lines[1].startswith("SGD")
    for box in panel.optimizer_boxes.values():
        assert box.height() >= box.minimumSizeHint().height()


def test_the_conv_inspector_explains_a_dense_network_as_a_hint_not_an_error(qtbot):
    window, session = open_window(qtbot)
    settle(qtbot)
    status = window.conv_inspector.status
    assert "flat inputs" in status.text() and status.styleSheet() == ""


def test_the_diagram_writes_every_column_caption_on_one_line_under_the_network(qtbot):
    from PySide6.QtWidgets import QGraphicsSimpleTextItem
    window, _ = open_window(qtbot, "circle_mlp")          # columns of 2, 8, 8 and 2 neurons
    captions = [item for item in window.panels["diagram"].scene().items()
                if isinstance(item, QGraphicsSimpleTextItem)
                and (item.text() == "input" or item.text().startswith("Dense("))]
    assert len(captions) == 4
    assert len({round(item.pos().y()) for item in captions}) == 1
