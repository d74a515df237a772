"""Weights view: one parameter of the network as a heatmap with a colour bar.

Show switches between

* **value**     θ, the parameter itself,
* **gradient**  ∂E/∂θ from the last backward pass (stepping or training),
* **Δ update**  θ_new − θ_old, the change the last update made.

A dense layer's ``W`` is drawn with one row per input and one column per unit
(``net = x @ W + b``); conv kernels ``(out_ch, in_ch, kh, kw)`` as a grid of
small images. Hover a cell to read its value; click it to watch that weight
(its time series appears in the *Watched weights* panel).

The view redraws from a 30 Hz timer when something changed, never once per step.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..live_state import live_state
from .matrix_plot import MatrixPlot
from .parameter_choice import ParameterChoice
from .redraw import RedrawTimer

MODES = {"value": "value θ", "gradient": "gradient ∂E/∂θ", "delta": "Δ last update"}


class WeightsPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.live = live_state(session)
        self.choice = ParameterChoice()
        self.mode = QComboBox()
        for key, text in MODES.items():
            self.mode.addItem(text, key)
        self.mode.setToolTip("value: the parameter; gradient: ∂E/∂θ of the last backward pass; "
                             "Δ: how much the last update changed it")
        self.plot = MatrixPlot()
        self.note = QLabel()
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.choice, 1)
        top.addWidget(QLabel("show"))
        top.addWidget(self.mode)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)

        self.redraw = RedrawTimer(self, self.choice.currentIndexChanged, self.mode.currentIndexChanged,
                                  session.state_changed)
        self.plot.cell_clicked.connect(self._watch_cell)
        session.network_changed.connect(self._on_network_changed)
        self._on_network_changed()

    # --- model → view -------------------------------------------------------------
    def _on_network_changed(self) -> None:
        self.choice.fill(self.session.network)
        self.redraw.mark_dirty()

    def refresh(self) -> None:
        """Redraw now from the session's current values."""
        key, net = self.choice.key(), self.session.network
        if key is None or net is None or key[0] >= len(net.layers) or key[1] not in net.layers[key[0]].params:
            self.plot.set_array(None)
            self.note.setText("No parameters to show: build or load a network with weights.")
            return
        mode = self.mode.currentData()
        array, note = self.live.array(key, mode)
        name = {"value": "", "gradient": "∂E/∂", "delta": "Δ"}[mode] + key[1]
        self.plot.set_array(array, name, axes_for(net.layers[key[0]].params[key[1]].ndim))
        self.note.setText(note)

    def _watch_cell(self, index: tuple) -> None:
        key = self.choice.key()
        if key is not None:
            self.live.watches.add(key[0], key[1], index)

    def closeEvent(self, event) -> None:
        self.redraw.stop()
        self.session.network_changed.disconnect(self._on_network_changed)
        super().closeEvent(event)


def axes_for(ndim: int) -> tuple[str, str]:
    """Axis names: W (in, units) → input / unit; kernels → output / input channel; b → unit."""
    return {1: ("", "unit"), 2: ("input i", "unit j"),
            4: ("output channel (rows of kernels)", "input channel")}.get(ndim, ("row", "column"))


if __name__ == "__main__":
    from .preview import preview
    preview(WeightsPanel)
