"""Python's cyclic garbage collector must run on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold
is crossed. If that is a worker thread (training, Run / Continue, loading a
dataset) and the garbage holds Qt objects — a closed panel, a plot item, an
action — Qt destroys them on the wrong thread: the app deadlocks (the worker
waits for the GIL inside ``QObject::~QObject`` while the GUI thread waits for
Qt's lock) or crashes later in a paint event.

:func:`collect_garbage_in_gui_thread` switches automatic collection off and
collects from a timer on the GUI thread instead (pyqtgraph's
``GarbageCollector``, which exists for this reason). Everything that starts a
worker thread calls it first; calling it again does nothing.
"""
from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication

#: how often the GUI thread checks whether a collection is due (seconds)
INTERVAL_S = 0.5


def collect_garbage_in_gui_thread() -> None:
    """Move garbage collection to a timer on the GUI thread (once per application)."""
    app = QCoreApplication.instance()
    if app is not None and getattr(app, "_layerlab_gc", None) is None:
        app._layerlab_gc = GarbageCollector(interval=INTERVAL_S)
