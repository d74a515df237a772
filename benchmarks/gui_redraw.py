"""Does the window keep up while LeNet-5 trains, and what does drawing cost training?

Trains LeNet-5 (batch 64, Adam, generated digits) as the app does — a network
this big trains in a child process driven by the worker thread, so drawing and
training do not take turns on Python's global lock — several times for the
same duration:

1. **no window** — the training worker alone;
2. **views open, as the app runs** — the training curves, the weights heatmap
   (the 400 × 120 dense layer), the histograms of every layer and the conv
   inspector's feature maps all visible (offscreen); each view redraws from its
   own 30 Hz timer, and only when a new snapshot arrived;
3. **views open, forced 30 Hz** — a 30 Hz timer makes every view redraw and the
   window repaint on every tick, new data or not: the most the app asks of it;
4. **views open, flat out** — the same full redraw back to back, as often as the
   GUI thread manages while training runs: how many redraws a second the window
   can make (a 30 Hz timer cannot show more than 30, and a late tick shows less).

Prints training speed (samples per second) and its ratio to run 1 (target
≥ 70 %), how many redraws per second the window made (target ≥ 30 in runs 3 and 4),
the time one full redraw takes while training runs (wall time, and the GUI
thread's CPU time, which other programs' load does not inflate), and the worst gap between
two ticks of a 10 ms GUI timer (how long the GUI thread was unavailable).
The training child gets all cores but one for its linear algebra in every run
(``CHILD_BLAS_THREADS``), as in the app. The machine's load matters: run it
when nothing else is running, and repeat.

    .venv/bin/python benchmarks/gui_redraw.py
    .venv/bin/python benchmarks/gui_redraw.py --seconds 10
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BATCH = 64


def lenet_session():
    from desktop_app.session import SessionController
    session = SessionController()
    session.load_template("lenet5")
    return session


def train_for(app, session, seconds: float) -> tuple[float, int]:
    """Train in the worker thread for ``seconds`` while the event loop runs;
    return (samples per second, iterations)."""
    from desktop_app.live_state import live_state
    from desktop_app.training_job import TrainingSettings
    live = live_state(session)
    first = live.iteration
    live.start_training(TrainingSettings(epochs=10_000, batch_size=BATCH))
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.001)
    for ticks in Ticks.running:
        ticks.stop()                    # waiting for the run to end below is not the GUI's doing
    live.cancel()
    live.run.wait(30_000)
    elapsed = time.perf_counter() - start
    iterations = live.run.worker.latest().iteration - first
    app.processEvents()
    return iterations * BATCH / elapsed, iterations


class Ticks:
    """A 10 ms timer on the GUI thread: its worst gap says how long the thread was busy."""
    running: list = []

    def __init__(self):
        from PySide6.QtCore import QTimer
        self.times = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))
        self.timer.start()
        Ticks.running.append(self)

    def stop(self) -> None:
        self.timer.stop()
        Ticks.running.remove(self)

    def worst_gap_ms(self) -> float:
        gaps = [b - a for a, b in zip(self.times, self.times[1:])]
        return max(gaps) * 1000 if gaps else float("nan")


def median(values) -> float:
    return sorted(values)[len(values) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="training time of each run")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QGridLayout, QWidget
    app = QApplication([])
    import desktop_app  # noqa: F401  (pyqtgraph options)
    from desktop_app.panels.conv_inspector import ConvInspector
    from desktop_app.panels.histogram_panel import HistogramPanel
    from desktop_app.panels.training_panel import TrainingPanel
    from desktop_app.panels.weights_panel import WeightsPanel

    alone, iterations = train_for(app, lenet_session(), args.seconds)
    print(f"1. no window:            {alone:7.0f} samples/s ({iterations} iterations of {BATCH} "
          f"in {args.seconds:g} s)")
    alone_session = lenet_session()

    session = lenet_session()
    window = QWidget()
    grid = QGridLayout(window)
    training, weights = TrainingPanel(session), WeightsPanel(session)
    histograms, inspector = HistogramPanel(session), ConvInspector(session)
    weights.choice.select((5, "W"))
    for n, panel in enumerate((training, weights, histograms, inspector)):
        panel.setFixedSize(900, 550)        # as in docks: new text never resizes the plots
        grid.addWidget(panel, n // 2, n % 2)
    window.show()
    app.processEvents()

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint:
                PaintCounter.count += 1
            return False
    counter = PaintCounter()
    weights.plot.view.viewport().installEventFilter(counter)

    ticks = Ticks()
    start = time.perf_counter()
    app_mode, iterations = train_for(app, session, args.seconds)
    redraws = PaintCounter.count / (time.perf_counter() - start)
    print(f"2. views open (app):     {app_mode:7.0f} samples/s ({iterations} iterations) = "
          f"{app_mode / alone:.0%} of run 1 (target ≥ 70%); the weights view redrew "
          f"{redraws:.1f} times a second (once per new snapshot); GUI thread worst gap "
          f"{ticks.worst_gap_ms():.0f} ms")

    frames, cpu = [], []

    def redraw_everything():
        t0, c0 = time.perf_counter(), time.thread_time()
        training.refresh_curves()
        weights.refresh()
        histograms.refresh()
        inspector.refresh()
        window.repaint()
        frames.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    for _ in range(20):                           # the cost of a full redraw with no training
        redraw_everything()
    idle, idle_cpu = median(frames), median(cpu)
    frames.clear()
    cpu.clear()
    print(f"   one full redraw with no training running: {idle * 1000:.1f} ms median, "
          f"{idle_cpu * 1000:.1f} ms of it on the CPU (at most {1 / idle:.0f} frames per second)")
    forced = QTimer()
    forced.setTimerType(Qt.PreciseTimer)          # a coarse timer may fire 5 % late: 28.6 Hz at best
    forced.timeout.connect(redraw_everything)

    def train_redrawing(interval_ms: int) -> tuple[float, int, float]:
        """Train while ``forced`` redraws everything every ``interval_ms``: (samples/s,
        iterations, redraws per second)."""
        frames.clear()
        cpu.clear()
        forced.setInterval(interval_ms)
        forced.start()
        start = time.perf_counter()
        speed, iterations = train_for(app, session, args.seconds)
        redraws = len(frames) / (time.perf_counter() - start)
        forced.stop()
        return speed, iterations, redraws

    ticks = Ticks()
    forced_mode, iterations, redraws = train_redrawing(1000 // 30)
    print(f"3. views open (30 Hz):   {forced_mode:7.0f} samples/s ({iterations} iterations) = "
          f"{forced_mode / alone:.0%} of run 1; the window redrew {redraws:.1f} times a "
          f"second (target ≥ 30); one full redraw {median(frames) * 1000:.1f} ms median "
          f"({median(cpu) * 1000:.1f} ms CPU), {max(frames) * 1000:.1f} ms worst; GUI thread worst gap "
          f"{ticks.worst_gap_ms():.0f} ms")
    # A 30 Hz timer can show 30 redraws a second at the very most, one late tick less; asked
    # for redraws back to back, the window shows how many it can make while training runs.
    flat_out, iterations, redraws = train_redrawing(0)
    print(f"4. views open (flat out): {flat_out:6.0f} samples/s ({iterations} iterations) = "
          f"{flat_out / alone:.0%} of run 1; the window redrew {redraws:.1f} times a "
          f"second, back to back (what it can do while training runs)")
    window.hide()
    again, _ = train_for(app, alone_session, args.seconds)
    both = (alone + again) / 2
    print(f"   no window, again:     {again:7.0f} samples/s (the machine's speed drifts); against the mean "
          f"of both runs without a window: app {app_mode / both:.0%}, forced 30 Hz {forced_mode / both:.0%}, "
          f"flat out {flat_out / both:.0%}")
    window.close()


if __name__ == "__main__":
    main()
