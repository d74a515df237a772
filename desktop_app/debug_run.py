"""Run / Continue off the GUI thread.

:class:`DebuggerRun` calls ``debugger.run()`` in a QThread. After each
iteration the debugger calls back; at most ``PUBLISH_HZ`` times a second the
worker publishes the last finished iteration (a frozen record, safe to read
from the GUI thread) with ``progress(record)``, less often when copying the
record is expensive (a big network over a big batch), and never before the GUI
thread has said it showed the previous one (``record_shown``): a GUI thread
slower than that would otherwise get a queue of records that grows for as long
as the run lasts, and never get back to its timers and input. The worker also
rests now and then (:mod:`desktop_app.gil_share`), or a run over a small network
would keep the GIL from the GUI thread. ``pause()`` asks the debugger
to stop at the end of its current phase (checked between layers, so within
milliseconds for the lecture's networks). ``finished_run(StopReason)`` or
``failed(str)`` ends it.
"""
from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QThread, Signal

from core.errors import LayerLabError

from .gil_share import Pacer

PUBLISH_HZ = 20
#: wait at least this many times the cost of copying a record before the next one
MAX_SHARE = 20


class DebuggerRun(QThread):
    progress = Signal(object)
    finished_run = Signal(object)
    failed = Signal(str)

    def __init__(self, debugger, parent=None):
        super().__init__(parent)
        self.debugger = debugger
        self._next_publish = 0.0
        self._shown = threading.Event()      # set: the GUI has shown the last record published
        self._shown.set()
        self._pacer = Pacer()

    def run(self) -> None:
        try:
            reason = self.debugger.run(on_iteration=self._on_iteration)
        except LayerLabError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug must not kill the app: report it
            traceback.print_exc()
            self.failed.emit(f"The run stopped on an unexpected error ({type(e).__name__}): {e}")
        else:
            self.finished_run.emit(reason)

    def _on_iteration(self, dbg) -> None:
        self._pacer.rest_if_due()           # leave the GUI thread the GIL now and then
        now = time.monotonic()
        if now >= self._next_publish and self._shown.is_set():
            record = dbg.last_iteration
            cost = time.monotonic() - now
            # copying a big network's records is not free: spend at most ~5 % of the run on it
            self._next_publish = now + max(1.0 / PUBLISH_HZ, MAX_SHARE * cost)
            self._shown.clear()
            self.progress.emit(record)

    def record_shown(self) -> None:
        """The GUI thread has shown the last record published: the next may follow."""
        self._shown.set()

    def pause(self) -> None:
        self.debugger.request_pause()
