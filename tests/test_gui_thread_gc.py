"""Garbage collection happens on the GUI thread once a worker thread has started
(a collection in a worker destroys Qt objects on the wrong thread: deadlock or crash)."""
import gc

from desktop_app.gui_thread_gc import collect_garbage_in_gui_thread


def test_collection_moves_to_a_gui_thread_timer(qapp):
    collect_garbage_in_gui_thread()
    assert not gc.isenabled()
    collector = qapp._layerlab_gc
    assert collector.timer.isActive()
    collect_garbage_in_gui_thread()            # a second call installs nothing new
    assert qapp._layerlab_gc is collector


def test_starting_a_training_run_installs_it(qtbot, qapp):
    from desktop_app.training_worker import TrainingRun

    old = getattr(qapp, "_layerlab_gc", None)        # start from the default: gc on, no timer
    if old is not None:
        old.timer.stop()
    qapp._layerlab_gc = None
    gc.enable()

    class OneStep:
        def advance(self, n):
            return "done"

        def snapshot(self):
            return None

    run = TrainingRun(OneStep())
    with qtbot.waitSignal(run.finished, timeout=5000):
        run.start()
    assert qapp._layerlab_gc is not None and qapp._layerlab_gc is not old and not gc.isenabled()
