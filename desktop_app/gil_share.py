"""Leave the GUI thread room while a worker thread computes.

Python runs one thread at a time (the GIL). A worker that trains a small network,
or runs the debugger over one, is pure Python for long stretches: it hands the
GIL over only when another thread has waited for it ``sys.getswitchinterval()``
(5 ms), and takes it back as soon as that thread lets go. A redraw lets go of the
GIL hundreds of times (numpy calls on large arrays, calls into Qt), so it waited
5 ms that many times: with the lecture's 2-2-2 network running, a 100 ms timer of
the GUI thread fired only after 2–13 s (debugger Run) or 1–2 s (training), and the
window looked frozen. A smaller switch interval made it worse (the worker got the
GIL back sooner each time).

So a worker rests: :meth:`Pacer.rest_if_due`, called between iterations or
chunks, sleeps ``REST_SECONDS`` (GIL released) after every ``WORK_SECONDS`` of
work, and in that time the GUI thread runs unhindered. The same timer then fires
after 0.2–0.5 s. The worker gives up about a sixth of its time. A job that computes
in a child process (``computes_elsewhere``, LeNet-5 and other large networks) does
not rest: its worker thread waits on a pipe without the GIL, and a rest would only
leave the child idle (17 % fewer samples a second in ``benchmarks/gui_redraw.py``).
"""
from __future__ import annotations

import time

#: how long a worker computes between rests (s)
WORK_SECONDS = 0.03
#: how long it then rests, leaving the GIL to the GUI thread (s)
REST_SECONDS = 0.006


class Pacer:
    """Rests a worker thread for REST_SECONDS after every WORK_SECONDS of work."""

    def __init__(self):
        self._since = time.monotonic()

    def rest_if_due(self) -> None:
        """Sleep REST_SECONDS if WORK_SECONDS have passed since the last rest."""
        if time.monotonic() - self._since >= WORK_SECONDS:
            time.sleep(REST_SECONDS)
            self._since = time.monotonic()
