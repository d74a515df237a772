"""The layer palette: every layer kind the engine has. Click *Add* (or
double-click a kind) to append one after the selected layer, or drag a kind
onto the layer list to insert it where it is dropped."""
from __future__ import annotations

import inspect

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from core.errors import LayerLabError
from core.layers import LAYER_TYPES

from ..session import Selection, SessionController

#: MIME type of a palette drag: its data is the layer type's name
LAYER_MIME = "application/x-layerlab-layer-type"

#: constructor arguments of a new layer from the palette, by type name
NEW_LAYER_CONFIG = {
    "Dense": {"units": 2, "activation": "sigmoid"},
    "Activation": {"name": "relu"},
    "Conv2D": {"filters": 4, "kernel_size": 3},
    "MaxPool2D": {"size": 2},
    "AvgPool2D": {"size": 2},
    "Dropout": {"rate": 0.5},
}


def new_layer(type_name: str):
    """A layer of kind ``type_name`` with the palette's default settings."""
    return LAYER_TYPES[type_name](**NEW_LAYER_CONFIG.get(type_name, {}))


def describe(type_name: str) -> str:
    """First paragraph of the layer class's docstring (or its module's)."""
    cls = LAYER_TYPES[type_name]
    doc = inspect.getdoc(cls) or inspect.getdoc(inspect.getmodule(cls)) or type_name
    return doc.split("\n\n")[0]


class _PaletteList(QListWidget):
    def startDrag(self, actions):
        item = self.currentItem()
        if item is None:
            return
        mime = QMimeData()
        mime.setData(LAYER_MIME, item.data(Qt.UserRole).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.CopyAction)


class LayerPalette(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.list = _PaletteList()
        self.list.setDragEnabled(True)
        self.list.setObjectName("palette_list")
        for name in LAYER_TYPES:
            item = QListWidgetItem(name)
            item.setData(Qt.UserRole, name)
            item.setToolTip(describe(name))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda item: self.add(item.data(Qt.UserRole)))
        add = QPushButton("Add layer")
        add.setToolTip("Add the chosen kind after the selected layer (or drag it onto the layer list)")
        add.clicked.connect(lambda: self.add(self.list.currentItem().data(Qt.UserRole)))
        self.add_button = add
        hint = QLabel("Drag onto the layer list, or select and press Add.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray;")
        box = QVBoxLayout(self)
        box.addWidget(self.list)
        box.addWidget(add)
        box.addWidget(hint)

    def add(self, type_name: str, index: int | None = None) -> None:
        """Insert a new ``type_name`` layer at ``index`` (default: after the selected layer)."""
        add_layer(self.session, type_name, index)


def add_layer(session: SessionController, type_name: str, index: int | None = None) -> None:
    """Insert a new layer as one undoable edit; a bad setting becomes an error message."""
    try:
        layer = new_layer(type_name)
    except LayerLabError as e:
        session.error.emit(str(e))
        return
    layers = list(session.layers)
    if index is None:
        sel = session.selection
        index = sel.layer + 1 if sel is not None else len(layers)
    index = max(0, min(index, len(layers)))
    layers.insert(index, layer)
    session.edit_stack(f"Add {type_name}", layers=layers)
    session.select(Selection(index, None, ()))


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    w = LayerPalette(s)
    w.show()
    app.exec()
