"""The chain rule for the selected weight, written as on the lecture's slides:

    ∂E/∂w₅ = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w₅ = 0.741 · 0.187 · 0.593 = 0.082
    w₅⁺ = w₅ − η · ∂E/∂w₅ = 0.4 − 0.5 · 0.082 = 0.359

then a finite-difference check of the gradient. For a hidden weight the sum
behind ∂E/∂out (one path per unit of the next layer) is spelled out too; a
weight with many terms (a conv kernel cell, a batch) shows how many and the
largest. The numbers come from ``Debugger.explain`` (``core.explain``).
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from core.errors import LayerLabError
from core.optimizers import SGD

from ..lecture_names import Names, subscript_digits
from ..session import SessionController
from .diagram import is_neuron_drawable
from .redraw import RefreshSoon

REFRESH_MS = 33


def lecture_number(v: float) -> str:
    """As the slides print numbers: 0.4, 0.741, 0.082, 0.00044."""
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == round(v, 2):
        text = f"{v:g}"
    elif abs(v) >= 0.01:
        text = f"{v:.3f}"
    else:
        text = f"{v:.2g}"
    return text.replace("-", "−")


def factor(v: float) -> str:
    """A number inside a product: negative ones in parentheses, (−0.038)."""
    text = lecture_number(v)
    return f"({text})" if text.startswith("−") else text


def updated_number(old: float, new: float) -> str:
    """The new value with enough digits to show it moved: 0.359, 0.1498."""
    if round(new, 3) != round(old, 3):
        return lecture_number(new)
    return f"{new:.4f}".replace("-", "−")


def precise_number(v: float) -> str:
    return f"{v:.6g}".replace("-", "−")


class ChainRulePanel(QWidget):
    def __init__(self, session: SessionController, parent=None):
        super().__init__(parent)
        self.session = session
        self.heading = QLabel()
        self.heading.setObjectName("chain_heading")
        self.heading.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setObjectName("chain_text")
        self.text.setOpenLinks(False)
        box = QVBoxLayout(self)
        box.addWidget(self.heading)
        box.addWidget(self.text, 1)
        self._shown_key: tuple | None = None
        self._schedule = RefreshSoon(self, REFRESH_MS, self.refresh).request
        session.selection_changed.connect(self._schedule)
        session.state_changed.connect(self._schedule)
        session.network_changed.connect(self._schedule)
        self.refresh()


    def plain_text(self) -> str:
        return self.text.toPlainText()

    def refresh(self) -> None:
        s = self.session
        sel = s.selection
        if s.network is None or sel is None or sel.param is None or s.debugger is None or s.running:
            self._shown_key = None
        if s.network is None or sel is None or sel.param is None:
            if s.network is None or is_neuron_drawable(s.layers, s.input_shape):
                self.heading.setText("Click a weight or bias on the diagram (w5, for instance) to see "
                                     "∂E/∂w as the lecture writes it.")
            else:
                self.heading.setText("This network is drawn as blocks, with no single weight to click: the "
                                     "chain rule is written out for small dense networks (the worked example, "
                                     "XOR). Here the Weights tab shows every ∂E/∂w, the Values tab each δ.")
            self.text.setHtml(self._unit_html() if sel is not None and s.network is not None else "")
            return
        names = Names(s.layers, s.input_shape)
        w = names.param(sel.layer, sel.param, sel.index)
        self.heading.setText(f"Chain rule for {w} (layer {sel.layer}, {sel.param}"
                             f"[{', '.join(map(str, sel.index))}])")
        if s.debugger is None or s.running:
            self.text.setHtml("<p>Not available while running or while the network is invalid.</p>")
            return
        key = self._explanation_key()
        if key == self._shown_key:      # nothing it depends on changed (explaining LeNet takes ~1 s)
            return
        try:
            e = s.debugger.explain(sel.layer, sel.param, sel.index)
        except LayerLabError as err:
            self.text.setHtml(f"<p>{html.escape(str(err))}</p>")
        else:
            self.text.setHtml(self._explanation_html(e, names))
        self._shown_key = key

    def _explanation_key(self) -> tuple:
        """What an explanation depends on: the selection, the debugger and where
        it stands, and the parameter arrays (a what-if edit binds new ones)."""
        s = self.session
        dbg = s.debugger
        arrays = tuple(id(a) for layer in s.network.layers for a in layer.params.values())
        return (s.selection, id(dbg), dbg.cursor, dbg.history_depth, arrays,
                type(s.optimizer).__name__, tuple(s.optimizer.hyper.items()))

    # --- one weight --------------------------------------------------------------------
    def _explanation_html(self, e, names: Names) -> str:
        w = subscript_digits(names.param(e.layer_index, e.param_name, e.index))
        lhs = f"∂E/∂{w}"
        parts = []
        if e.factors:
            symbols = " · ".join(_symbol(f, w, names) for f in e.factors)
            numbers = " · ".join(factor(f.value) for f in e.factors)
            parts.append(f"<p style='font-size:13pt'>{lhs} = {symbols}<br>"
                         f"&nbsp;&nbsp;&nbsp;&nbsp;= {numbers} = <b>{lecture_number(e.value)}</b></p>")
            if e.paths:
                u = _unit(names, e.factors[0].layer, e.factors[0].unit)
                sym = " + ".join(f"δ{_unit(names, p.layer, p.unit)} · "
                                 f"{subscript_digits(names.param(p.layer, 'W', (e.factors[0].unit, p.unit)))}"
                                 for p in e.paths)
                nums = " + ".join(f"{factor(p.delta)} · {factor(p.weight)}" for p in e.paths)
                parts.append(f"<p>where ∂E/∂out{u} = {sym}<br>&nbsp;&nbsp;&nbsp;&nbsp;= {nums} = "
                             f"{lecture_number(sum(p.product for p in e.paths))}<br>"
                             f"<span style='color:gray'>(δ = ∂E/∂net of each unit {w} reaches "
                             f"through the next layer)</span></p>")
        elif e.n_terms == 0:
            parts.append(f"<p>{lhs} = 0: {w} feeds no output of this batch.</p>")
        else:
            tops = ", ".join(f"{precise_number(t.product)} at {t.position}" for t in e.top_terms)
            parts.append(f"<p style='font-size:13pt'>{lhs} = Σ over {e.n_terms} terms "
                         f"∂E/∂net · ∂net/∂{w} = <b>{precise_number(e.value)}</b></p>"
                         f"<p>largest terms (sample, unit, …): {tops}</p>")
        if e.note:    # a step layer on the way (no gradient flows), or kinks: right under the sum
            parts.append(f"<p style='color:#8a5a00'>⚠ {html.escape(e.note)}</p>")
        parts.append(self._update_html(e, w))
        ok = e.relative_difference < 1e-5
        parts.append(f"<p style='color:{'#1a7a2e' if ok else '#8a1512'}'>Finite-difference check: "
                     f"(E({w} + h) − E({w} − h)) / 2h ≈ {precise_number(e.finite_difference)}, "
                     f"backpropagation gives {precise_number(e.value)} "
                     f"(relative difference {e.relative_difference:.1e}) {'✓' if ok else '✗'}</p>")
        return "".join(parts)

    def _update_html(self, e, w: str) -> str:
        s = self.session
        layer = s.layers[e.layer_index]
        if e.param_name in layer.frozen:
            return f"<p>{w} is frozen: the update leaves it as it is.</p>"
        update = _finished_update(s, e)
        old = float(update.old[e.index]) if update is not None else \
            float(layer.params[e.param_name][e.index])
        opt = s.optimizer
        if isinstance(opt, SGD):
            lr = opt.hyper["lr"]
            new = float(update.new[e.index]) if update is not None else old - lr * e.value
            verb = "" if update is not None else " (after the update step)"
            return (f"<p style='font-size:13pt'>{w}⁺ = {w} − η · {'∂E/∂' + w} = {lecture_number(old)} − "
                    f"{factor(lr)} · {factor(e.value)} = <b>{updated_number(old, new)}</b>{verb}</p>")
        rule = html.escape(opt.formula).replace("\n", "<br>") if opt is not None else ""
        after = (f"{w}: {precise_number(old)} → <b>{precise_number(float(update.new[e.index]))}</b>"
                 if update is not None else "Step the update (F10 at the update) to see the new value.")
        return f"<p>Update by {type(opt).__name__}:<br>{rule}</p><p>{after}</p>"

    # --- one neuron ----------------------------------------------------------------------
    def _unit_html(self) -> str:
        s = self.session
        sel = s.selection
        if not sel.index:
            return ""
        names = Names(s.layers, s.input_shape)
        v = s.layer_values(sel.layer)
        j = sel.index[0]
        u = _unit(names, sel.layer, j)
        dout, slope, delta = (None, None, None) if v is None else \
            (v.get("dout", j), v.get("dout_dnet", j), v.get("delta", j))
        if dout is None or slope is None or delta is None:
            return f"<p>δ{u} = ∂E/∂net{u} appears once the backward pass reaches layer {sel.layer}.</p>"
        return (f"<p style='font-size:13pt'>δ{u} = ∂E/∂out{u} · ∂out{u}/∂net{u} = "
                f"{factor(dout)} · {factor(slope)} = <b>{lecture_number(delta)}</b></p>")


def _unit(names: Names, layer: int, unit: int) -> str:
    return f"<sub>{html.escape(names.unit(layer, unit))}</sub>"


def _symbol(f, w: str, names: Names) -> str:
    u = _unit(names, f.layer, f.unit)
    return {"dE/dout": f"∂E/∂out{u}", "dout/dnet": f"∂out{u}/∂net{u}",
            "dnet/dw": f"∂net{u}/∂{w}", "delta": f"∂E/∂net{u}"}[f.kind]


def _finished_update(s: SessionController, e):
    """The update record of the pass ``e`` explains, if that pass's update is done."""
    dbg = s.debugger
    if dbg.state.grads[e.layer_index] is not None:      # explained from the pass in progress
        return None
    last = dbg.last_iteration
    if last is None or last.update is None:
        return None
    return last.update.get(e.layer_index, e.param_name)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from ..session import Selection
    app = QApplication([])
    s = SessionController()
    s.load_template("worked_example")
    s.step("phase")
    s.step("layer")
    s.step("layer")
    s.select(Selection(1, "W", (0, 0)))
    w = ChainRulePanel(s)
    w.resize(560, 360)
    w.show()
    app.exec()
