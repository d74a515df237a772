"""Show one panel on its own, for a quick look while developing it:

    python -m desktop_app.panels.weights_panel

builds a session with a small network on the XOR data (a 2-8-2 softmax MLP
trained with Adam) and opens the panel over it."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def preview_session():
    """A session holding a 2-8-2 MLP, Adam and the XOR toy data."""
    from core import Dense, Network
    from core.datasets.toy import TOY_DATASETS
    from core.optimizers import Adam

    from ..session import SessionController
    session = SessionController()
    net = Network([Dense(8, activation="tanh"), Dense(2, activation="softmax")],
                  input_shape=(2,), loss="cross_entropy")
    x, y = TOY_DATASETS["xor"].generate()
    session.set_network(net, Adam(lr=0.01), x, y, dataset_name="xor")
    return session


def preview(panel_class) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    session = preview_session()
    panel = panel_class(session)
    panel.setWindowTitle(panel_class.__name__)
    panel.resize(640, 480)
    panel.show()
    app.exec()
