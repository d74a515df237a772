"""LeNet-5 learns the built-in digits *in the app*: the path a learner takes.

File → template LeNet-5, Data → Built-in digits…, then the training panel
(Adam, η = 0.002, batch 32, a validation split held out from training) and
Train. The validation samples are never trained on, so their accuracy is
the app's test accuracy; it must reach 95 %, as headless
(tests/test_lenet_digits.py). Fewer samples than headless keep it short.
"""
import time

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from gui_helpers import open_window

DIGITS = 3000


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (DIGITS, True))


def menu_action(window, menu_title, text):
    for menu_action in window.menuBar().actions():
        if menu_action.text().replace("&", "") == menu_title:
            for action in menu_action.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise LookupError(f"no {menu_title} → {text}")


@pytest.mark.slow      # 15-30 s on 2 shared cores (float64 template); deselect with -m "not slow"
def test_lenet5_reaches_95_percent_on_the_built_in_digits_in_the_app(qtbot):
    window, session = open_window(qtbot, template="lenet5")
    menu_action(window, "Data", "Built-in digits…").trigger()
    qtbot.waitUntil(lambda: not window.data_loads, timeout=60_000)     # generated on a worker thread
    assert session.x.shape == (DIGITS, 1, 28, 28)

    panel = window.panels["training"]
    panel.optimizer_choice.setCurrentText("Adam")
    panel.hyper.fields[("lr", None)].setText("0.002")
    panel.hyper.fields[("lr", None)].editingFinished.emit()
    assert session.optimizer.hyper["lr"] == 0.002
    panel.batch.setValue(32)
    panel.epochs.setValue(3)
    panel.val_split.setValue(0.2)
    started = time.perf_counter()
    with qtbot.waitSignal(panel.live.finished, timeout=240_000):
        panel.train_button.click()
    print(f"\n3 epochs of LeNet-5 on {DIGITS} digits in the app: {time.perf_counter() - started:.1f} s")
    history = panel.live.history
    print("validation accuracy per epoch:", [round(a, 3) for a in history["val_acc"]])
    assert len(history["val_acc"]) == 3
    assert history["val_acc"][-1] >= 0.95, f"validation accuracy {history['val_acc'][-1]:.3f}"
    x, y = panel.curves["val_acc"].getData()
    assert y[-1] == history["val_acc"][-1]              # the curve shows it
