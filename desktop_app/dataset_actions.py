"""The Data menu: load a dataset from :mod:`core.datasets` into the session.

Each loader is a plain function ``load_…(session, …) -> bool`` (the menu
actions only ask for the file or folder first): it calls the core loader,
gives the arrays to ``session.set_data`` and says so in the status bar. A
failure (a missing file, a broken IDX file, an unreadable image) is reported
through ``session.error`` and leaves the loaded data as it was. When the
samples do not fit the network's input, a message says which template or
input shape would take them.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog

from core.datasets import digits, load_csv, load_image_folder, load_mnist_folder, standardize
from core.errors import LayerLabError

#: the input shape image loaders fit pictures to when no image network is loaded
DEFAULT_IMAGE_SHAPE = (1, 28, 28)


def _adopt(session, x, y, name: str) -> bool:
    session.set_data(x, y, name)
    net = session.network
    fits = net is not None and tuple(x.shape[1:]) == net.input_shape
    hint = "" if fits or net is None else (
        f" The network takes samples of shape {net.input_shape}; these are {tuple(x.shape[1:])}: "
        f"load a matching template (LeNet-5 takes 1 × 28 × 28 images) or change the input shape.")
    session.message.emit(f"Loaded {name}: {len(x):,} samples of shape {tuple(x.shape[1:])}.{hint}")
    return True


def _run(session, what: str, load) -> bool:
    """Call ``load()`` with a busy cursor; report a LayerLabError instead of raising it."""
    QGuiApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        return load()
    except LayerLabError as e:
        session.error.emit(f"Could not load {what}: {e}")
        return False
    finally:
        QGuiApplication.restoreOverrideCursor()


def load_digits(session, n: int = 1000, seed: int = 0) -> bool:
    """Generated handwritten-style digits (n, 1, 28, 28) with labels 0–9."""
    def load():
        x, y = digits(n, seed=seed)
        return _adopt(session, x, y, f"digits (n = {n:,}, seed {seed})")
    return _run(session, "the digits", load)


def load_mnist(session, folder: str, part: str = "train") -> bool:
    """MNIST or Fashion-MNIST from a folder of the four IDX files; ``part`` "train" or "test"."""
    def load():
        data = load_mnist_folder(folder)
        x, y = (data.x_train, data.y_train) if part == "train" else (data.x_test, data.y_test)
        return _adopt(session, x, y, f"{os.path.basename(os.path.normpath(folder))} ({part} set)")
    return _run(session, f"the MNIST folder {folder}", load)


def load_images(session, folder: str, mode: str = "pad") -> bool:
    """An image folder (one subfolder per class), fitted to the network's input."""
    net = session.network
    shape = net.input_shape if net is not None and len(net.input_shape) == 3 else DEFAULT_IMAGE_SHAPE

    def load():
        data = load_image_folder(folder, shape, mode=mode)
        classes = ", ".join(f"{k} {name}" for k, name in enumerate(data.class_names[:10]))
        more = " …" if len(data.class_names) > 10 else ""
        return _adopt(session, data.x, data.y,
                      f"{os.path.basename(os.path.normpath(folder))} (classes: {classes}{more})")
    return _run(session, f"the image folder {folder}", load)


def load_csv_file(session, path: str, standardized: bool = False) -> bool:
    """A CSV table (header row; the last column is the target, the others are
    features); ``standardized`` rescales each feature to mean 0, standard deviation 1."""
    def load():
        data = load_csv(path)
        x = standardize(data.x)[0] if standardized else data.x
        classes = f", classes: {', '.join(data.class_names[:10])}" if data.class_names else ""
        scaled = ", standardized" if standardized else ""
        return _adopt(session, x, data.y,
                      f"{os.path.basename(path)} (target {data.target_name}{classes}{scaled})")
    return _run(session, f"the CSV file {path}", load)


def install_dataset_actions(window) -> None:
    """Add the Data menu to ``window`` and the dataset browser dock."""
    from .panels.dataset_browser import DatasetBrowser
    session = window.session
    menu = window.menuBar().addMenu("&Data")

    def ask_digits():
        n, ok = QInputDialog.getInt(window, "Built-in digits", "Number of digits:", 1000, 10, 20000, 100)
        if ok:
            load_digits(session, n)

    def ask_mnist():
        folder = QFileDialog.getExistingDirectory(window, "Folder with the four MNIST / Fashion-MNIST files")
        if not folder:
            return
        part, ok = QInputDialog.getItem(window, "MNIST", "Which set:", ["train", "test"], 0, False)
        if ok:
            load_mnist(session, folder, part)

    def ask_images():
        folder = QFileDialog.getExistingDirectory(window, "Image folder (one subfolder per class)")
        if folder:
            load_images(session, folder)

    def ask_csv():
        path, _ = QFileDialog.getOpenFileName(window, "CSV file (header row, target in the last column)", "",
                                              "CSV files (*.csv);;All files (*)")
        if not path:
            return
        choices = ["as they are", "standardized (mean 0, standard deviation 1 per column)"]
        choice, ok = QInputDialog.getItem(window, "CSV features", "Features:", choices, 0, False)
        if ok:
            load_csv_file(session, path, standardized=choice == choices[1])

    for text, slot in (("Built-in &digits…", ask_digits), ("&MNIST / Fashion-MNIST folder…", ask_mnist),
                       ("&Image folder…", ask_images), ("&CSV file…", ask_csv)):
        menu.addAction(QAction(text, window, triggered=slot))
    browser = DatasetBrowser(session)
    window.add_panel("dataset_browser", "Dataset", browser)
    inspector = getattr(window, "conv_inspector", None)
    if inspector is not None:
        browser.sample_activated.connect(inspector.show_dataset_sample)
        window.tabifyDockWidget(window.docks["conv_inspector"], window.docks["dataset_browser"])
        window.docks["conv_inspector"].raise_()
