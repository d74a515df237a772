"""Run / Continue off the GUI thread.

:class:`DebuggerRun` calls ``debugger.run()`` in a QThread. After each
iteration the debugger calls back; at most ``PUBLISH_HZ`` times a second the
worker publishes the last finished iteration (a frozen record, safe to read
from the GUI thread) with ``progress(record)``. ``pause()`` asks the debugger
to stop at the end of its current phase (checked between layers, so within
milliseconds for the lecture's networks). ``finished_run(StopReason)`` or
``failed(str)`` ends it.
"""
from __future__ import annotations

import time
import traceback

from PySide6.QtCore import QThread, Signal

from core.errors import LayerLabError

PUBLISH_HZ = 20


class DebuggerRun(QThread):
    progress = Signal(object)
    finished_run = Signal(object)
    failed = Signal(str)

    def __init__(self, debugger, parent=None):
        super().__init__(parent)
        self.debugger = debugger
        self._last_publish = 0.0

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
        now = time.monotonic()
        if now - self._last_publish >= 1.0 / PUBLISH_HZ:
            self._last_publish = now
            self.progress.emit(dbg.last_iteration)

    def pause(self) -> None:
        self.debugger.request_pause()
