"""Optimizer state, beside the weight it belongs to.

For the chosen parameter θ it shows θ and every array the optimizer keeps for
it, each as a heatmap of θ's shape:

* Momentum: the velocity ``momentum_buffer`` (b)
* Adagrad: the accumulated squared gradients ``sum``
* RMSProp: the running mean of g² ``square_avg`` (and ``grad_avg`` when centred)
* Adadelta: the running averages of g² and of Δθ² (``square_avg``, ``acc_delta``)
* Adam: the first and second moments ``exp_avg`` (m) and ``exp_avg_sq`` (v)

with the update rule and the step count t above them. Plain SGD keeps no state.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .matrix_plot import MatrixPlot
from .parameter_choice import ParameterChoice
from .redraw import RedrawTimer
from .weights_panel import axes_for


def state_arrays(optimizer, key) -> tuple[int, dict[str, np.ndarray]]:
    """``(step count t, {state name: array})`` the optimizer holds for ``key``."""
    state = getattr(optimizer, "state", {}).get(key) if optimizer is not None else None
    if not state:
        return 0, {}
    return int(state.get("step", 0)), {k: v for k, v in state.items() if isinstance(v, np.ndarray)}


class OptimizerStatePanel(QWidget):
    """For the parameter chosen above: θ and each state array the optimizer keeps for it, as heatmaps."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.choice = ParameterChoice()
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        self.formula.setStyleSheet("font-family: monospace;")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.grid = QGridLayout()
        top = QHBoxLayout()
        top.addWidget(self.choice, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.formula)
        layout.addWidget(self.status)
        layout.addLayout(self.grid, 1)
        #: the heatmaps, by name: "θ" first, then the optimizer's state names
        self.plots: dict[str, MatrixPlot] = {}
        self.titles: dict[str, QLabel] = {}
        self.redraw = RedrawTimer(self, self.choice.currentIndexChanged, session.state_changed)
        session.network_changed.connect(self._on_network_changed)
        self._on_network_changed()

    def _on_network_changed(self) -> None:
        self.choice.fill(self.session.network)
        self.redraw.mark_dirty()

    def _ensure_plots(self, names: list[str]) -> None:
        """Create, or drop, heatmaps so there is one per name (rarely: only when the optimizer changes)."""
        if list(self.plots) == names:
            return
        for name in list(self.plots):
            self.plots.pop(name).deleteLater()
            self.titles.pop(name).deleteLater()
        for col, name in enumerate(names):
            title, plot = QLabel(), MatrixPlot()
            title.setWordWrap(True)
            self.grid.addWidget(title, 0, col)
            self.grid.addWidget(plot, 1, col)
            self.titles[name], self.plots[name] = title, plot

    def refresh(self) -> None:
        net, opt, key = self.session.network, self.session.optimizer, self.choice.key()
        if net is None or key is None or opt is None:
            self._ensure_plots([])
            self.formula.setText("")
            self.status.setText("Choose an optimizer and a network to see its state.")
            return
        self.formula.setText(f"{opt.name}:\n{opt.formula}")
        t, arrays = state_arrays(opt, key)
        symbols = getattr(opt, "symbols", {})
        layer_index, name = key
        theta = net.layers[layer_index].params[name]
        self._ensure_plots(["θ", *arrays])
        axes = axes_for(theta.ndim)
        self.titles["θ"].setText(f"θ = {name} (the parameter)")
        self.plots["θ"].set_array(theta, name, axes)
        for state_name, array in arrays.items():
            symbol = symbols.get(state_name, state_name)
            self.titles[state_name].setText(f"{symbol} = {state_name}")
            self.plots[state_name].set_array(array, symbol, axes)
        if name in net.layers[layer_index].frozen:
            self.status.setText(f"{name} is frozen: the optimizer skips it and keeps no state for it.")
        elif not arrays:
            self.status.setText("No state yet: it appears after the first update." if symbols else
                                f"{opt.name} keeps no state: each update uses only the current gradient.")
        else:
            self.status.setText(f"After t = {t} update{'s' if t != 1 else ''} of this parameter.")

    def closeEvent(self, event) -> None:
        self.redraw.stop()
        self.session.network_changed.disconnect(self._on_network_changed)
        super().closeEvent(event)


if __name__ == "__main__":
    from .preview import preview
    preview(OptimizerStatePanel)
