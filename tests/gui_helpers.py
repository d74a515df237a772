"""Shared helpers for the GUI tests of the main window, builder and debugger."""
from __future__ import annotations

from desktop_app.main_window import MainWindow
from desktop_app.session import SessionController

#: long enough for the panels' 33 ms refresh timers to fire
SETTLE_MS = 80


def open_window(qtbot, template: str | None = "worked_example") -> tuple[MainWindow, SessionController]:
    session = SessionController()
    window = MainWindow(session)
    qtbot.addWidget(window)
    if template:
        session.load_template(template)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window, session


def settle(qtbot) -> None:
    qtbot.wait(SETTLE_MS)


def act(window: MainWindow, key: str) -> None:
    """Trigger a debugger action (Step unit … Reset) as its button would."""
    window.debugger_actions.actions[key].trigger()


def diagram_texts(window: MainWindow) -> dict:
    """What the diagram prints: each neuron's values, the loss labels, weight labels."""
    d = window.panels["diagram"]
    texts = {f"neuron {k}": n.values.text() for k, n in d.neurons.items()}
    texts.update({f"edge {k}": e.label.text() for k, e in d.edges.items() if e.label is not None})
    texts["loss"] = d.loss_label.text() if d.loss_label is not None else ""
    texts.update({f"E term {j}": t.text() for j, t in d.loss_terms.items()})
    return texts


def table_texts(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def panel_snapshot(window: MainWindow) -> dict:
    """Everything the debugger panels show, to compare before and after a step back."""
    values = window.panels["values"]
    return {"diagram": diagram_texts(window),
            "units": table_texts(values.units), "params": table_texts(values.params),
            "chain": window.panels["chain_rule"].plain_text(),
            "status": {k: lab.text() for k, lab in window.status_labels.items() if k != "stop"}}
