"""Make the README's pictures from the app itself.

    .venv/bin/python scripts/make_screenshots.py            # the three pictures in docs/images/
    .venv/bin/python scripts/make_screenshots.py --all /tmp/shots   # also one picture per template

* worked_example_backward.png: the worked example stopped in the middle of the
  backward pass (the output layer done, the hidden layer next) with w5
  selected, so the chain-rule panel shows ∂E/∂w5 = 0.741 · 0.187 · 0.593 = 0.082.
* lenet5_inspector.png: LeNet-5 with a digit of its dataset in the conv
  inspector: the input, each conv layer's kernels and feature maps, the pools.
* training_circle.png: the disc-inside-a-ring network trained a few epochs
  (seed 0) on its toy data: the loss curves and the decision regions.

Runs offscreen; nothing is read from or written to the user's settings.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LAYERLAB_SETTINGS_DIR", tempfile.mkdtemp(prefix="layerlab-shots-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.templates import TEMPLATES  # noqa: E402
from desktop_app.live_state import live_state  # noqa: E402
from desktop_app.main_window import MainWindow  # noqa: E402
from desktop_app.session import Selection, SessionController  # noqa: E402
from desktop_app.training_job import TrainingSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
SIZE = (1600, 1000)


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def window_for(template: str) -> tuple[MainWindow, SessionController]:
    session = SessionController()
    window = MainWindow(session)
    window.remember_layout = False
    session.load_template(template)
    window.resize(*SIZE)
    window.show()
    return window, session


def save(window: MainWindow, path: Path) -> None:
    settle()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise SystemExit(f"Could not write {path}")
    print(f"Saved {path}")
    window.project_actions.dirty = False      # a picture, not an edit: no "save changes?" on close
    window.close()


def worked_example_backward(path: Path) -> None:
    window, session = window_for("worked_example")
    session.step("phase")       # forward pass
    session.step("layer")       # the loss
    session.step("layer")       # backward through the output layer
    session.select(Selection(1, "W", (0, 0)))    # w5
    for dock in window.docks.values():           # this picture is about the debugger
        if window.dockWidgetArea(dock) == Qt.BottomDockWidgetArea:
            dock.hide()
    window.docks["values"].raise_()
    window.resizeDocks([window.docks["chain_rule"], window.docks["values"]], [330, 420], Qt.Vertical)
    save(window, path)


def hide_docks(window: MainWindow, keys) -> None:
    for key in keys:
        window.docks[key].hide()


def lenet5_inspector(path: Path, sample: int = 3) -> None:
    window, session = window_for("lenet5")
    hide_docks(window, ["chain_rule", "palette", "layers", "properties", "training", "decision"])
    window.docks["conv_inspector"].raise_()
    window.conv_inspector.show_dataset_sample(sample)
    window.resizeDocks([window.docks["conv_inspector"]], [1180], Qt.Horizontal)
    settle()
    window.conv_inspector.select_cell(0, "out", 2, 14, 14)     # explain one cell: its dot product
    save(window, path)


def training_circle(path: Path, epochs: int = 40) -> None:
    window, session = window_for("circle_mlp")
    hide_docks(window, ["palette", "properties", "chain_rule"])
    panel = window.panels["training"]
    panel.show_settings(TrainingSettings(epochs=epochs, batch_size=16, val_split=0.2, seed=0))
    panel.start()
    while live_state(session).training:
        settle(100)
    window.docks["weights"].raise_()
    window.resizeDocks([window.docks["training"]], [430], Qt.Vertical)
    window.resizeDocks([window.docks["training"], window.docks["decision"]], [900, 700], Qt.Horizontal)
    save(window, path)


def template_pictures(folder: Path) -> None:
    for name in TEMPLATES:
        window, session = window_for(name)
        session.step("phase")
        save(window, folder / f"{name}.png")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", metavar="FOLDER", help="also save one picture per template into FOLDER")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    worked_example_backward(IMAGES / "worked_example_backward.png")
    lenet5_inspector(IMAGES / "lenet5_inspector.png")
    training_circle(IMAGES / "training_circle.png")
    if args.all:
        template_pictures(Path(args.all))
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
