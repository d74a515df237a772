"""A combo box listing every parameter of the session's network
("layer 1 · Dense(2) · W  (2×2)"), kept in step with the network.

Shared by the weights view, the histograms and the optimizer-state view."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def parameter_keys(net) -> list[tuple[int, str]]:
    """``(layer_index, name)`` of every parameter of ``net``, in order."""
    if net is None:
        return []
    return [(i, name) for i, layer in enumerate(net.layers) for name in layer.params]


def parameter_label(net, key: tuple[int, str]) -> str:
    i, name = key
    layer = net.layers[i]
    shape = "×".join(map(str, layer.params[name].shape))
    return f"layer {i} · {layer!r} · {name}  ({shape})"


def _encode(key) -> str:
    return f"{key[0]}:{key[1]}"


def _decode(data: str) -> tuple[int, str]:
    index, name = data.split(":", 1)
    return int(index), name


class ParameterChoice(QComboBox):
    """Items carry ``"layer_index:name"`` as data; ``key()`` is the current one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.setToolTip("Which parameter to show: W holds the weights (row = input, column = unit), b the biases")

    def fill(self, net) -> None:
        """Re-list the parameters of ``net``, keeping the current choice if it still exists."""
        current = self.key()
        self.blockSignals(True)
        self.clear()
        for key in parameter_keys(net):
            self.addItem(parameter_label(net, key), _encode(key))
        index = self.findData(_encode(current)) if current is not None else -1
        self.setCurrentIndex(index if index >= 0 else 0 if self.count() else -1)
        self.blockSignals(False)
        self.currentIndexChanged.emit(self.currentIndex())

    def key(self) -> tuple[int, str] | None:
        data = self.currentData()
        return _decode(data) if data else None

    def select(self, key: tuple[int, str]) -> None:
        index = self.findData(_encode(key))
        if index >= 0:
            self.setCurrentIndex(index)
