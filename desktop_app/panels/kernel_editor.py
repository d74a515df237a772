"""Edit one conv layer by hand: a kernel cell by cell or from a preset, the
correlation/convolution mode, the stride and the padding.

The editor changes nothing itself: it emits what the user asked for and the
inspector turns it into an undoable edit of the session's stack.

* ``kernel_edited(layer, out_channel, in_channel, values)`` — new (kh, kw) values
* ``layer_edited(layer, settings)`` — ``{"mode": ...}``, ``{"stride": n}`` or ``{"padding": p}``
* ``failed(message)`` — a cell that is not a number
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.errors import LayerLabError
from core.kernels import KERNEL_PRESETS, kernel_preset
from core.layers.conv import Conv2D

from .dot_product_view import format_value

PADDING_CHOICES = (("valid (no padding)", "valid"), ("1", 1), ("2", 2), ("3", 3), ("same", "same"))


class KernelEditor(QWidget):
    kernel_edited = Signal(int, int, int, object)
    layer_edited = Signal(int, object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_index: int | None = None
        self.layer: Conv2D | None = None
        self.layers = QComboBox()
        self.layers.setToolTip("The conv layer to edit")
        self.out_channel, self.in_channel = QSpinBox(), QSpinBox()
        self.out_channel.setToolTip("Output channel: which of the layer's filters")
        self.in_channel.setToolTip("Input channel: which slice of that filter")
        self.table = QTableWidget()
        self.table.setToolTip("Double-click a cell to type a new weight; the maps update at once.")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(60)      # room for "-0.0302"
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMinimumHeight(120)
        self.presets = QComboBox()
        self.presets.addItem("Choose a preset…", None)
        for preset in KERNEL_PRESETS.values():
            self.presets.addItem(preset.label, preset.name)
            self.presets.setItemData(self.presets.count() - 1, preset.description, Qt.ToolTipRole)
        self.mode = QComboBox()
        self.mode.addItem("correlation (kernel as written)", "correlation")
        self.mode.addItem("convolution (kernel flipped 180°)", "convolution")
        self.stride = QSpinBox()
        self.stride.setRange(1, 8)
        self.padding = QComboBox()
        self.note = QLabel()
        self.note.setWordWrap(True)

        picks = QHBoxLayout()
        picks.addWidget(QLabel("output ch."))
        picks.addWidget(self.out_channel)
        picks.addWidget(QLabel("input ch."))
        picks.addWidget(self.in_channel)
        picks.addStretch(1)
        form = QFormLayout()
        form.addRow("Layer", self.layers)
        form.addRow("Kernel", picks)
        form.addRow("Preset", self.presets)
        form.addRow("Mode", self.mode)
        form.addRow("Stride", self.stride)
        form.addRow("Padding", self.padding)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

        self._layers: dict[int, Conv2D] = {}
        self.layers.currentIndexChanged.connect(self._layer_picked)
        self.out_channel.valueChanged.connect(self._show_kernel)
        self.in_channel.valueChanged.connect(self._show_kernel)
        self.table.itemChanged.connect(self._cell_changed)
        self.presets.activated.connect(self._apply_preset)
        self.mode.activated.connect(lambda: self._edit_layer({"mode": self.mode.currentData()}))
        self.stride.editingFinished.connect(self._stride_changed)
        self.padding.activated.connect(lambda: self._edit_layer({"padding": self.padding.currentData()}))
        self.setEnabled(False)

    # --- showing ------------------------------------------------------------------
    def set_conv_layers(self, layers: list[tuple[int, Conv2D]], keep: int | None = None) -> None:
        """The network's conv layers ``(index, layer)``; select ``keep`` if still there."""
        self._layers = dict(layers)
        with QSignalBlocker(self.layers):
            self.layers.clear()
            for index, layer in layers:
                self.layers.addItem(f"layer {index}: {layer!r}", index)
            position = self.layers.findData(keep) if keep is not None else -1
            self.layers.setCurrentIndex(max(position, 0))
        self.setEnabled(bool(layers))
        if not layers:
            self.layer_index, self.layer = None, None
            self.note.setText("This network has no conv layer to edit.")
            return
        self._layer_picked()

    def select(self, layer_index: int, out_channel: int, in_channel: int) -> None:
        """Show kernel (out_channel, in_channel) of conv layer ``layer_index``."""
        position = self.layers.findData(layer_index)
        if position < 0:
            return
        self.layers.setCurrentIndex(position)
        self.out_channel.setValue(out_channel)
        self.in_channel.setValue(in_channel)

    def _layer_picked(self) -> None:
        self.layer_index = self.layers.currentData()
        self.layer = self._layers.get(self.layer_index)
        if self.layer is None:
            return
        out_ch, in_ch = self.layer.params["W"].shape[:2]
        for spin, top in ((self.out_channel, out_ch - 1), (self.in_channel, in_ch - 1)):
            with QSignalBlocker(spin):
                spin.setRange(0, top)
        with QSignalBlocker(self.mode):
            self.mode.setCurrentIndex(self.mode.findData(self.layer.mode))
        with QSignalBlocker(self.stride):
            self.stride.setValue(self.layer.stride[0])
        self._fill_padding()
        self._show_kernel()

    def _fill_padding(self) -> None:
        with QSignalBlocker(self.padding):
            self.padding.clear()
            for label, value in PADDING_CHOICES:
                self.padding.addItem(label, value)
            current = self.layer.padding
            position = self.padding.findData(current) if current != 0 else 0
            if position < 0:
                self.padding.addItem(f"{current} (top, bottom), (left, right)", current)
                position = self.padding.count() - 1
            self.padding.setCurrentIndex(position)

    def _show_kernel(self) -> None:
        if self.layer is None:
            return
        values = self.layer.params["W"][self.out_channel.value(), self.in_channel.value()]
        with QSignalBlocker(self.table):
            self.table.setRowCount(values.shape[0])
            self.table.setColumnCount(values.shape[1])
            self.table.setVerticalHeaderLabels([str(i) for i in range(values.shape[0])])
            self.table.setHorizontalHeaderLabels([str(j) for j in range(values.shape[1])])
            for i in range(values.shape[0]):
                for j in range(values.shape[1]):
                    item = QTableWidgetItem(format_value(values[i, j], 3))
                    item.setToolTip(f"W[{self.out_channel.value()}, {self.in_channel.value()}, {i}, {j}] = "
                                    f"{values[i, j]:.6g}")
                    item.setTextAlignment(Qt.AlignCenter)
                    self.table.setItem(i, j, item)
        flip = " The sum uses it turned by 180°." if self.layer.mode == "convolution" else ""
        self.note.setText(f"W[{self.out_channel.value()}, {self.in_channel.value()}] as stored.{flip}")

    def kernel_values(self) -> np.ndarray:
        """The kernel shown in the table."""
        return np.array(self.layer.params["W"][self.out_channel.value(), self.in_channel.value()])

    # --- editing -------------------------------------------------------------------
    def _cell_changed(self, item: QTableWidgetItem) -> None:
        values = self.kernel_values()
        try:
            values[item.row(), item.column()] = float(item.text().replace("−", "-"))
        except ValueError:
            self.failed.emit(f"“{item.text()}” is not a number: type a weight such as -1, 0.5 or 2.")
            self._show_kernel()
            return
        if not np.isfinite(values).all():
            self.failed.emit("A kernel weight must be a finite number.")
            self._show_kernel()
            return
        self.kernel_edited.emit(self.layer_index, self.out_channel.value(), self.in_channel.value(), values)

    def _apply_preset(self) -> None:
        name = self.presets.currentData()
        self.presets.setCurrentIndex(0)
        if name is None or self.layer is None:
            return
        try:
            values = kernel_preset(name, self.layer.kernel_size)
        except LayerLabError as e:
            self.failed.emit(str(e))
            return
        self.kernel_edited.emit(self.layer_index, self.out_channel.value(), self.in_channel.value(), values)

    def _stride_changed(self) -> None:
        if self.layer is not None and self.stride.value() != self.layer.stride[0]:
            self._edit_layer({"stride": self.stride.value()})

    def _edit_layer(self, settings: dict) -> None:
        if self.layer is not None:
            self.layer_edited.emit(self.layer_index, settings)
