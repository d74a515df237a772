"""Regression: PySide6 6.12.0 on Python 3.11 drops a reference to None on every
Python paint override, so a pyqtgraph window aborts with "Fatal Python error:
none_dealloc" after one or two thousand repaints (we pin 6.11.x). The repaints
run in a subprocess so an abort fails this test instead of killing pytest."""
import os
import subprocess
import sys
import textwrap

REPAINTS = 3000

SCRIPT = textwrap.dedent(f"""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    class CountingImage(pg.ImageItem):
        painted = 0

        def paint(self, *args):          # a Python paint override, what 6.12.0 mishandles
            CountingImage.painted += 1
            super().paint(*args)

    app = QApplication([])
    w = pg.PlotWidget()
    w.addItem(CountingImage(np.random.default_rng(0).random((16, 16))))
    w.resize(200, 200)
    w.show()
    app.processEvents()
    for _ in range({REPAINTS}):
        w.viewport().repaint()
    w.close()
    print("painted", CountingImage.painted)
""")


def test_pyqtgraph_survives_thousands_of_repaints():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-2000:]}"
    painted = int(done.stdout.split("painted")[-1])
    assert painted >= REPAINTS
