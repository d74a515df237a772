"""How fast does the conv inspector redraw a whole LeNet-5?

Every redraw runs the network forward on one 28 × 28 sample and refills every
mosaic (input, 6 + 16 maps before and after ReLU, both pools, 6 + 96 kernels)
plus the explanation of a selected cell — what happens up to 30 times a second
while training runs or the debugger steps. The figure printed is the median
over several repeats of the time per redraw, painting included (offscreen).
Target: well under 33 ms, so the inspector keeps up with its 30 Hz timer.

    .venv/bin/python benchmarks/conv_inspector_redraw.py
    .venv/bin/python benchmarks/conv_inspector_redraw.py --redraws 60 --repeats 7
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraws", type=int, default=30, help="redraws per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from desktop_app.panels.conv_inspector import ConvInspector
    from desktop_app.session import SessionController

    session = SessionController()
    session.load_template("lenet5")
    inspector = ConvInspector(session)
    inspector.resize(1400, 900)
    inspector.show()
    app.processEvents()
    inspector.select_cell(2, "out", 4, 5, 5)     # keep a dot product on screen, as a user would
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.redraws):
            inspector.index.setValue(i % len(session.x))
            inspector.refresh()
            app.processEvents()
        times.append((time.perf_counter() - start) / args.redraws)
    print(f"LeNet-5 inspector redraw: {statistics.median(times) * 1000:.1f} ms median "
          f"(min {min(times) * 1000:.1f} ms) over {args.repeats} × {args.redraws} redraws; target < 33 ms")


if __name__ == "__main__":
    main()
