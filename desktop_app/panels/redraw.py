"""How the live views redraw without slowing the app down.

* :class:`RedrawTimer` — a view redraws from a timer at most ``SNAPSHOT_HZ``
  (30) times a second, only after something it shows has changed, and only
  while it is visible: a training run may update the weights hundreds of times
  a second, a hidden dock costs nothing.
* :class:`RefreshSoon` — a panel that follows the debugger redraws once per burst
  of signals (a step emits several), shortly after the first.
* :func:`light_grid` — a plot's background grid drawn by one ``pg.GridItem``:
  pyqtgraph's ``showGrid`` draws the grid with the axes, which costs 5–10 ms
  per repaint of a small plot on this machine; a ``GridItem`` costs well under 1 ms.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer

from ..training_worker import REDRAW_MS


class RedrawTimer(QObject):
    """Calls ``view.refresh()`` from a timer when it is marked dirty and ``view`` is visible.

    ``signals`` (Qt signals) mark it dirty; so does :meth:`mark_dirty`. :meth:`stop`
    (from the view's ``closeEvent``) stops the timer and disconnects them."""

    def __init__(self, view, *signals):
        super().__init__(view)
        self.view = view
        self.dirty = True
        self.signals = signals
        for signal in signals:
            signal.connect(self.mark_dirty)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.refresh_if_needed)
        self.timer.start()

    def mark_dirty(self, *_) -> None:
        self.dirty = True

    def refresh_if_needed(self) -> None:
        if self.dirty and self.view.isVisible():
            self.dirty = False
            self.view.refresh()

    def stop(self) -> None:
        self.timer.stop()
        for signal in self.signals:
            signal.disconnect(self.mark_dirty)


class RefreshSoon(QTimer):
    """Coalesce a burst of "something changed" signals into one refresh.

    ``request()`` (connect it to the signals) starts a single-shot timer unless it
    is already running, so ``slot`` runs once, ``ms`` after the first request:
    stepping a unit emits several signals, the panel redraws once."""

    def __init__(self, parent, ms: int, slot):
        super().__init__(parent, singleShot=True, interval=ms, timeout=slot)

    def request(self, *_) -> None:
        if not self.isActive():
            self.start()


def light_grid(plot: pg.PlotItem, alpha: float = 0.2) -> pg.GridItem:
    """Add a faint grid (white at ``alpha`` opacity, no labels) behind ``plot``'s data."""
    grid = pg.GridItem(textPen=None)
    grid.setPen(pg.mkPen((255, 255, 255, int(255 * alpha))))
    grid.setZValue(-100)
    plot.addItem(grid)
    return grid
