"""desktop_app.gil_share: a worker thread rests now and then, so that the GUI thread
gets the GIL (with a fake clock: tests never time anything)."""
from desktop_app import gil_share
from desktop_app.gil_share import REST_SECONDS, WORK_SECONDS, Pacer


class FakeClock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_worker_rests_after_each_stretch_of_work(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(gil_share.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(gil_share.time, "sleep", clock.sleep)
    pacer = Pacer()
    step = WORK_SECONDS / 4
    for _ in range(3):                   # three quarters of a stretch: no rest yet
        clock.now += step
        pacer.rest_if_due()
    assert clock.sleeps == []
    clock.now += step                    # a whole stretch: one rest
    pacer.rest_if_due()
    assert clock.sleeps == [REST_SECONDS]
    for _ in range(7):                   # the next stretch counts from the end of the rest
        clock.now += step
        pacer.rest_if_due()
    assert clock.sleeps == [REST_SECONDS, REST_SECONDS]


class CountingJob:
    """A training job that stops after three chunks."""

    def __init__(self):
        self.chunks = 0

    def advance(self, n):
        self.chunks += 1
        return "Finished." if self.chunks == 3 else None

    def snapshot(self):
        return self.chunks


class ChildProcessJob(CountingJob):
    computes_elsewhere = True


def test_only_a_job_computing_in_this_process_rests(monkeypatch, qapp):
    from desktop_app.training_worker import TrainingWorker
    rests = []
    monkeypatch.setattr(Pacer, "rest_if_due", lambda self: rests.append(self))
    assert TrainingWorker(CountingJob())._loop() == "Finished."
    assert len(rests) == 3                   # before each chunk
    rests.clear()
    assert TrainingWorker(ChildProcessJob())._loop() == "Finished."
    assert rests == []                       # its worker waits on a pipe: no rest needed
