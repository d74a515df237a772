"""Compare: the same network, from the same initial weights, trained under
several learning rates or several optimizers, with all loss curves on one plot.

* **Learning rates** — the lecture's slide: too small crawls, too large
  diverges, just right converges. Each rate uses the session's optimizer kind.
* **Optimizers** — the lecture's list: SGD, Momentum, Adagrad, Adadelta, Adam,
  RMSProp, each with its usual default settings (or one shared learning rate).

Every run trains its own copy of the session's network (so they all start from
the same weights) on the same data with the same batches; the session's own
network is not touched. Runs go in a worker thread, like training.
"""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from core.errors import ConfigError, LayerLabError
from core.optimizers import OPTIMIZERS

from ..training_job import CompareJob, TrainingSettings
from ..training_worker import TrainingRun
from .watch_panel import COLORS

DEFAULT_RATES = "0.001, 0.1, 5"


def parse_rates(text: str) -> list[float]:
    """``"0.001, 0.1, 5"`` → ``[0.001, 0.1, 5.0]``; raises ConfigError on anything else."""
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        rates = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"Learning rates must be numbers separated by commas, like {DEFAULT_RATES!r}; "
                          f"got {text!r}.") from None
    if not rates or any(not math.isfinite(r) or r <= 0 for r in rates):
        raise ConfigError(f"Give one or more positive learning rates, like {DEFAULT_RATES!r}.")
    return rates


#: characters per line of the status text under the buttons
STATUS_WIDTH = 44


class ComparePanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.mode = QComboBox()
        self.mode.addItem("learning rates", "rates")
        self.mode.addItem("optimizers", "optimizers")
        self.rates = QLineEdit(DEFAULT_RATES)
        self.rates.setToolTip("Learning rates to try, separated by commas")
        self.optimizer_boxes = {name: QCheckBox(name) for name in OPTIMIZERS}
        for name, box in self.optimizer_boxes.items():
            box.setToolTip(OPTIMIZERS[name]().formula)        # hovering shows the update rule
        for box in self.optimizer_boxes.values():
            box.setChecked(True)
        self.shared_lr = QDoubleSpinBox(minimum=0.0, maximum=100.0, decimals=4, singleStep=0.001, value=0.0)
        self.shared_lr.setSpecialValueText("each its default")
        self.shared_lr.setToolTip("One learning rate for every optimizer, or each optimizer's own default")
        self.epochs = QSpinBox(minimum=1, maximum=100_000, value=50)
        self.batch = QSpinBox(minimum=1, maximum=1_000_000, value=32)
        self.log_scale = QCheckBox("log scale")
        self.log_scale.setChecked(True)
        self.start_button = QPushButton("Compare")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        # lines broken here, not by the label: a word-wrapped label lets a low dock squeeze the rows above it
        self.status = QLabel()
        self._say("Trains copies of the current network; the network itself is not changed.")

        optimizers = QWidget()
        grid = QGridLayout(optimizers)        # two columns: six boxes in three rows
        grid.setContentsMargins(0, 0, 0, 0)
        for i, box in enumerate(self.optimizer_boxes.values()):
            grid.addWidget(box, i // 2, i % 2)
        form = QFormLayout()
        form.addRow("compare", self.mode)
        form.addRow("learning rates", self.rates)
        form.addRow("optimizers", optimizers)
        form.addRow("shared learning rate", self.shared_lr)
        form.addRow("epochs", self.epochs)
        form.addRow("batch size", self.batch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress_bar)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.log_scale)
        left_layout.addStretch(1)

        self.plot = pg.PlotWidget(title="training loss per epoch")
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.legend.setBrush(pg.mkBrush(0, 0, 0, 170))     # names stay readable over the curves
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.plot)
        split.setSizes([300, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self.curves: list = []
        self.run: TrainingRun | None = None
        self.job: CompareJob | None = None
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.log_scale.toggled.connect(lambda on: self.plot.setLogMode(y=on))
        self.plot.setLogMode(y=True)
        self._mode_changed()

    def _mode_changed(self) -> None:
        rates = self.mode.currentData() == "rates"
        self.rates.setEnabled(rates)
        self.shared_lr.setEnabled(not rates)
        for box in self.optimizer_boxes.values():
            box.setEnabled(not rates)

    # --- what to run -----------------------------------------------------------------------
    def variants(self) -> list[tuple[str, object]]:
        """``(label, optimizer)`` per run; raises ConfigError for bad input."""
        opt = self.session.optimizer
        if self.mode.currentData() == "rates":
            kind = type(opt) if opt is not None else OPTIMIZERS["SGD"]
            variants = []
            for lr in parse_rates(self.rates.text()):
                o = kind(**opt.hyper) if opt is not None else kind()
                o.hyper["lr"] = lr
                variants.append((f"{kind.__name__} η = {lr:g}", o))
            return variants
        chosen = [name for name, box in self.optimizer_boxes.items() if box.isChecked()]
        if not chosen:
            raise ConfigError("Tick at least one optimizer to compare.")
        variants = []
        for name in chosen:
            o = OPTIMIZERS[name]()
            if self.shared_lr.value() > 0:
                o.hyper["lr"] = self.shared_lr.value()
            variants.append((f"{name} η = {o.hyper['lr']:g}", o))
        return variants

    def start(self) -> bool:
        s = self.session
        if self.run is not None and self.run.running:
            return False
        if s.network is None or s.x is None:
            s.error.emit("Compare needs a valid network and data: load a template or choose toy data first.")
            return False
        try:
            settings = TrainingSettings(epochs=self.epochs.value(), batch_size=self.batch.value())
            self.job = CompareJob(s.network, self.variants(), s.x, s.y, settings)
        except LayerLabError as e:
            s.error.emit(str(e))
            self._say(str(e))
            return False
        self._make_curves(self.job)
        self.run = TrainingRun(self.job, self)
        self.run.snapshot.connect(self.show_snapshot)
        self.run.finished.connect(self._finished)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._say(f"Training {len(self.job.runs)} copies from the same initial weights…")
        self.run.start()
        return True

    def cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()

    # --- drawing ---------------------------------------------------------------------------
    def _make_curves(self, job: CompareJob) -> None:
        self.plot.clear()
        self.legend.clear()
        self.curves = [self.plot.plot([], [], pen=pg.mkPen(COLORS[n % len(COLORS)], width=2), name=run.label)
                       for n, run in enumerate(job.runs)]

    def show_snapshot(self, snap) -> None:
        firsts = []
        for curve, history in zip(self.curves, snap.histories):
            loss = np.array(history["train_loss"], dtype=float)
            loss[~np.isfinite(loss) | (loss <= 0)] = np.nan
            curve.setData(np.arange(1, len(loss) + 1), loss, connect="finite")
            if len(loss) and np.isfinite(loss[0]):
                firsts.append(loss[0])
        self._limit_y(firsts, snap.histories)
        self.progress_bar.setValue(int(1000 * snap.progress.fraction))
        for (_, label), name, status in zip(self.legend.items, snap.labels, snap.statuses):
            label.setText(f"{name}  ({status})" if status.startswith("diverged") else name)
        diverged = [label for label, status in zip(snap.labels, snap.statuses) if status.startswith("diverged")]
        if diverged:
            self._say("Diverged (loss became NaN or ∞): " + ", ".join(diverged))

    def _limit_y(self, firsts: list[float], histories) -> None:
        """Keep the y range on the interesting part: a diverging run may reach 1e300,
        which would flatten every other curve; its line leaves the top of the plot."""
        values = np.array([v for h in histories for v in h["train_loss"]], dtype=float)
        values = values[np.isfinite(values) & (values > 0)]
        if not firsts or not values.size:
            return
        top = min(values.max(), 100 * float(np.median(firsts)))
        low = values.min()
        self.plot.setYRange(np.log10(low) - 0.1, np.log10(top) + 0.1, padding=0) if self.log_scale.isChecked() \
            else self.plot.setYRange(0, top, padding=0.02)

    def _finished(self, reason: str) -> None:
        self.progress_bar.setValue(1000)
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self._say(reason.replace(" — ", "\n").replace("; ", "\n"))     # one run a line
        self.session.message.emit(reason)

    def _say(self, text: str) -> None:
        """Show ``text`` under the buttons, wrapped at STATUS_WIDTH characters."""
        self.status.setText("\n".join(textwrap.fill(line, STATUS_WIDTH) for line in text.split("\n")))

    def closeEvent(self, event) -> None:
        if self.run is not None and self.run.running:
            self.run.cancel()
            self.run.wait()
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(ComparePanel)
