"""Training panel: the optimizer and every hyperparameter, Train / Pause /
Cancel, a progress bar, and live curves of the loss and accuracy.

Every setting can be changed while training runs:

* the optimizer's hyperparameters (learning rate, momentum, betas, ε, ρ, …) and
  the dropout rates of the network's Dropout layers: the next update uses them;
* the optimizer itself: from the next update the run goes on with a new
  optimizer of the chosen kind, with the learning rate carried over (Adadelta
  keeps its own η = 1) and empty state (no velocity, no moments);
* early-stopping patience and restore-best, and the number of epochs (the run
  ends when it is reached): at once;
* the batch size (1 is stochastic gradient descent, N — all training samples —
  full-batch gradient descent, anything between mini-batch), the validation
  split and the seed: from the next epoch. A larger split holds out more of
  the same samples (already trained on, so the validation curves jump), a
  smaller one fewer; early stopping starts afresh after a split change. A new
  seed reshuffles the batches; the held-out samples stay those the run
  started with.

A change of split, seed or optimizer is an *event*: the curves mark it with a
labelled vertical line, and a line under the progress says once what changed and why
the curves may jump there.

* Curves: training and validation loss (top) and accuracy (bottom) per epoch;
  a dashed line marks the best epoch when early stopping is on. They update
  at most 30 times a second, by ``setData`` on the existing curves.

Training runs in a worker thread (see :mod:`desktop_app.training_worker`); the
progress line shows epoch, iteration, samples per second and the time left.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QGroupBox,
                               QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSpinBox,
                               QSplitter, QVBoxLayout, QWidget)

from core.optimizers import OPTIMIZERS

from ..live_state import live_state
from ..training_job import TrainingSettings
from .hyper_form import HyperForm
from .redraw import light_grid

TRAIN_PEN = pg.mkPen((31, 119, 180), width=2)
VAL_PEN = pg.mkPen((255, 127, 14), width=2)
EVENT_PEN = pg.mkPen((150, 150, 150), style=Qt.DotLine)
#: event labels sit beside their line (on the side facing the middle of the plot), on one of
#: three heights in turn, so events close together do not cover each other's labels; all
#: are above the "best epoch" label and below the one-row legend at the top
EVENT_LABEL_HEIGHTS = (0.5, 0.35, 0.2)
EVENT_LABEL = {"color": (220, 220, 220), "fill": pg.mkBrush(0, 0, 0, 200)}
#: how an event's text is shortened for its label on the plot
EVENT_SHORT = (("validation split ", "split "), ("optimizer ", ""))

#: what a fresh optimizer of each kind starts with (said when one is switched in mid-run)
FRESH_STATE = {"SGD": "keeps no state", "Momentum": "starts with zero velocity",
               "Adagrad": "starts with an empty accumulator", "RMSProp": "starts with empty running averages",
               "Adam": "starts with empty moments", "Adadelta": "starts with empty running averages"}


def short_event(text: str) -> str:
    """An event's text as its label on the curves: "split 0.20 → 0.30", "SGD → Adam", "seed 0 → 7"."""
    for long, short in EVENT_SHORT:
        if text.startswith(long):
            return short + text[len(long):]
    return text


class TrainingPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.live = live_state(session)
        self.settings = TrainingSettings()

        # --- optimizer --------------------------------------------------------------
        self.optimizer_choice = QComboBox()
        for name, cls in OPTIMIZERS.items():
            self.optimizer_choice.addItem(name)
            self.optimizer_choice.setItemData(self.optimizer_choice.count() - 1, cls().formula, Qt.ToolTipRole)
        self.optimizer_choice.setToolTip("How each weight moves once its gradient is known")
        self.formula = QLabel()
        self.formula.setStyleSheet("font-family: monospace;")
        self.hyper = HyperForm(session)
        opt_box = QGroupBox("Optimizer")
        opt_layout = QVBoxLayout(opt_box)
        opt_layout.addWidget(self.optimizer_choice)
        opt_layout.addWidget(self.formula)
        opt_layout.addWidget(self.hyper)

        # --- training settings --------------------------------------------------------
        self.batch = QSpinBox(minimum=1, maximum=1_000_000, value=self.settings.batch_size)
        self.batch.setToolTip("Samples per update: 1 = stochastic gradient descent, "
                              "all samples = full-batch gradient descent")
        self.sgd_button = QPushButton("1 (SGD)")
        self.full_button = QPushButton("all (full batch)")
        batch_presets = QHBoxLayout()
        batch_presets.addWidget(self.sgd_button)
        batch_presets.addWidget(self.full_button)
        batch_presets.addStretch(1)
        self.epochs = QSpinBox(minimum=1, maximum=1_000_000, value=self.settings.epochs)
        self.val_split = QDoubleSpinBox(minimum=0.0, maximum=0.9, singleStep=0.05, decimals=2)
        self.val_split.setToolTip("Fraction of the samples held out to measure the validation loss "
                                  "(the same samples for the same seed). Changed while training runs, it "
                                  "applies from the next epoch: a larger split holds out more of the same "
                                  "samples, a smaller one fewer, and early stopping starts afresh")
        self.patience = QSpinBox(minimum=0, maximum=10_000, value=0)
        self.patience.setSpecialValueText("off")
        self.patience.setToolTip("Early stopping: stop when the validation loss (or the training loss "
                                 "without a validation split) has not improved for this many epochs")
        self.restore_best = QCheckBox("restore the best weights when stopping early")
        self.restore_best.setChecked(True)
        self.seed = QSpinBox(minimum=0, maximum=2 ** 31 - 1, value=0)
        self.seed.setToolTip("The seed picks the held-out samples when a run starts, and the order of "
                             "the batches. Changed while training runs, it reshuffles the batches from the "
                             "next epoch; the held-out samples stay the same")
        self.dropout_form = QFormLayout()
        self.dropout_fields: list[tuple[object, QDoubleSpinBox]] = []
        settings_box = QGroupBox("Training")
        form = QFormLayout(settings_box)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)     # narrow: fields go under their labels
        form.addRow("batch size", self.batch)
        form.addRow("", batch_presets)
        form.addRow("epochs", self.epochs)
        form.addRow("validation split", self.val_split)
        form.addRow("early-stopping patience", self.patience)
        form.addRow(self.restore_best)
        form.addRow("seed", self.seed)
        form.addRow(self.dropout_form)

        # --- run controls ----------------------------------------------------------------
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train at full speed in the background (breakpoints still stop it)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.cancel_button = QPushButton("Cancel")
        self.clear_button = QPushButton("Clear curves")
        controls = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.cancel_button, self.clear_button):
            controls.addWidget(b)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_text = QLabel("Not trained yet.")
        self.progress_text.setObjectName("progress_text")
        self.progress_text.setWordWrap(True)
        # room for three lines, so new text never changes the layout (which would resize the plots)
        self.progress_text.setFixedHeight(3 * self.progress_text.fontMetrics().lineSpacing() + 4)
        self.progress_text.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        #: what the last change made during this run means for the curves (hidden until one is made)
        self.note_text = QLabel()
        self.note_text.setObjectName("note_text")
        self.note_text.setWordWrap(True)
        self.note_text.hide()

        # Train / Pause / Cancel and the progress stay in sight at the top; the
        # settings below them scroll on their own when the dock is low
        settings = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(opt_box)
        settings_layout.addWidget(settings_box)
        settings_layout.addStretch(1)
        settings_scroll = QScrollArea()
        settings_scroll.setWidget(settings)
        settings_scroll.setWidgetResizable(True)
        settings_scroll.setFrameShape(QFrame.NoFrame)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(controls)
        left_layout.addWidget(self.progress_bar)
        left_layout.addWidget(self.progress_text)
        left_layout.addWidget(self.note_text)
        left_layout.addWidget(settings_scroll, 1)

        # --- curves ----------------------------------------------------------------------
        self.curves_view = pg.GraphicsLayoutWidget()
        self.loss_plot = self.curves_view.addPlot(row=0, col=0, title="loss")
        self.acc_plot = self.curves_view.addPlot(row=1, col=0, title="accuracy")
        self.acc_plot.setXLink(self.loss_plot)
        for p in (self.loss_plot, self.acc_plot):
            light_grid(p)
            p.setLabel("bottom", "epoch")
            p.getAxis("bottom").enableAutoSIPrefix(False)
            p.addLegend(offset=(-10, 5), colCount=2, labelTextSize="8pt")   # one row: event labels stay below it
            p.setMenuEnabled(False)
        self.acc_plot.setYRange(0, 1)
        self.curves = {
            "train_loss": self.loss_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_loss": self.loss_plot.plot([], [], pen=VAL_PEN, name="validation"),
            "train_acc": self.acc_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_acc": self.acc_plot.plot([], [], pen=VAL_PEN, name="validation"),
        }
        #: per event shown: its vertical lines on the loss and the accuracy plot
        self.event_lines: list[tuple[pg.InfiniteLine, pg.InfiniteLine]] = []
        self.event_font = QFont()
        self.event_font.setPointSizeF(max(7.0, self.event_font.pointSizeF() - 1))
        self._shown_events: list = []
        #: the split and seed the running job uses (or will use from its next epoch)
        self._split_in_use, self._seed_in_use = self.settings.val_split, self.settings.seed
        #: how many events the history held when this run started (see _applied)
        self._events_at_start = 0
        self.best_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen((90, 170, 90), style=Qt.DashLine),
                                           label="best epoch", labelOpts={"position": 0.08})
                           for _ in (self.loss_plot, self.acc_plot)]
        for plot, line in zip((self.loss_plot, self.acc_plot), self.best_lines):
            plot.addItem(line)
            line.hide()

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.curves_view)
        split.setSizes([330, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        # --- wiring ----------------------------------------------------------------------
        self.optimizer_choice.currentTextChanged.connect(self._choose_optimizer)
        self.sgd_button.clicked.connect(lambda: self.batch.setValue(1))
        self.full_button.clicked.connect(self._full_batch)
        self.batch.valueChanged.connect(self._batch_changed)
        # a running job takes the value once typing is done (Enter, leaving the field, the arrows):
        # typing "500" must not pass through 5 epochs and end the run there
        for spin in (self.batch, self.epochs, self.val_split, self.seed):
            spin.setKeyboardTracking(False)
        self.batch.valueChanged.connect(self.live.set_batch_size)
        self.epochs.valueChanged.connect(self.live.set_epochs)
        self.val_split.valueChanged.connect(self._val_split_changed)
        self.seed.valueChanged.connect(self._seed_changed)
        self.train_button.clicked.connect(self.start)
        self.patience.valueChanged.connect(self._early_stopping_changed)
        self.restore_best.toggled.connect(self._early_stopping_changed)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_button.clicked.connect(self.live.cancel)
        self.clear_button.clicked.connect(self.live.clear_history)
        self.live.curves_changed.connect(self.refresh_curves)
        self.live.progress.connect(self.show_progress)
        self.live.training_changed.connect(self._training_changed)
        self.live.finished.connect(self._finished)
        session.network_changed.connect(self._on_network_changed)
        session.state_changed.connect(self._on_state_changed)
        self._on_network_changed()
        self._training_changed(False)
        self._batch_changed(self.batch.value())

    # --- model → view ---------------------------------------------------------------------
    def _on_network_changed(self) -> None:
        self._show_optimizer()
        self._build_dropout_fields()
        self.refresh_curves()

    def _on_state_changed(self) -> None:
        if self.hyper.optimizer is not self.session.optimizer:
            self._show_optimizer()
        else:
            self.hyper.show_values(skip_focused=True)     # e.g. η changed in the toolbar

    def _show_optimizer(self) -> None:
        opt = self.session.optimizer
        if opt is not None:
            self.optimizer_choice.blockSignals(True)
            self.optimizer_choice.setCurrentText(type(opt).__name__)
            self.optimizer_choice.blockSignals(False)
            self.formula.setText(opt.formula)
        self.hyper.rebuild()

    def _build_dropout_fields(self) -> None:
        while self.dropout_form.rowCount():
            self.dropout_form.removeRow(0)
        self.dropout_fields = []
        net = self.session.network
        for i, layer in enumerate(net.layers if net is not None else ()):
            if type(layer).__name__ == "Dropout":
                spin = QDoubleSpinBox(minimum=0.0, maximum=0.95, singleStep=0.05, decimals=2, value=layer.rate)
                spin.setToolTip("Probability of dropping each unit during training (0 keeps all)")
                spin.valueChanged.connect(lambda v, lay=layer: setattr(lay, "rate", float(v)))
                self.dropout_form.addRow(f"dropout rate (layer {i})", spin)
                self.dropout_fields.append((layer, spin))

    def refresh_curves(self) -> None:
        h = self.live.history
        for name, curve in self.curves.items():
            values = [v if v is not None and math.isfinite(v) else math.nan for v in h.get(name, [])]
            curve.setData(list(range(1, len(values) + 1)), values, connect="finite")
        best = self.live.best_epoch
        for line in self.best_lines:
            line.setVisible(best is not None and self.settings.patience is not None)
            if best is not None:
                line.setValue(best)
        self._mark_events(h.get("events", []))

    def _mark_events(self, events: list) -> None:
        """A dotted vertical line per event, between the last epoch before the change and
        the first after it, labelled on the loss plot (rebuilt only when the events change)."""
        if events == self._shown_events:
            return
        for lines in self.event_lines:
            for plot, line in zip((self.loss_plot, self.acc_plot), lines):
                plot.removeItem(line)
        self.event_lines = []
        for k, (epoch, text) in enumerate(events):
            loss_line = pg.InfiniteLine(epoch - 0.5, angle=90, pen=EVENT_PEN, label=short_event(text),
                                        labelOpts=dict(EVENT_LABEL, position=EVENT_LABEL_HEIGHTS[k % 3]))
            loss_line.label.setFont(self.event_font)
            loss_line.label.setToolTip(text)
            acc_line = pg.InfiniteLine(epoch - 0.5, angle=90, pen=EVENT_PEN)
            self.loss_plot.addItem(loss_line)
            self.acc_plot.addItem(acc_line)
            self.event_lines.append((loss_line, acc_line))
        self._shown_events = [list(e) for e in events]

    def show_progress(self, progress) -> None:
        self.progress_bar.setValue(int(1000 * progress.fraction))
        self.progress_text.setText(progress.text())

    def _training_changed(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    def _finished(self, reason: str) -> None:
        self.progress_text.setText(reason)
        self.refresh_curves()

    # --- view → model -----------------------------------------------------------------------
    def _choose_optimizer(self, name: str) -> None:
        old = self.session.optimizer
        lr = old.hyper.get("lr") if old is not None else None
        opt = OPTIMIZERS[name]()
        if lr is not None and name != "Adadelta":
            opt.hyper["lr"] = lr
        running = self.live.training
        self.live.set_optimizer(opt)
        self._show_optimizer()
        if not running:
            self.session.message.emit(f"Optimizer: {opt!r}")
            return
        kept = "Adadelta keeps its own η = 1" if name == "Adadelta" or lr is None else f"η = {lr:g} carries over"
        self._tell(f"Optimizer {old.name if old is not None else '–'} → {name} from the next update: "
                   f"{name} {FRESH_STATE.get(name, 'starts with empty state')}; {kept}.")

    def _val_split_changed(self, value: float) -> None:
        fraction = round(value, 4)
        if not self.live.training or fraction == self._split_in_use:
            return
        if not self.live.set_val_split(fraction):          # refused: the user was told why
            self.val_split.blockSignals(True)
            self.val_split.setValue(self._split_in_use)
            self.val_split.blockSignals(False)
            return
        asked, self._split_in_use = self._split_in_use, fraction
        old = self._applied()[0]
        if fraction == old:          # back before the earlier change applied: no event will come
            self._tell(f"Validation split back to {fraction:.2f} before the change to {asked:.2f} "
                       f"applied: nothing changes.")
            return
        if old == 0:
            why = "validation curves start there, and early stopping watches the validation loss."
        elif fraction == 0:
            why = "validation curves stop there, and early stopping watches the training loss."
        elif fraction > old:
            why = ("validation values jump: the samples moved into validation were already trained on. "
                   "Early stopping starts afresh.")
        else:
            why = "validation values jump: they are measured on fewer samples. Early stopping starts afresh."
        self._tell(f"Validation split {old:.2f} → {fraction:.2f} from the next epoch: {why}")

    def _seed_changed(self, seed: int) -> None:
        if not self.live.training or seed == self._seed_in_use:
            return
        self.live.set_seed(seed)
        asked, self._seed_in_use = self._seed_in_use, seed
        old = self._applied()[1]
        if seed == old:
            self._tell(f"Seed back to {seed} before the change to {asked} applied: nothing changes.")
            return
        self._tell(f"Seed {old} → {seed}: the batches are reshuffled from the next epoch; "
                   f"the held-out samples stay those the run started with.")

    def _applied(self) -> tuple[float, int]:
        """The split and seed the running job uses now: the run's settings, changed by every
        split or seed event it has recorded since it started. A change asked for but not yet
        applied (it waits for the epoch's end) has no event yet."""
        split, seed = self.settings.val_split, self.settings.seed
        for _, text in self.live.history.get("events", [])[self._events_at_start:]:
            # the trainer writes "validation split 0.20 → 0.30" and "seed 0 → 7"
            if text.startswith("validation split "):
                split = float(text.rsplit("→", 1)[1])
            elif text.startswith("seed "):
                seed = int(text.rsplit("→", 1)[1])
        return split, seed

    def _tell(self, note: str) -> None:
        """Say once what a change made during the run means: in the status bar, and under
        the progress line until the next run starts."""
        self.note_text.setText(note)
        self.note_text.show()
        self.session.message.emit(note)

    def _full_batch(self) -> None:
        n = 0 if self.session.x is None else len(self.session.x)
        train = n - (round(n * self.val_split.value()) if self.val_split.value() > 0 else 0)
        if train > 0:
            self.batch.setValue(train)

    def _batch_changed(self, value: int) -> None:
        n = 0 if self.session.x is None else len(self.session.x)
        kind = "SGD" if value == 1 else "full batch" if n and value >= n else "mini-batch"
        self.batch.setSuffix(f"   ({kind})")

    def _early_stopping_changed(self, *_) -> None:
        self.settings.patience = self.patience.value() or None
        self.settings.restore_best = self.restore_best.isChecked()
        self.live.set_early_stopping(self.settings.patience, self.settings.restore_best)
        self.refresh_curves()

    def current_settings(self) -> TrainingSettings:
        return TrainingSettings(epochs=self.epochs.value(), batch_size=self.batch.value(),
                                val_split=round(self.val_split.value(), 4),
                                patience=self.patience.value() or None,
                                restore_best=self.restore_best.isChecked(), seed=self.seed.value())

    def show_settings(self, settings: TrainingSettings) -> None:
        """Show ``settings`` in the fields (after a project is opened)."""
        self.settings = settings
        self.epochs.setValue(settings.epochs)
        self.batch.setValue(settings.batch_size)
        self.val_split.setValue(settings.val_split)
        self.patience.setValue(settings.patience or 0)
        self.restore_best.setChecked(settings.restore_best)
        self.seed.setValue(settings.seed)

    def start(self) -> None:
        self.settings = self.current_settings()
        self._split_in_use, self._seed_in_use = self.settings.val_split, self.settings.seed
        self._events_at_start = len(self.live.history.get("events", []))
        self.note_text.clear()
        self.note_text.hide()
        self.live.start_training(self.settings)

    def _pause_toggled(self, paused: bool) -> None:
        if paused:
            self.live.pause()
            self.pause_button.setText("Resume")
            self.session.stopped.emit("Paused.")
        else:
            self.live.resume()
            self.pause_button.setText("Pause")

    def closeEvent(self, event) -> None:
        self.session.network_changed.disconnect(self._on_network_changed)
        self.session.state_changed.disconnect(self._on_state_changed)
        super().closeEvent(event)


def install_training_views(window) -> None:
    """Add the "watch it learn" docks and the project actions to the main window.

    At the bottom, side by side: Training (curves) and Decision regions, so a
    run shows both. The other views (Weights, Histograms, Optimizer state,
    Watched weights, Compare, Toy data) join the tabs on the right; any of them
    can be dragged out. (Qt 6.11 leaves a stray tab bar behind when a new tab
    group is built in an empty dock area, so these join the existing group.)"""
    from ..project_actions import ProjectActions
    from .compare_panel import ComparePanel
    from .decision_panel import DecisionPanel
    from .histogram_panel import HistogramPanel
    from .optimizer_state_panel import OptimizerStatePanel
    from .toy_data_panel import ToyDataPanel
    from .watch_panel import WatchPanel
    from .weights_panel import WeightsPanel
    s, bottom = window.session, Qt.BottomDockWidgetArea
    training = window.add_panel("training", "Training", TrainingPanel(s), bottom)
    decision = window.add_panel("decision", "Decision regions", DecisionPanel(s), bottom)
    window.resizeDocks([training, decision], [900, 500], Qt.Horizontal)
    tabbed = [window.docks[key] for key in window.docks
              if window.tabifiedDockWidgets(window.docks[key]) and key not in ("training", "decision")]
    previous = tabbed[-1] if tabbed else None
    for key, title, panel in (("weights", "Weights", WeightsPanel), ("histograms", "Histograms", HistogramPanel),
                              ("optimizer_state", "Optimizer state", OptimizerStatePanel),
                              ("watches", "Watched weights", WatchPanel), ("compare", "Compare", ComparePanel),
                              ("toy_data", "Toy data", ToyDataPanel)):
        dock = window.add_panel(key, title, panel(s))
        if previous is not None:
            window.tabifyDockWidget(previous, dock)
        previous = dock
    (window.docks.get("values") or window.docks["weights"]).raise_()
    window.project_actions = ProjectActions(window, s)


if __name__ == "__main__":
    from .preview import preview
    preview(TrainingPanel)
