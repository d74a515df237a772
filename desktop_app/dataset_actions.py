"""The Data menu: load a dataset from :mod:`core.datasets` into the session.

Each dataset has a *reader*, ``read_…(…) -> Dataset``, which only calls the
core loader (no Qt: safe on a worker thread; the image-folder reader also
reports ``progress(done, total)``), and a loader
``load_…(session, …) -> bool`` that reads and gives the arrays to
``session.set_data`` in one go (for tests and scripts). The menu runs readers
on a worker thread (:class:`LoadRun`) with a progress dialog and a Cancel
button, so a folder of thousands of pictures never freezes the window.

A failure (a missing file, a broken IDX file, an unreadable image) is reported
through ``session.error`` and leaves the loaded data as it was. When the
samples do not fit the network's input, the status bar says which template
or input shape would take them.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, NamedTuple

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog

from core.datasets import digits, load_csv, load_image_folder, load_mnist_folder, standardize
from core.errors import LayerLabError
from .gui_thread_gc import collect_garbage_in_gui_thread

#: the input shape image loaders fit pictures to when no image network is loaded
DEFAULT_IMAGE_SHAPE = (1, 28, 28)

Progress = Callable[[int, int], None]


class Dataset(NamedTuple):
    """What a reader returns: samples, targets and a name for the status bar and browser."""
    x: np.ndarray
    y: np.ndarray
    name: str


# --- readers (no Qt) --------------------------------------------------------------------------
def read_digits(n: int = 1000, seed: int = 0) -> Dataset:
    """Generated handwritten-style digits (n, 1, 28, 28) with labels 0–9."""
    x, y = digits(n, seed=seed)
    return Dataset(x, y, f"digits (n = {n:,}, seed {seed})")


def read_mnist(folder: str, part: str = "train") -> Dataset:
    """MNIST or Fashion-MNIST from a folder of the four IDX files; ``part`` "train" or "test"."""
    data = load_mnist_folder(folder)
    x, y = (data.x_train, data.y_train) if part == "train" else (data.x_test, data.y_test)
    return Dataset(x, y, f"{os.path.basename(os.path.normpath(folder))} ({part} set)")


def read_image_folder(folder: str, input_shape, mode: str = "pad", progress: Progress | None = None) -> Dataset:
    """An image folder (one subfolder per class), each picture fitted to ``input_shape``."""
    data = load_image_folder(folder, input_shape, mode=mode, progress=progress)
    classes = ", ".join(f"{k} {name}" for k, name in enumerate(data.class_names[:10]))
    more = " …" if len(data.class_names) > 10 else ""
    return Dataset(data.x, data.y, f"{os.path.basename(os.path.normpath(folder))} (classes: {classes}{more})")


def read_csv_file(path: str, standardized: bool = False) -> Dataset:
    """A CSV table (header row; the last column is the target, the others are
    features); ``standardized`` rescales each feature to mean 0, standard deviation 1."""
    data = load_csv(path)
    x = standardize(data.x)[0] if standardized else data.x
    classes = f", classes: {', '.join(data.class_names[:10])}" if data.class_names else ""
    scaled = ", standardized" if standardized else ""
    return Dataset(x, data.y, f"{os.path.basename(path)} (target {data.target_name}{classes}{scaled})")


def image_shape(session) -> tuple[int, int, int]:
    """The (C, H, W) pictures are fitted to: the network's input, or 1 × 28 × 28."""
    net = session.network
    return net.input_shape if net is not None and len(net.input_shape) == 3 else DEFAULT_IMAGE_SHAPE


# --- into the session ---------------------------------------------------------------------------
def adopt(session, data: Dataset) -> None:
    """Give ``data`` to the session and say what was loaded (and whether it fits the network)."""
    x = data.x
    session.set_data(x, data.y, data.name)
    net = session.network
    fits = net is not None and tuple(x.shape[1:]) == net.input_shape
    hint = "" if fits or net is None else (
        f" The network takes samples of shape {net.input_shape}; these are {tuple(x.shape[1:])}: "
        f"load a matching template (LeNet-5 takes 1 × 28 × 28 images) or change the input shape.")
    session.message.emit(f"Loaded {data.name}: {len(x):,} samples of shape {tuple(x.shape[1:])}.{hint}")


def _load_now(session, what: str, read: Callable[[], Dataset]) -> bool:
    try:
        data = read()
    except LayerLabError as e:
        session.error.emit(f"Could not load {what}: {e}")
        return False
    adopt(session, data)
    return True


def load_digits(session, n: int = 1000, seed: int = 0) -> bool:
    return _load_now(session, "the digits", lambda: read_digits(n, seed))


def load_mnist(session, folder: str, part: str = "train") -> bool:
    return _load_now(session, f"the MNIST folder {folder}", lambda: read_mnist(folder, part))


