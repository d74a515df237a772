"""Page through the session's dataset: each sample with its label and the
network's prediction; wrong predictions are highlighted in red.

Images (N, C, H, W) are shown as thumbnails in a grid, on one gray scale for
the whole dataset (the minimum of its first 2,000 samples black, their maximum white); other samples
(N, features) as rows of a table. Predictions come from the session's
network, recomputed for the page on screen after every change (at most 30
times a second), so they follow training and stepping.

Classes come from :mod:`core.metrics`: several outputs predict their argmax,
one sigmoid output predicts 1 where out ≥ 0.5; a regression has no wrong
answers, and the table shows the output itself.

Double-clicking a sample emits ``sample_activated(index)`` (the window shows
it in the conv inspector).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSpinBox, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.errors import LayerLabError
from core.metrics import predicted_classes, target_classes, task_kind

from ..image_io import array_to_qimage
from .redraw import RefreshSoon

PAGE_SIZE = 48
#: "only wrong predictions" looks at this many samples at most (the network runs on all of them)
MAX_CHECKED = 5000
THUMB = 56          # thumbnail side in pixels
WRONG = QColor("#f8c9c6")
REDRAW_MS = 33


class DatasetBrowser(QWidget):
    """``DatasetBrowser(session)``: the samples of ``session.x`` / ``session.y``, a page at a time."""

    sample_activated = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.only_wrong = QCheckBox("only wrong predictions")
        self.only_wrong.toggled.connect(self._refilter)
        self.prev = QPushButton("◀", clicked=lambda: self.page.setValue(self.page.value() - 1))
        self.next = QPushButton("▶", clicked=lambda: self.page.setValue(self.page.value() + 1))
        for button, tip in ((self.prev, "Previous page"), (self.next, "Next page")):
            button.setToolTip(tip)
            button.setFixedWidth(32)
        self._schedule = RefreshSoon(self, REDRAW_MS, self.refresh).request
        self.page = QSpinBox()
        self.page.setMinimum(1)
        self.page.valueChanged.connect(self._schedule)
        self.pages = QLabel()
        self.summary = QLabel()
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 34, THUMB + 56))      # three caption lines: #, label, guess
        self.grid.setResizeMode(QListWidget.Adjust)
        self.grid.setMovement(QListWidget.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.itemDoubleClicked.connect(lambda item: self.sample_activated.emit(item.data(Qt.UserRole)))
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.itemDoubleClicked.connect(
            lambda item: self.sample_activated.emit(self.table.item(item.row(), 0).data(Qt.UserRole)))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)

        nav = QHBoxLayout()
        for w in (self.prev, QLabel("page"), self.page, self.pages, self.next, self.only_wrong):
            nav.addWidget(w)
        nav.addStretch(1)
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(nav)
        layout.addWidget(self.summary)        # a line of its own: never cut off by a narrow dock
        layout.addWidget(self.stack, 1)

        #: indices of the samples listed (all, or only the wrong ones)
        self.indices = np.arange(0)
        self._levels = (0.0, 1.0)
        self._data_id = None
        session.state_changed.connect(self._schedule)
        session.network_changed.connect(self._schedule)
        self.refresh()


    def _refilter(self) -> None:
        self.page.setValue(1)
        self.refresh()

    # --- predictions ---------------------------------------------------------------
    def _predict(self, x):
        """``(kind, predicted, outputs)`` for samples ``x``, or None when the network cannot take them."""
        net, y = self.session.network, self.session.y
        if net is None or x.shape[1:] != net.input_shape:
            return None
        try:
            out = net.forward(x)
        except LayerLabError:
            return None
        kind = task_kind(net, y)
        return kind, (None if kind == "regression" else predicted_classes(out, kind)), out

    @staticmethod
    def _labels(y, kind):
        """Target classes of ``y``, or None for a regression. Without a network
        (``kind`` None), whole-number labels (N,) are taken as classes."""
        y = np.asarray(y)
        if kind is None and y.ndim == 1 and np.all(y == np.round(y)):
            kind = "multiclass"
        if kind in (None, "regression"):
            return None
        return target_classes(y, kind)

    # --- drawing ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the session's data and the network's predictions for the page on screen."""
        x, y = self.session.x, self.session.y
        if x is None or len(x) == 0:
            self.title.setText("No dataset loaded: use the Data menu (digits, MNIST, an image folder, CSV) "
                               "or load a template.")
            self.indices = np.arange(0)
            self.grid.clear()
            self.table.setRowCount(0)
            self.summary.setText("")
            return
        if self._data_id != (id(x), x.shape):
            self._data_id = (id(x), x.shape)
            probe = x[:2000]                     # the gray scale from the first samples
            self._levels = (float(np.nanmin(probe)), float(np.nanmax(probe)))
        images = x.ndim == 4
        self.title.setText(f"<b>{self.session.dataset_name or 'Dataset'}</b>: {len(x):,} samples of shape "
                           f"{x.shape[1:]}, targets {np.asarray(y).shape[1:] or 'labels'}")
        self.indices = self._listed(x, y)
        pages = max(1, -(-len(self.indices) // PAGE_SIZE))
        self.page.blockSignals(True)
        self.page.setMaximum(pages)
        self.page.blockSignals(False)
        self.pages.setText(f"of {pages}")
        start = (self.page.value() - 1) * PAGE_SIZE
        shown = self.indices[start:start + PAGE_SIZE]
        prediction = self._predict(x[shown]) if len(shown) else None
        kind = prediction[0] if prediction else None
        labels = self._labels(y[shown], kind) if len(shown) else None
        if images:
            self.stack.setCurrentWidget(self.grid)
            self._fill_grid(x, y, shown, prediction, labels)
        else:
            self.stack.setCurrentWidget(self.table)
            self._fill_table(x, y, shown, prediction, labels)

    def _listed(self, x, y) -> np.ndarray:
        """All sample indices, or only those the network gets wrong."""
        everything = np.arange(len(x))
        if not self.only_wrong.isChecked():
            self.summary.setText("guess: the network's answer; red: the guess differs from the label")
            return everything
        checked = min(len(x), MAX_CHECKED)
        prediction = self._predict(x[:checked])
        if prediction is None or prediction[1] is None:
            self.summary.setText("no classes to be wrong about")
            return everything
        wrong = np.flatnonzero(prediction[1] != self._labels(y[:checked], prediction[0]))
        first = "" if checked == len(x) else f" (the first {checked:,} samples)"
        self.summary.setText(f"{len(wrong):,} wrong of {checked:,}{first}")
        return wrong

    def _fill_grid(self, x, y, shown, prediction, labels) -> None:
        self.grid.clear()
        lo, hi = self._levels
        for k, index in enumerate(shown):
            sample = x[index]
            picture = sample[0] if sample.shape[0] == 1 else sample.mean(axis=0)
            image = array_to_qimage(picture, lo, hi)
            text, wrong = self._caption(index, y, k, prediction, labels)
            item = QListWidgetItem(QPixmap.fromImage(image).scaled(THUMB, THUMB), text)
            item.setData(Qt.UserRole, int(index))
            item.setToolTip(f"sample {index}")
            if wrong:
                item.setBackground(QBrush(WRONG))
            self.grid.addItem(item)

    def _caption(self, index, y, k, prediction, labels) -> tuple[str, bool]:
        if labels is None:
            target = np.asarray(y[index]).ravel()
            return f"#{index}\ny = {', '.join(f'{v:.3g}' for v in target[:3])}", False
        text = f"#{index}\nlabel {labels[k]}"
        if prediction is None:
            return text, False
        predicted = prediction[1][k]
        return f"{text}\nguess {predicted}", bool(predicted != labels[k])   # not "net": that is Σ w·x + b

    def _fill_table(self, x, y, shown, prediction, labels) -> None:
        features = min(x.shape[1] if x.ndim == 2 else 0, 8)
        headers = ["#"] + [f"x{j}" for j in range(features)] + ["label / target", "prediction"]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(shown))
        for row, index in enumerate(shown):
            cells = [str(index)] + [f"{v:.4g}" for v in np.ravel(x[index])[:features]]
            if labels is not None:
                cells.append(str(labels[row]))
                cells.append("" if prediction is None else str(prediction[1][row]))
                wrong = prediction is not None and prediction[1][row] != labels[row]
            else:
                cells.append(", ".join(f"{v:.4g}" for v in np.ravel(y[index])[:4]))
                cells.append("" if prediction is None else
                             ", ".join(f"{v:.4g}" for v in np.ravel(prediction[2][row])[:4]))
                wrong = False
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(Qt.UserRole, int(index))
                if wrong:
                    item.setBackground(QBrush(WRONG))
                self.table.setItem(row, column, item)

    def closeEvent(self, event) -> None:
        self.session.state_changed.disconnect(self._schedule)
        self.session.network_changed.disconnect(self._schedule)
        super().closeEvent(event)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from desktop_app.session import SessionController
    app = QApplication(sys.argv)
    session = SessionController()
    session.load_template("lenet5")
    browser = DatasetBrowser(session)
    browser.resize(900, 600)
    browser.show()
    sys.exit(app.exec())
