"""Does the window keep up while LeNet-5 trains, and what does drawing cost training?

Trains LeNet-5 (batch 64, Adam, generated digits) twice for the same time:

1. **no window** — the training worker thread alone, as the app runs it;
2. **views open** — the same, with the training curves, the weights heatmap
   (the 400 × 120 dense layer), the histograms of every layer and the conv
   inspector's feature maps all visible (offscreen). A 30 Hz timer makes every
   view redraw from the latest snapshot and repaints the window on each tick,
   whether or not new weights arrived — the most the app ever draws (its views
   skip a tick when nothing changed).

Prints the training speed of both (samples per second) and their ratio
(target ≥ 70 %), the frames per second the window achieved (target ≥ 30) and
the time one full redraw takes, and the worst gap between two ticks of a 10 ms
GUI timer (how long the GUI thread was unavailable).

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


def lenet_session():
    from desktop_app.session import SessionController
    session = SessionController()
    session.load_template("lenet5")
    return session


def train_for(app, session, seconds: float) -> tuple[float, int]:
    """Train in the worker thread for ``seconds``; return (samples per second, iterations)."""
    from desktop_app.live_state import live_state
    from desktop_app.training_job import TrainingSettings
    live = live_state(session)
    live.start_training(TrainingSettings(epochs=10_000, batch_size=64))
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.002)
    live.cancel()
    live.run.wait(10_000)
    app.processEvents()
    elapsed = time.perf_counter() - start
    iterations = live.run.worker.job.trainer.iteration
    return iterations * 64 / elapsed, iterations


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="training time of each run")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QGridLayout, QWidget
    app = QApplication([])
    sys.setswitchinterval(float(os.environ.get("SWITCH", "0.005")))
    import desktop_app  # noqa: F401  (pyqtgraph options)
    from desktop_app.panels.conv_inspector import ConvInspector
    from desktop_app.panels.histogram_panel import HistogramPanel
    from desktop_app.panels.training_panel import TrainingPanel
    from desktop_app.panels.weights_panel import WeightsPanel

    # 1. no window
    alone, iterations = train_for(app, lenet_session(), args.seconds)
    print(f"no window:  {alone:8.0f} samples/s  ({iterations} iterations of 64 in {args.seconds:g} s)")

    # 2. every view open
    session = lenet_session()
    window = QWidget()
    grid = QGridLayout(window)
    training, weights = TrainingPanel(session), WeightsPanel(session)
    histograms, inspector = HistogramPanel(session), ConvInspector(session)
    weights.choice.select((5, "W"))
    grid.addWidget(training, 0, 0)
    grid.addWidget(weights, 0, 1)
    grid.addWidget(histograms, 1, 0)
    grid.addWidget(inspector, 1, 1)
    window.resize(1800, 1100)
    window.show()
    app.processEvents()
    frames = []

    def redraw_everything():
        t0 = time.perf_counter()
        training.refresh_curves()
        weights.refresh()
        histograms.refresh()
        inspector.refresh()
        window.repaint()
        frames.append(time.perf_counter() - t0)
    redraw = QTimer()
    redraw.setInterval(1000 // 30)
    redraw.timeout.connect(redraw_everything)
    redraw.start()
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    start = time.perf_counter()
    with_views, iterations = train_for(app, session, args.seconds)
    elapsed = time.perf_counter() - start
    timer.stop()
    redraw.stop()
    print(f"views open: {with_views:8.0f} samples/s  ({iterations} iterations)")
    print(f"training speed with the views open: {with_views / alone:.0%} of the speed with no window "
          f"(target ≥ 70%)")
    frames.sort()
    print(f"window redraws: {len(frames) / elapsed:.1f} frames per second (target ≥ 30); one full redraw "
          f"takes {frames[len(frames) // 2] * 1000:.1f} ms median, {frames[-1] * 1000:.1f} ms worst")
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    if gaps:
        print(f"GUI thread: a 10 ms timer ticked {len(ticks)} times; worst gap {max(gaps) * 1000:.0f} ms")
    window.close()


if __name__ == "__main__":
    main()