def load_images(session, folder: str, mode: str = "pad") -> bool:
    shape = image_shape(session)
    return _load_now(session, f"the image folder {folder}", lambda: read_image_folder(folder, shape, mode))


def load_csv_file(session, path: str, standardized: bool = False) -> bool:
    return _load_now(session, f"the CSV file {path}", lambda: read_csv_file(path, standardized))


# --- off the GUI thread ---------------------------------------------------------------------------
class _Cancelled(Exception):
    """Raised inside a reader's progress callback once the user pressed Cancel."""


class _Reader(QObject):
    """Lives on the worker thread and calls ``read(progress)`` there."""
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, read: Callable[[Progress], Dataset], cancel: threading.Event):
        super().__init__()
        self._read, self._cancel = read, cancel

    def _progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        self.progressed.emit(done, total)

    @Slot()
    def run(self) -> None:
        try:
            if self._cancel.is_set():
                raise _Cancelled
            data = self._read(self._progress)
        except _Cancelled:
            self.failed.emit("")
        except LayerLabError as e:
            self.failed.emit(str(e))
        except MemoryError:
            self.failed.emit("there is not enough memory for this dataset.")
        else:
            self.succeeded.emit(data)


class LoadRun(QObject):
    """Reads a dataset on a worker thread, then hands it to the session (GUI thread).

    ``done(bool)`` says whether the data was loaded; a cancelled or failed read
    leaves the session's data as it was. ``cancel()`` stops a reader that
    reports progress (an image folder) at its next file."""
    done = Signal(bool)

    def __init__(self, session, what: str, read: Callable[[Progress], Dataset], parent=None):
        super().__init__(parent)
        self.session, self.what = session, what
        self._cancel = threading.Event()
        self._thread = QThread(self)
        self._reader = _Reader(read, self._cancel)
        self._reader.moveToThread(self._thread)
        self._thread.started.connect(self._reader.run)
        self._reader.progressed.connect(self._on_progress)
        self._reader.succeeded.connect(self._on_succeeded)
        self._reader.failed.connect(self._on_failed)
        self.dialog: QProgressDialog | None = None

    def start(self, dialog_parent=None) -> None:
        """Start reading; with ``dialog_parent``, show a progress dialog with Cancel."""
        if dialog_parent is not None:
            self.dialog = QProgressDialog(f"Loading {self.what}…", "Cancel", 0, 0, dialog_parent)
            self.dialog.setWindowModality(Qt.WindowModal)
            self.dialog.setMinimumDuration(400)
            self.dialog.canceled.connect(self.cancel)
        collect_garbage_in_gui_thread()
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(total)
            self.dialog.setValue(done)

    @Slot(object)
    def _on_succeeded(self, data: Dataset) -> None:
        self._finish()
        if self._cancel.is_set():       # cancelled too late to stop the reader: drop its result
            self.session.message.emit("Loading cancelled; the data is unchanged.")
            self.done.emit(False)
            return
        adopt(self.session, data)
        self.done.emit(True)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish()
        if message:
            self.session.error.emit(f"Could not load {self.what}: {message}")
        else:
            self.session.message.emit("Loading cancelled; the data is unchanged.")
        self.done.emit(False)

    def _finish(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None
        self._thread.quit()
        self._thread.wait()


# --- the menu ---------------------------------------------------------------------------------------
def install_dataset_actions(window) -> None:
    """Add the Data menu to ``window`` and the dataset browser dock."""
    from .panels.dataset_browser import DatasetBrowser
    session = window.session
    menu = window.menuBar().addMenu("&Data")
    window.data_loads = []           # runs in progress (kept referenced until they finish)

    def in_background(what: str, read: Callable[[Progress], Dataset]) -> None:
        run = LoadRun(session, what, read, window)
        window.data_loads.append(run)
        run.done.connect(lambda _: (window.data_loads.remove(run), run.deleteLater()))
        run.start(window)

    def ask_digits():
        n, ok = QInputDialog.getInt(window, "Built-in digits", "Number of digits:", 1000, 10, 20000, 100)
        if ok:
            in_background("the digits", lambda progress: read_digits(n))

    def ask_mnist():
        folder = QFileDialog.getExistingDirectory(window, "Folder with the four MNIST / Fashion-MNIST files")
        if not folder:
            return
        part, ok = QInputDialog.getItem(window, "MNIST", "Which set:", ["train", "test"], 0, False)
        if ok:
            in_background(f"the MNIST folder {folder}", lambda progress: read_mnist(folder, part))

    def ask_images():
        folder = QFileDialog.getExistingDirectory(window, "Image folder (one subfolder per class)")
        if folder:
            shape = image_shape(session)
            in_background(f"the image folder {folder}",
                          lambda progress: read_image_folder(folder, shape, progress=progress))

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
