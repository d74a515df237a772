"""Training off the GUI thread.

The GUI thread never trains. A :class:`TrainingWorker` lives in a ``QThread``
and advances a *job* in small chunks (each about 20 ms of work, but at least
one iteration), checking between chunks whether Pause or Cancel was asked for —
so both take effect within 100 ms unless one iteration takes longer (LeNet-5 at
batch 64 takes 60–250 ms here). After a chunk, at most 30 times a second, the
worker asks the job for a *snapshot*: copies of whatever the views draw
(weights, gradients, curves).
The GUI side (:class:`TrainingRun`) reads the latest snapshot from a 30 Hz
timer; views therefore redraw at most 30 times a second, however fast the
engine steps.

A job is any object with

* ``advance(n) -> str | None`` — do ``n`` iterations; return why it must stop
  (finished, early stopping, NaN, a breakpoint) or None to go on,
* ``snapshot() -> object``     — an immutable copy of the state to show,

and optionally ``close()``, called when the run ends, and ``suspend()`` /
``unsuspend()`` for a job that can stop at once, mid-iteration, on Pause. The jobs the app runs are
in :mod:`desktop_app.training_job`: ``TrainerJob`` (one network, in this
thread), ``ProcessTrainerJob`` (one big network, in a child process) and
``CompareJob`` (several copies side by side).
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from .gil_share import Pacer
from .training_job import SNAPSHOT_HZ
from .gui_thread_gc import collect_garbage_in_gui_thread

#: the views' redraw timer interval (ms): they redraw at most SNAPSHOT_HZ times a second
REDRAW_MS = 1000 // SNAPSHOT_HZ
#: target duration of one chunk of work: Pause/Cancel wait at most this long
CHUNK_SECONDS = 0.02


class TrainingWorker(QObject):
    """Runs ``job`` in chunks on the thread it is moved to.

    ``pause()``, ``resume()`` and ``cancel()`` may be called from any thread.
    ``latest()`` returns the newest snapshot (or None)."""

    finished = Signal(str)      # why the run ended
    failed = Signal(str)        # an unexpected error, as text for the user
    paused_changed = Signal(bool)

    def __init__(self, job):
        super().__init__()
        self.job = job
        self._lock = threading.Lock()
        self._latest = None
        self._go = threading.Event()
        self._go.set()
        self._cancel = threading.Event()
        self.chunk = 1

    # --- control (any thread) ---------------------------------------------------
    def pause(self) -> None:
        self._go.clear()
        suspend = getattr(self.job, "suspend", None)      # a child process stops at once
        if suspend is not None:
            suspend()

    def resume(self) -> None:
        self._unsuspend()
        self._go.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._unsuspend()
        self._go.set()

    def _unsuspend(self) -> None:
        unsuspend = getattr(self.job, "unsuspend", None)
        if unsuspend is not None:
            unsuspend()

    @property
    def is_paused(self) -> bool:
        return not self._go.is_set()

    def latest(self):
        with self._lock:
            return self._latest

    # --- the loop (worker thread) ---------------------------------------------------
    @Slot()
    def run(self) -> None:
        reason = "Finished."
        try:
            reason = self._loop()
        except Exception as e:          # noqa: BLE001 - the thread must always report back
            reason = f"Training stopped by an error: {e}"
            self.failed.emit(reason)
        self._publish()
        close = getattr(self.job, "close", None)      # a job running in a child process ends it
        if close is not None:
            close()
        self.finished.emit(reason)
        self.thread().quit()        # end the thread's event loop now: wait() needs no GUI round trip

    def _loop(self) -> str:
        last_publish = 0.0
        # a job computing in this process rests now and then to leave the GUI thread the GIL
        pacer = None if getattr(self.job, "computes_elsewhere", False) else Pacer()
        while True:
            if pacer is not None:
                pacer.rest_if_due()
            if not self._go.is_set():
                self._publish()
                self.paused_changed.emit(True)
                self._go.wait()
                self.paused_changed.emit(False)
            if self._cancel.is_set():
                return "Cancelled."
            start = time.perf_counter()
            reason = self.job.advance(self.chunk)
            elapsed = time.perf_counter() - start
            self._adapt_chunk(elapsed)
            if reason is not None:
                return reason
            now = time.perf_counter()
            if now - last_publish >= 1.0 / SNAPSHOT_HZ:
                self._publish()
                last_publish = now

    def _adapt_chunk(self, elapsed: float) -> None:
        """Grow or shrink the chunk so one takes about CHUNK_SECONDS."""
        if elapsed > 0:
            per_iteration = elapsed / self.chunk
            self.chunk = max(1, min(10_000, int(CHUNK_SECONDS / per_iteration)))
        else:
            self.chunk = min(10_000, self.chunk * 2)

    def _publish(self) -> None:
        snapshot = self.job.snapshot()
        with self._lock:
            self._latest = snapshot


class TrainingRun(QObject):
    """The GUI thread's handle on one run: starts the worker thread, polls the
    latest snapshot at 30 Hz and re-emits it.

    Signals: ``snapshot(object)`` (at most 30 per second, and once at the end),
    ``paused_changed(bool)``, ``failed(str)`` (an unexpected error, before
    ``finished``), ``finished(str)`` (after the thread has ended)."""

    snapshot = Signal(object)
    paused_changed = Signal(bool)
    failed = Signal(str)
    finished = Signal(str)

    def __init__(self, job, parent=None):
        super().__init__(parent)
        self.worker = TrainingWorker(job)
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self._on_finished)
        self.worker.paused_changed.connect(self.paused_changed)
        self.worker.failed.connect(self.failed)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._poll)
        self._shown = None
        self.reason: str | None = None

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def start(self) -> None:
        collect_garbage_in_gui_thread()
        self.thread.start()
        self.timer.start()

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def cancel(self) -> None:
        self.worker.cancel()

    def wait(self, ms: int = 5000) -> bool:
        """Block until the thread has ended (for closing the window, benchmarks and tests);
        the ``finished`` signal still arrives through the event loop afterwards."""
        return self.thread.wait(ms)

    def _poll(self) -> None:
        snap = self.worker.latest()
        if snap is not None and snap is not self._shown:
            self._shown = snap
            self.snapshot.emit(snap)

    def _on_finished(self, reason: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.timer.stop()
        self._poll()
        self.reason = reason
        self.finished.emit(reason)
