"""LayerLab's main window: docks, menus, toolbar, shortcuts and the status bar.

The window holds no logic of its own: panels do the work over the shared
:class:`~desktop_app.session.SessionController`. ``add_panel`` registers a
dock whose objectName is its key, so the layout the user arranges is saved
with QSettings on close and restored on the next start.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFrame, QHBoxLayout, QLabel, QMainWindow, QScrollArea,
                               QTabBar, QToolButton,
                               QVBoxLayout, QWidget)

from .session import SessionController
from .settings import app_settings

LAYOUT_VERSION = 1


class NoticeBar(QWidget):
    """A non-modal notice across the top of the window: errors and hints the
    user should not miss, closed with its × button (or replaced by the next)."""

    STYLES = {"error": "background:#fde2e1; color:#6b1110; border:1px solid #e9a5a2;",
              "hint": "background:#e4efff; color:#0c2d5a; border:1px solid #a8c6f0;"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("notice")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        close = QToolButton(text="×", toolTip="Close this notice", autoRaise=True)
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.setStyleSheet(f"NoticeBar {{{self.STYLES[kind]}}} QLabel {{border:none;}}")
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("LayerLab")
        self.resize(1400, 860)
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowNestedDocks
                            | QMainWindow.AllowTabbedDocks)
        # the builder column on the left runs the full height; the bottom row
        # (training curves, decision regions) sits under the diagram and the panels
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.panels: dict[str, QWidget] = {}
        #: False for --screenshot runs, which must not overwrite the user's layout
        self.remember_layout = True
        self.docks: dict[str, QDockWidget] = {}
        #: "image" or "flat": the kind of network the tabs in front were chosen for
        self._front_for: str | None = None
        #: True until the first show sets the default dock sizes (False once a saved layout is restored)
        self._default_sizes_pending = True
        #: the kind whose column width is still to be set when the window shows (None: nothing to do)
        self._widen_for: str | None = None

        self.notice = NoticeBar()
        self._center = QWidget()
        self._center_layout = QVBoxLayout(self._center)
        self._center_layout.setContentsMargins(0, 0, 0, 0)
        self._center_layout.setSpacing(0)
        self._center_layout.addWidget(self.notice)
        self.setCentralWidget(self._center)

        self._build_menus()
        self._build_status_bar()
        self._add_panels()
        self._default_state = self.saveState(LAYOUT_VERSION)

        session.error.connect(self.show_error)
        session.message.connect(self.show_message)
        session.stopped.connect(self._on_stopped)
        session.state_changed.connect(self._update_status)
        session.network_changed.connect(self._update_status)
        session.network_changed.connect(self._front_panels_for_network)
        session.history_changed.connect(self._update_undo_actions)
        self._update_status()
        self._update_undo_actions()

    # --- panels -------------------------------------------------------------------
    def _add_panels(self) -> None:
        """Every panel of the window; others' panels are added here too."""
        from .panels.breakpoints import BreakpointsPanel
        from .panels.chain_rule import ChainRulePanel
        from .panels.debugger_actions import DebuggerActions, OptimizerBox
        from .panels.diagram import NetworkDiagram
        from .panels.formulas import FormulasPanel
        from .panels.layer_list import LayerListPanel
        from .panels.palette import LayerPalette
        from .panels.properties import PropertiesPanel
        from .panels.values import ValuesPanel
        s = self.session
        self.debugger_actions = DebuggerActions(s, self)
        toolbar = self.addToolBar("Debugger")
        toolbar.setObjectName("debugger_toolbar")
        for key, action in self.debugger_actions.actions.items():
            self.debug_menu.addAction(action)
            toolbar.addAction(action)
            if key in ("step_back", "reset"):
                self.debug_menu.addSeparator()
                toolbar.addSeparator()
        toolbar.addWidget(OptimizerBox(s))
        self.set_central_panel("diagram", NetworkDiagram(s))
        self.add_panel("palette", "Layer palette", LayerPalette(s), Qt.LeftDockWidgetArea)
        self.add_panel("layers", "Network layers", LayerListPanel(s), Qt.LeftDockWidgetArea)
        self.add_panel("properties", "Layer properties", PropertiesPanel(s), Qt.LeftDockWidgetArea)
        self.add_panel("chain_rule", "Chain rule", ChainRulePanel(s))
        self.add_panel("values", "Values", ValuesPanel(s))
        self.add_panel("breakpoints", "Breakpoints", BreakpointsPanel(s))
        self.add_panel("formulas", "Formulas and activations", FormulasPanel(s))
        self.tabifyDockWidget(self.docks["values"], self.docks["breakpoints"])
        self.tabifyDockWidget(self.docks["breakpoints"], self.docks["formulas"])
        self.docks["values"].raise_()
        # the builder on the left needs less width than the panels on the right,
        # whose tables, mosaics and plots are cut short or scroll when narrow
        self.resizeDocks([self.docks["palette"], self.docks["chain_rule"]], [340, 540], Qt.Horizontal)
        self.resizeDocks([self.docks["palette"], self.docks["layers"], self.docks["properties"]],
                         [150, 260, 260], Qt.Vertical)
        self.resizeDocks([self.docks["chain_rule"], self.docks["values"]], [240, 460], Qt.Vertical)
        # --- panels of the training and conv views (engineers gui-train, gui-conv) ---
        from .panels.conv_inspector import install_conv_inspector
        self.conv_inspector = install_conv_inspector(self)
        from .dataset_actions import install_dataset_actions
        install_dataset_actions(self)
        from .panels.training_panel import install_training_views
        install_training_views(self)
        bottom = [d for d in self.docks.values() if self.dockWidgetArea(d) == Qt.BottomDockWidgetArea]
        if bottom:
            self.resizeDocks(bottom[:1], [300], Qt.Vertical)

    #: the tab brought to the front for each kind of network: the conv inspector
    #: for networks on images, the values table for flat (dense) ones
    FRONT_PANEL = {"image": "conv_inspector", "flat": "values"}
    #: share of the window's width the right-hand column takes for each kind:
    #: kernels and feature maps need room, a conv net's block diagram little
    RIGHT_SHARE = {"image": 0.5, "flat": 0.39}
    #: height of the chain-rule panel above the tabs: a conv net's block
    #: diagram has no weight to click, so its tabs get the room
    CHAIN_RULE_HEIGHT = {"image": 110, "flat": 240}

    def _front_panels_for_network(self) -> None:
        """Bring the panel that fits the network's kind to the front of its tabs,
        when the kind changes (a dense template after a conv one, or the reverse).
        Only the front tab changes: a panel the user closed stays closed, and a
        saved layout restored afterwards (at start) still wins."""
        net = self.session.network
        if net is None:
            return
        kind = "image" if len(net.input_shape) == 3 else "flat"
        if kind == self._front_for:
            return
        self._front_for = kind
        dock = self.docks.get(self.FRONT_PANEL[kind])
        if dock is not None and not dock.isHidden():      # hidden: the user closed it
            dock.raise_()
            self._widen_for = kind
            if self.isVisible():
                self._widen_right_column()

    def _widen_right_column(self) -> None:
        """Give the right-hand column its share of the width for the network's kind
        (done once the window is shown: a hidden window's docks have no size yet)."""
        kind, self._widen_for = self._widen_for, None
        dock = self.docks.get(self.FRONT_PANEL[kind]) if kind else None
        if dock is not None and not dock.isFloating() and self.dockWidgetArea(dock) == Qt.RightDockWidgetArea:
            self.resizeDocks([dock], [int(self.width() * self.RIGHT_SHARE[kind])], Qt.Horizontal)
            chain = self.docks.get("chain_rule")
            if (chain is not None and not chain.isHidden() and not chain.isFloating()
                    and self.dockWidgetArea(chain) == Qt.RightDockWidgetArea and not self.tabifiedDockWidgets(chain)):
                total = chain.height() + dock.height()
                height = min(self.CHAIN_RULE_HEIGHT[kind], total // 2)
                self.resizeDocks([chain, dock], [height, total - height], Qt.Vertical)

    #: share of the window's height the bottom docks (training curves, decision regions) take
    BOTTOM_SHARE = 0.33

    def _apply_default_sizes(self) -> None:
        """Sizes that need the window on screen to take effect (docks of a hidden
        window have no size yet): the bottom row gets room for its plots."""
        bottom = [d for d in self.docks.values()
                  if self.dockWidgetArea(d) == Qt.BottomDockWidgetArea and not d.isHidden() and not d.isFloating()]
        if bottom:
            self.resizeDocks(bottom[:1], [int(self.height() * self.BOTTOM_SHARE)], Qt.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_sizes_pending:
            self._default_sizes_pending = False
            self._apply_default_sizes()
        if self._widen_for is not None:
            self._widen_right_column()
        for bar in self.findChildren(QTabBar):   # dock tabs: scroll rather than cut titles short
            bar.setElideMode(Qt.ElideNone)
            bar.setUsesScrollButtons(True)

    def set_central_panel(self, key: str, widget: QWidget) -> None:
        """Put ``widget`` in the middle of the window, under the notice bar."""
        self.panels[key] = widget
        self._center_layout.addWidget(widget, 1)

    def add_panel(self, key: str, title: str, widget: QWidget,
                  area=Qt.RightDockWidgetArea) -> QDockWidget:
        """Show ``widget`` in a dock the user can move, float, tab or close.

        ``key`` names the dock (its objectName) so the saved layout finds it again.
        The widget sits in a scroll area, so a panel's minimum size never forces
        the window taller than the screen: squeezed, it scrolls."""
        dock = QDockWidget(title, self)
        dock.setObjectName(key)
        scroll = QScrollArea()
        scroll.setWidget(widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        dock.setWidget(scroll)
        self.addDockWidget(area, dock)
        self.panels[key] = widget
        self.docks[key] = dock
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    # --- menus -----------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.templates_menu = self.file_menu.addMenu("New from &template")
        self.templates_menu.aboutToShow.connect(self._fill_templates_menu)
        self.templates_menu.setToolTipsVisible(True)      # each template's description on hover
        self.file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.Quit, triggered=self.close)
        self.file_menu.addAction(quit_action)

        self.edit_menu = bar.addMenu("&Edit")
        self.undo_action = QAction("&Undo", self, shortcut=QKeySequence("Ctrl+Z"),
                                   triggered=self.session.undo)
        self.redo_action = QAction("&Redo", self, shortcut=QKeySequence("Ctrl+Shift+Z"),
                                   triggered=self.session.redo)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)

        self.debug_menu = bar.addMenu("&Debug")
        self.view_menu = bar.addMenu("&View")
        reset_layout = QAction("Reset panel layout", self, triggered=self.reset_layout)
        self.view_menu.addAction(reset_layout)
        self.view_menu.addSeparator()

    def _fill_templates_menu(self) -> None:
        from core.templates import TEMPLATES
        self.templates_menu.clear()
        for name in TEMPLATES:
            template = TEMPLATES[name]()
            action = self.templates_menu.addAction(template.title)
            action.setToolTip(template.description)
            action.triggered.connect(lambda _=False, n=name: self.session.load_template(n))

    def _update_undo_actions(self) -> None:
        h = self.session.history
        self.undo_action.setEnabled(h.can_undo())
        self.redo_action.setEnabled(h.can_redo())
        self.undo_action.setText(f"&Undo {h.undo_text()}".rstrip())
        self.redo_action.setText(f"&Redo {h.redo_text()}".rstrip())

    # --- status bar -----------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_labels = {}
        for key, tip in (("phase", "Where the debugger is: forward, loss, backward or update"),
                         ("iteration", "Iterations (parameter updates) done"),
                         ("epoch", "Passes over the whole dataset done"),
                         ("loss", "Loss of the last forward pass"),
                         ("stop", "Why the debugger last stopped")):
            label = QLabel()
            label.setObjectName(f"status_{key}")
            label.setToolTip(tip)
            label.setMinimumWidth(90)
            label.setMaximumWidth(480)
            bar.addPermanentWidget(label)
            self.status_labels[key] = label

    def _update_status(self) -> None:
        fields = self.session.status()
        for key, label in self.status_labels.items():
            label.setText(fields.get(key, ""))
        network = self.session.network
        self.status_labels["loss"].setToolTip(f"Loss of the last forward pass: {network.loss.formula}"
                                              if network is not None else "Loss of the last forward pass")
        self.status_labels["stop"].setToolTip(fields.get("stop") or "Why the debugger last stopped")

    def _on_stopped(self, reason: str) -> None:
        self._update_status()
        self.statusBar().showMessage(reason, 15000)

    def show_error(self, text: str) -> None:
        """Show ``text`` where the user looks: the notice bar and the status bar."""
        self.notice.show_message(text, "error")
        self.statusBar().showMessage(text, 15000)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_hint(self, text: str) -> None:
        self.notice.show_message(text, "hint")

    # --- layout persistence ---------------------------------------------------------
    def restore_layout(self) -> bool:
        """Restore the saved geometry and dock layout; False if none was saved."""
        s = app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self._widen_for = None           # the user's column widths win
            self._default_sizes_pending = False
            return self.restoreState(state, LAYOUT_VERSION)
        return False

    def save_layout(self) -> None:
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        s.sync()

    def reset_layout(self) -> None:
        """Back to the layout the window starts with on a first run."""
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self._apply_default_sizes()
        self.statusBar().showMessage("Panel layout reset.", 4000)

    def closeEvent(self, event) -> None:
        if self.remember_layout:
            self.save_layout()
        self.session.stop_run()
        super().closeEvent(event)


