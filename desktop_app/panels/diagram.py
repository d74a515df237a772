"""The network drawn as on the lecture's slides.

Small dense networks (≤ ``MAX_LAYERS`` layers of ≤ ``MAX_UNITS`` units) are drawn as neurons
and edges: an edge's colour is the sign of its weight (orange +, blue −) and
its thickness the weight's size; each neuron shows ``net`` and ``out`` once
computed; a square bias node feeds each layer. Hovering shows the numbers,
clicking selects a weight, bias or neuron (the chain-rule and values panels
follow), double-clicking a weight or bias edits it in place.

Any other network (conv, wide layers) is drawn as a row of blocks with each
layer's output shape (C × H × W) and parameter count.

While stepping, the current unit or layer is outlined green on the forward
pass and purple on the backward pass; a layer where a breakpoint hit, red. Values are redrawn from a timer at most
30 times a second, reading the session's latest state.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen,
                           QPolygonF)
from PySide6.QtWidgets import (QGraphicsEllipseItem, QGraphicsItem, QGraphicsLineItem,
                               QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsView, QLineEdit)

from core.layers.dense import Dense

from ..lecture_names import Names
from ..session import Selection, SessionController
from .formulas import activation_tooltip
from .layer_list import shape_text
from .redraw import RefreshSoon

MAX_UNITS = 12
MAX_LAYERS = 4
#: a layer with at most this many weights prints each value on its edge
MAX_LABELLED_WEIGHTS = 8
POSITIVE = QColor("#e07b00")
NEGATIVE = QColor("#1f5fbf")
FORWARD = QColor("#1a9c3a")
BACKWARD = QColor("#8e3cc9")
SELECTED = QColor("#d4148c")
HIT = QColor("#d62020")
NEURON_FILL = QColor("#fdfdf6")
COLUMN_GAP = 230
ROW_GAP = 110
RADIUS = 30
REFRESH_MS = 33
BLOCK_W, BLOCK_H = 170, 112
BLOCK_STEP_X, BLOCK_STEP_Y = 210, 165


def fmt(v: float) -> str:
    """A number as the lecture prints it: 4 significant digits, or 'nan' / '±inf'."""
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "−inf")
    return f"{v:.4g}".replace("-", "−")


def is_neuron_drawable(layers, input_shape) -> bool:
    """True when the network can be drawn neuron by neuron."""
    return (len(input_shape) == 1 and input_shape[0] <= MAX_UNITS and 0 < len(layers) <= MAX_LAYERS
            and all(isinstance(layer, Dense) and layer.units_count <= MAX_UNITS for layer in layers))


class _Clickable:
    """Mixin: click selects ``selection``; double-click asks the view to edit it."""
    selection: Selection | None = None

    def mousePressEvent(self, event):
        if self.selection is not None and event.button() == Qt.LeftButton:
            self.scene().views()[0].clicked(self.selection)
        event.accept()

    def mouseDoubleClickEvent(self, event):
        if self.selection is not None and self.selection.param is not None:
            self.scene().views()[0].edit_in_place(self.selection, event.scenePos())
        event.accept()


class NeuronItem(_Clickable, QGraphicsEllipseItem):
    def __init__(self, name: str, center: QPointF, selection: Selection | None):
        super().__init__(center.x() - RADIUS, center.y() - RADIUS, 2 * RADIUS, 2 * RADIUS)
        self.selection = selection
        self.center = center
        self.setBrush(QBrush(NEURON_FILL))
        self.setPen(QPen(QColor("#444"), 1.5))
        self.setZValue(2)
        self.setAcceptHoverEvents(True)
        label = QGraphicsSimpleTextItem(name, self)
        label.setFont(_font(12, bold=True))
        r = label.boundingRect()
        label.setPos(center.x() - r.width() / 2, center.y() - r.height() / 2)
        self.values = QGraphicsSimpleTextItem("", self)
        self.values.setFont(_font(9))
        self.values.setBrush(QBrush(QColor("#222")))

    def set_values(self, text: str) -> None:
        self.values.setText(text)
        r = self.values.boundingRect()
        self.values.setPos(self.center.x() - r.width() / 2, self.center.y() + RADIUS + 3)


class EdgeItem(_Clickable, QGraphicsLineItem):
    def __init__(self, a: QPointF, b: QPointF, selection: Selection, dashed=False):
        super().__init__(a.x(), a.y(), b.x(), b.y())
        self.selection = selection
        self.a, self.b = a, b
        self.dashed = dashed
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        #: the printed value (small layers only) and where along the edge it sits
        self.label: QGraphicsSimpleTextItem | None = None
        self.label_at = a + (b - a) * 0.3       # a third of the way, where crossing edges are apart

    def shape(self):
        # a wider hit area than the drawn line, so thin edges are easy to click
        path = QPainterPath(self.a)
        path.lineTo(self.b)
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(path)

    def set_weight(self, value: float, scale: float, highlight: QColor | None) -> None:
        if self.dashed:      # a bias: thin, its value is printed on the bias node
            width = 1.0
        elif np.isfinite(value) and scale > 0:
            width = 1.0 + 5.0 * min(1.0, abs(value) / scale)
        else:
            width = 1.0
        colour = QColor(highlight or (POSITIVE if value >= 0 else NEGATIVE))
        if self.dashed and highlight is None:
            colour.setAlpha(110)
        pen = QPen(colour, width + (1.5 if highlight is not None else 0))
        if self.dashed:
            pen.setStyle(Qt.DashLine)
        self.setPen(pen)


class BlockItem(_Clickable, QGraphicsRectItem):
    def __init__(self, rect: QRectF, lines: list[str], selection: Selection | None):
        super().__init__(rect)
        self.selection = selection
        self.setBrush(QBrush(QColor("#f3f6fb")))
        self.setPen(QPen(QColor("#5a6b85"), 1.5))
        self.setAcceptHoverEvents(True)
        y = rect.top() + 8
        for k, line in enumerate(lines):
            t = QGraphicsSimpleTextItem(line, self)
            t.setFont(_font(10 if k else 11, bold=k == 0))
            r = t.boundingRect()
            t.setPos(rect.center().x() - r.width() / 2, y)
            y += r.height() + 2
        self.rect_ = rect
        #: below the block: what the shown pass computed in this layer
        self.values = QGraphicsSimpleTextItem("", self)
        self.values.setFont(_font(9))

    def set_values(self, text: str) -> None:
        self.values.setText(text)
        r = self.values.boundingRect()
        self.values.setPos(self.rect_.center().x() - r.width() / 2, self.rect_.bottom() + 3)


def value_summary(v) -> str:
    """Two short lines on a layer's computed values for the shown sample: the
    range of ``out`` and the size of δ."""
    if v is None:
        return ""
    out = v.of_sample("out")
    lines = [f"out ∈ [{fmt(float(out.min()))}, {fmt(float(out.max()))}]"]
    if v.delta is not None:
        delta = np.abs(v.of_sample("delta"))
        lines.append(f"mean |δ| = {fmt(float(delta.mean()))}")
    return "\n".join(lines)


class NetworkDiagram(QGraphicsView):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.Antialiasing)
        self.setMinimumSize(420, 300)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.neurons: dict[tuple[int, int], NeuronItem] = {}     # (layer, unit), layer −1 = input
        self.edges: dict[tuple[int, str, tuple], EdgeItem] = {}   # (layer, "W"/"b", index)
        self.blocks: dict[int, BlockItem] = {}
        self.bias_labels: dict[int, tuple[QGraphicsSimpleTextItem, QPointF]] = {}
        self.loss_terms: dict[int, QGraphicsSimpleTextItem] = {}
        self.loss_label: QGraphicsSimpleTextItem | None = None
        self.captions: list[QGraphicsSimpleTextItem] = []          # under each column of neurons
        self.mode = "empty"
        #: the in-place weight editor while one is open
        self.editor: QLineEdit | None = None
        self._schedule = RefreshSoon(self, REFRESH_MS, self.refresh_values).request
        session.network_changed.connect(self.rebuild)
        session.state_changed.connect(self._schedule)
        session.selection_changed.connect(self._schedule)
        self.rebuild()

    # --- building the scene -------------------------------------------------------
    def rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self.neurons.clear()
        self.edges.clear()
        self.blocks.clear()
        self.bias_labels.clear()
        self.loss_terms.clear()
        self.captions.clear()
        self.loss_label = None
        s = self.session
        self.names = Names(s.layers, s.input_shape)
        if is_neuron_drawable(s.layers, s.input_shape) and s.network is not None:
            self.mode = "neurons"
            self._build_neurons()
        elif s.layers:
            self.mode = "blocks"
            self._build_blocks()
        else:
            self.mode = "empty"
            scene.addSimpleText("Add layers from the palette to see the network here.")
        self.refresh_values()
        self.fit()

    def _column(self, n: int, col: int) -> list[QPointF]:
        top = -(n - 1) * ROW_GAP / 2
        return [QPointF(col * COLUMN_GAP, top + k * ROW_GAP) for k in range(n)]

    def _build_neurons(self) -> None:
        s = self.session
        scene = self.scene()
        sizes = [s.input_shape[0]] + [layer.units_count for layer in s.layers]
        columns = [self._column(n, c) for c, n in enumerate(sizes)]
        top = min(p.y() for col in columns for p in col)
        caption_y = max(p.y() for col in columns for p in col) + RADIUS + 62   # under the values of every column
        for j, p in enumerate(columns[0]):
            item = NeuronItem(self.names.unit(-1, j), p, None)
            item.setBrush(QBrush(QColor("#eef2f7")))
            scene.addItem(item)
            self.neurons[(-1, j)] = item
        for li, layer in enumerate(s.layers):
            src, dst = columns[li], columns[li + 1]
            bias_at = QPointF(dst[0].x() - COLUMN_GAP * 0.45, top - ROW_GAP * 0.75)
            for j, q in enumerate(dst):
                neuron = NeuronItem(self.names.unit(li, j), q, Selection(li, None, (j,)))
                scene.addItem(neuron)
                self.neurons[(li, j)] = neuron
                for i, p in enumerate(src):
                    self._add_edge(li, "W", (i, j), p, q)
                self._add_edge(li, "b", (j,), bias_at, q, dashed=True)
            box = QGraphicsRectItem(bias_at.x() - 40, bias_at.y() - 14, 80, 28)
            box.setBrush(QBrush(QColor("#f7f0e0")))
            box.setPen(QPen(QColor("#8a6d2b")))
            box.setZValue(2)
            box.setToolTip("Bias: a constant input 1 whose weights are this layer's b")
            scene.addItem(box)
            self.bias_labels[li] = (QGraphicsSimpleTextItem("", box), bias_at)
            act = layer.activation.name
            self._caption(f"Dense({layer.units_count})" + ("" if act == "identity" else f"\n{act}"),
                          QPointF(dst[0].x(), caption_y), f"{layer!r}\n{activation_tooltip(act)}")
        for j, q in enumerate(columns[-1]):
            term = QGraphicsSimpleTextItem("")
            term.setFont(_font(10))
            term.setPos(q.x() + RADIUS + 10, q.y() - 8)
            scene.addItem(term)
            self.loss_terms[j] = term
        self._add_loss_label(QPointF(columns[-1][0].x() + RADIUS + 10, columns[-1][-1].y() + 16))
        self._caption("input", QPointF(columns[0][0].x(), caption_y), "The input values x of the sample shown")

    def _caption(self, text: str, at: QPointF, tooltip: str) -> None:
        """A column's caption, centred under ``at``, drawn at the same size on screen however
        far a big network is zoomed out to fit (it ignores the view's scaling)."""
        anchor = QGraphicsRectItem(0, 0, 0, 0)
        anchor.setPen(QPen(Qt.NoPen))
        anchor.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        anchor.setPos(at)
        label = QGraphicsSimpleTextItem(text, anchor)
        label.setFont(_font(9))
        label.setBrush(QBrush(QColor("#555")))
        label.setToolTip(tooltip)
        label.setPos(-label.boundingRect().width() / 2, 0)
        self.scene().addItem(anchor)
        self.captions.append(label)

    def _add_edge(self, layer, param, index, a, b, dashed=False) -> None:
        edge = EdgeItem(a, b, Selection(layer, param, index), dashed)
        self.scene().addItem(edge)
        self.edges[(layer, param, index)] = edge
        if param == "W" and self.session.layers[layer].params[param].size <= MAX_LABELLED_WEIGHTS:
            label = QGraphicsSimpleTextItem("", edge)
            label.setFont(_font(9))
            label.setZValue(3)
            edge.label = label

    def _build_blocks(self) -> None:
        """Blocks left to right, wrapped into rows so a long network stays legible."""
        s = self.session
        entries = [("input", ["input", shape_text(s.input_shape)], None)]
        for i, layer in enumerate(s.layers):
            shape = shape_text(s.shapes[i]) if i < len(s.shapes) else "?"
            lines = [f"{i}  {type(layer).__name__}", _short_config(layer), shape,
                     f"{layer.param_count():,} params" if i < len(s.shapes) else ""]
            if i == s.stack_error_index:
                lines.append("⚠ does not fit")
            entries.append((i, lines, Selection(i, None, ())))
        per_row = max(3, math.ceil(math.sqrt(len(entries))))
        for k, (key, lines, selection) in enumerate(entries):
            x, y = (k % per_row) * BLOCK_STEP_X, (k // per_row) * BLOCK_STEP_Y
            block = BlockItem(QRectF(x, y, BLOCK_W, BLOCK_H), [ln for ln in lines if ln], selection)
            act = getattr(s.layers[key], "activation", None) if key != "input" else None
            if act is not None:
                block.setToolTip(activation_tooltip(act.name))
            if key == s.stack_error_index:
                block.setBrush(QBrush(QColor("#fde2e1")))
                block.setToolTip(str(s.stack_error))
            self.scene().addItem(block)
            if key != "input":
                self.blocks[key] = block
                if k % per_row:
                    self._arrow(QPointF(x - (BLOCK_STEP_X - BLOCK_W) + 2, y + BLOCK_H / 2),
                                QPointF(x - 2, y + BLOCK_H / 2))
                else:        # first of a row: the arrow comes down from the end of the last row
                    # (from the right edge of the row's last block, clear of its value text)
                    end = QPointF((per_row - 1) * BLOCK_STEP_X + BLOCK_W - 12, y - (BLOCK_STEP_Y - BLOCK_H))
                    self._arrow(end, QPointF(x + BLOCK_W / 2, y - 2), via=QPointF(end.x(), y - 14))
        rows = math.ceil(len(entries) / per_row)
        self._add_loss_label(QPointF(0, rows * BLOCK_STEP_Y - 10))

    def _arrow(self, a: QPointF, b: QPointF, via: QPointF | None = None) -> None:
        pen = QPen(QColor("#777"), 2)
        points = [a] + ([via, QPointF(b.x(), via.y())] if via is not None else []) + [b]
        for p, q in zip(points, points[1:]):
            self.scene().addLine(p.x(), p.y(), q.x(), q.y(), pen)
        head = QPolygonF([b, b + QPointF(-8, -5), b + QPointF(-8, 5)] if via is None else
                         [b, b + QPointF(-5, -8), b + QPointF(5, -8)])
        self.scene().addPolygon(head, pen, QBrush(QColor("#777")))

    def _add_loss_label(self, at: QPointF) -> None:
        self.loss_label = QGraphicsSimpleTextItem("")
        self.loss_label.setFont(_font(12, bold=True))
        self.loss_label.setBrush(QBrush(QColor("#8a1512")))
        self.loss_label.setPos(at)
        self.loss_label.setToolTip(f"Loss: {self.session.network.loss.formula}" if self.session.network else "")
        self.scene().addItem(self.loss_label)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-20, -20, 20, 20)
        self.setSceneRect(rect)
        self.fitInView(rect, Qt.KeepAspectRatio)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()

    # --- values ---------------------------------------------------------------------

    def refresh_values(self) -> None:
        s = self.session
        loss = s.loss_values() if s.network is not None else None
        pos = s.position()
        if self.loss_label is not None:
            at_loss = pos is not None and pos.direction == "breakpoint" and pos.layer is None
            text = "" if loss is None else f"E_total = {fmt(loss[0])}"
            self.loss_label.setText(f"⚠ {text} (breakpoint)" if at_loss else text)
            self.loss_label.setBrush(QBrush(HIT if at_loss else QColor("#8a1512")))
        for j, term in self.loss_terms.items():
            name = self.names.unit(len(s.layers) - 1, j)
            term.setText("" if loss is None or j >= len(loss[1]) else f"E_{name} = {fmt(loss[1][j])}")
        colour = None if pos is None else {"backward": BACKWARD, "breakpoint": HIT}.get(pos.direction, FORWARD)
        sel = s.selection
        if self.mode == "neurons":
            self._refresh_neurons(pos, colour, sel)
        elif self.mode == "blocks":
            for i, block in self.blocks.items():
                block.set_values(value_summary(s.layer_values(i)))
                current = pos is not None and pos.layer == i
                selected = sel is not None and sel.layer == i
                pen = QPen(colour if current else (SELECTED if selected else QColor("#5a6b85")),
                           4 if current or selected else 1.5)
                block.setPen(pen)
        if not self.sceneRect().contains(self.scene().itemsBoundingRect()):
            self.fit()     # a longer label grew past the edge

    def _refresh_neurons(self, pos, colour, sel) -> None:
        s = self.session
        values = [s.layer_values(i) for i in range(len(s.layers))]
        grads = [s.layer_grads(i) for i in range(len(s.layers))]
        x_values = None if values[0] is None else values[0].of_sample("x")
        for (li, j), neuron in self.neurons.items():
            if li < 0:
                text = "" if x_values is None else fmt(x_values[j])
                tip = f"{self.names.unit(-1, j)} = {text or 'not given yet'}"
            else:
                v = values[li]
                parts = []
                for key, label in (("net", "net"), ("out", "out"), ("delta", "δ")):
                    value = v.get(key, j) if v is not None else None
                    if value is not None:
                        parts.append(f"{label} {fmt(value)}")
                text = "\n".join(parts)
                tip = f"{self.names.unit(li, j)}: " + (", ".join(parts) if parts else "not computed yet")
            neuron.set_values(text)
            neuron.setToolTip(tip)
            current = pos is not None and li == pos.layer and (pos.unit is None or pos.unit == j)
            selected = sel is not None and sel.param is None and (sel.layer, sel.index) == (li, (j,))
            if current:
                neuron.setPen(QPen(colour, 5))
            elif selected:
                neuron.setPen(QPen(SELECTED, 4))
            else:
                neuron.setPen(QPen(QColor("#444"), 1.5))
        weights = [layer.params["W"] for layer in s.layers]
        scale = max((float(np.max(np.abs(w))) for w in weights if w.size and np.all(np.isfinite(w))),
                    default=1.0)
        for (li, param, index), edge in self.edges.items():
            value = float(s.layers[li].params[param][index])
            name = self.names.param(li, param, index)
            tip = f"{name} = {fmt(value)}"
            if grads[li] is not None:
                tip += f"\n∂E/∂{name} = {fmt(float(grads[li][param][index]))}"
            if param in s.layers[li].frozen:
                tip += "\n(frozen: not updated)"
            edge.setToolTip(tip + "\nClick to explain, double-click to edit")
            is_sel = sel is not None and (sel.layer, sel.param, sel.index) == (li, param, index)
            edge.set_weight(value, scale, SELECTED if is_sel else None)
            if edge.label is not None:
                edge.label.setText(f"{name} {fmt(value)}" if self.names.named else fmt(value))
                edge.label.setBrush(QBrush(SELECTED if is_sel else QColor("#333")))
                r = edge.label.boundingRect()
                edge.label.setPos(edge.label_at.x() - r.width() / 2, edge.label_at.y() - r.height() - 2)
        for li, (label, at) in self.bias_labels.items():
            b = s.layers[li].params["b"]
            name = self.names.param(li, "b", (0,)) if self.names.named else "bias"
            label.setText(f"{name} = {fmt(float(b[0]))}" if np.all(b == b[0]) else name)
            r = label.boundingRect()
            label.setPos(at.x() - r.width() / 2, at.y() - r.height() / 2)

    # --- interaction ----------------------------------------------------------------
    def clicked(self, selection: Selection) -> None:
        self.session.select(selection)

    def edit_in_place(self, selection: Selection, scene_pos: QPointF) -> None:
        """A small line edit over the diagram; Enter sets the value, Escape cancels."""
        self.close_editor()
        value = float(self.session.layers[selection.layer].params[selection.param][selection.index])
        editor = QLineEdit(f"{value:.6g}", self.viewport())
        editor.setObjectName("weight_editor")
        editor.setFixedWidth(110)
        editor.move(self.mapFromScene(scene_pos))
        editor.selectAll()

        def commit():
            if self.editor is not editor:     # already closed
                return
            text = editor.text().replace("−", "-").strip()
            self.close_editor()
            try:
                new = float(text)
            except ValueError:
                self.session.error.emit(f"{text!r} is not a number; the weight keeps its value.")
                return
            self.session.set_param_value(selection.layer, selection.param, selection.index, new)
        editor.returnPressed.connect(commit)
        editor.show()
        editor.setFocus()
        self.editor = editor

    def close_editor(self) -> None:
        if self.editor is not None:
            self.editor.hide()
            self.editor.deleteLater()
            self.editor = None

    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Escape and self.editor is not None:
            self.close_editor()
        else:
            super().keyPressEvent(event)


def _font(size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(size)
    f.setBold(bold)
    return f


def _short_config(layer) -> str:
    """The settings of a layer in a few characters, for a block."""
    text = repr(layer)
    inner = text[text.index("(") + 1:-1] if "(" in text else ""
    return inner if len(inner) < 24 else inner[:22] + "…"


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = NetworkDiagram(s)
    w.resize(900, 600)
    w.show()
    app.exec()
