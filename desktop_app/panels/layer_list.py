"""The builder's layer list: the stack as rows with output shapes and
parameter counts, the input shape and the loss, and the edits on the stack
(remove, duplicate, reorder by drag or buttons, insert by dropping a palette
kind). An invalid stack marks the offending layer with the engine's message.
Every edit goes through :meth:`SessionController.edit_stack`, so it can be undone.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

from core.losses import LOSSES

from ..session import Selection, SessionController
from .palette import LAYER_MIME, add_layer

ERROR_BACKGROUND = QColor("#fde2e1")
ERROR_FOREGROUND = QColor("#8a1512")


def shape_text(shape) -> str:
    """``(6, 28, 28)`` → ``"6 × 28 × 28"``."""
    return " × ".join(str(d) for d in shape)


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1, 28, 28"`` or ``"1 x 28 x 28"`` → ``(1, 28, 28)``; raises ValueError."""
    parts = [p for p in text.replace("×", ",").replace("x", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise ValueError("empty")
    return tuple(int(p) for p in parts)


class _StackList(QListWidget):
    """The rows; a drop is turned into a session edit (never moved by Qt itself)."""

    def __init__(self, panel: "LayerListPanel"):
        super().__init__()
        self.panel = panel
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setDefaultDropAction(Qt.MoveAction)
        self.setAcceptDrops(True)
        self.setDragEnabled(True)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(LAYER_MIME) or event.source() is self:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(LAYER_MIME) or event.source() is self:
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop_row(self, pos) -> int:
        """The stack index a drop at ``pos`` inserts before."""
        item = self.itemAt(pos)
        if item is None:
            return self.count()
        row = self.row(item)
        rect = self.visualItemRect(item)
        return row + 1 if pos.y() > rect.center().y() else row

    def dropEvent(self, event):
        row = self.drop_row(event.position().toPoint())
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            add_layer(self.panel.session, bytes(mime.data(LAYER_MIME)).decode(), row)
        elif event.source() is self and self.currentRow() >= 0:
            src = self.currentRow()
            self.panel.move(src, row - 1 if row > src else row)
        event.setDropAction(Qt.IgnoreAction)
        event.accept()


class LayerListPanel(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.input_edit = QLineEdit()
        self.input_edit.setToolTip("Shape of one input sample: 2 for two features, 1, 28, 28 for a grey image")
        self.input_edit.editingFinished.connect(self._input_edited)
        self.loss_box = QComboBox()
        for name, cls in LOSSES.items():
            self.loss_box.addItem(name, name)
            self.loss_box.setItemData(self.loss_box.count() - 1, cls.formula, Qt.ToolTipRole)
        self.loss_box.activated.connect(self._loss_chosen)
        form = QFormLayout()
        form.addRow("Input shape", self.input_edit)
        form.addRow("Loss", self.loss_box)

        self.list = _StackList(self)
        self.list.setObjectName("layer_list")
        self.list.currentRowChanged.connect(self._row_chosen)

        self.buttons = {}
        row = QHBoxLayout()
        for key, text, tip, slot in (
                ("remove", "Remove", "Remove the selected layer (Delete)", self.remove_selected),
                ("duplicate", "Duplicate", "Insert a copy of the selected layer after it", self.duplicate_selected),
                ("up", "▲", "Move the selected layer up", lambda: self.move_selected(-1)),
                ("down", "▼", "Move the selected layer down", lambda: self.move_selected(+1))):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            if key in ("up", "down"):         # arrows need little room: the list keeps the width
                b.setMaximumWidth(40)
            row.addWidget(b)
            self.buttons[key] = b

        self.summary = QLabel()
        self.summary.setObjectName("stack_summary")
        self.error_label = QLabel()
        self.error_label.setObjectName("stack_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_FOREGROUND.name()};")
        self.error_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.list, 1)
        box.addLayout(row)
        box.addWidget(self.summary)
        box.addWidget(self.error_label)

        session.network_changed.connect(self.refresh)
        session.selection_changed.connect(self._follow_selection)
        session.running_changed.connect(self._running)
        self.refresh()

    # --- view ---------------------------------------------------------------------
    def refresh(self) -> None:
        s = self.session
        self.input_edit.setText(", ".join(map(str, s.input_shape)))
        self.loss_box.setCurrentIndex(max(0, self.loss_box.findData(s.loss_name)))
        self.list.blockSignals(True)
        self.list.clear()
        for i, layer in enumerate(s.layers):
            item = QListWidgetItem(self.row_text(i))
            if i == s.stack_error_index:
                item.setBackground(QBrush(ERROR_BACKGROUND))
                item.setForeground(QBrush(ERROR_FOREGROUND))
                item.setToolTip(str(s.stack_error))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._follow_selection()
        if s.network is not None:
            self.summary.setText(f"Output {shape_text(s.network.output_shape)} · "
                                 f"{s.network.param_count():,} parameters in total")
        else:
            self.summary.setText("")
        self.error_label.setText(f"⚠ {s.stack_error}" if s.stack_error else "")
        self.error_label.setVisible(s.stack_error is not None)
        self._update_buttons()

    def row_text(self, i: int) -> str:
        s = self.session
        layer = s.layers[i]
        if i < len(s.shapes):
            detail = f"→ {shape_text(s.shapes[i])}   ·   {layer.param_count():,} params"
        else:
            detail = "→ ?"
        frozen = f"   ·   frozen: {', '.join(sorted(layer.frozen))}" if layer.frozen else ""
        text = f"{i}  {layer!r}\n      {detail}{frozen}"
        if i == s.stack_error_index:
            text += f"\n      ⚠ {s.stack_error}"
        return text

    def _follow_selection(self) -> None:
        sel = self.session.selection
        self.list.blockSignals(True)
        self.list.setCurrentRow(sel.layer if sel is not None and sel.layer < self.list.count() else -1)
        self.list.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row, n = self.list.currentRow(), self.list.count()
        editable = not self.session.running
        self.buttons["remove"].setEnabled(editable and row >= 0)
        self.buttons["duplicate"].setEnabled(editable and row >= 0)
        self.buttons["up"].setEnabled(editable and row > 0)
        self.buttons["down"].setEnabled(editable and 0 <= row < n - 1)

    def _running(self, running: bool) -> None:
        self.list.setEnabled(not running)
        self.input_edit.setEnabled(not running)
        self.loss_box.setEnabled(not running)
        self._update_buttons()

    def _row_chosen(self, row: int) -> None:
        sel = self.session.selection
        if row < 0:
            self.session.select(None)
        elif sel is None or sel.layer != row:
            self.session.select(Selection(row, None, ()))
        self._update_buttons()

    # --- edits ------------------------------------------------------------------------
    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        layers = list(self.session.layers)
        removed = layers.pop(row)
        self.session.edit_stack(f"Remove {type(removed).__name__}", layers=layers)
        self.session.select(Selection(min(row, len(layers) - 1), None, ()) if layers else None)

    def duplicate_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        layers = list(self.session.layers)
        layers.insert(row + 1, copy.deepcopy(layers[row]))
        self.session.edit_stack(f"Duplicate {type(layers[row]).__name__}", layers=layers)
        self.session.select(Selection(row + 1, None, ()))

    def move_selected(self, delta: int) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.move(row, row + delta)

    def move(self, src: int, dst: int) -> None:
        layers = list(self.session.layers)
        if src == dst or not (0 <= src < len(layers) and 0 <= dst < len(layers)):
            return
        layer = layers.pop(src)
        layers.insert(dst, layer)
        self.session.edit_stack(f"Move {type(layer).__name__} to position {dst}", layers=layers)
        self.session.select(Selection(dst, None, ()))

    def _input_edited(self) -> None:
        text = self.input_edit.text()
        try:
            shape = parse_shape(text)
        except ValueError:
            self.session.error.emit(f"The input shape {text!r} is not a list of whole numbers; "
                                    "write it like 2 or 1, 28, 28.")
            self.input_edit.setText(", ".join(map(str, self.session.input_shape)))
            return
        if shape != tuple(self.session.input_shape):
            self.session.edit_stack(f"Set the input shape to {shape_text(shape)}", input_shape=shape)

    def _loss_chosen(self, index: int) -> None:
        name = self.loss_box.itemData(index)
        if name != self.session.loss_name:
            self.session.edit_stack(f"Set the loss to {name}", loss=name)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Delete:
            self.remove_selected()
        else:
            super().keyPressEvent(event)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = LayerListPanel(s)
    w.show()
    app.exec()
