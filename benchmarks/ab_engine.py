"""Is the working tree's engine faster than it was at a git revision? An A/B in one process.

The machine's speed drifts by up to half over minutes, so two benchmark runs
minutes apart cannot show a 3 % change. This script loads ``core`` twice in one
process — as it is in the working tree, and as it was at REV (exported with
``git archive`` under the package name ``core_at_rev``) — builds the same
network on each, and times them in turn: 15 interleaved repeats, the median of
the paired ratios new / old. Both sides first get ``keep_freed_memory()``, so
neither page-faults (as in a process that has loaded PyTorch, where
``engine_vs_torch.py`` runs).

    .venv/bin/python benchmarks/ab_engine.py HEAD~3
    .venv/bin/python benchmarks/ab_engine.py 5709e88 --repeats 21
    .venv/bin/python benchmarks/ab_engine.py HEAD --only LeNet --batches 1 --dtypes float64
    .venv/bin/python benchmarks/ab_engine.py HEAD --train-step   # time Network.train_step

A step is ``net.forward_backward`` then ``SGD.step``, as every revision has them;
``--train-step`` times ``net.train_step`` instead (revisions from 3a2502f on).
"""
from __future__ import annotations

import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: network name → (layers from a core package, input shape); batch 1 and 64, float32 and float64
NETWORKS = {
    "MLP 784-128-64-10": (lambda c: [c.Dense(128, activation="relu"), c.Dense(64, activation="relu"),
                                     c.Dense(10, activation="softmax")], (784,)),
    "LeNet-5": (lambda c: [c.Conv2D(6, 5, padding=2, activation="relu"), c.MaxPool2D(2),
                           c.Conv2D(16, 5, activation="relu"), c.MaxPool2D(2), c.Flatten(),
                           c.Dense(120, activation="relu"), c.Dense(84, activation="relu"),
                           c.Dense(10, activation="softmax")], (1, 28, 28)),
}


def core_at(rev: str, folder: Path):
    """Import ``core`` as it was at ``rev`` under the name ``core_at_rev``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "core"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "core").rename(folder / "core_at_rev")
    sys.path.insert(0, str(folder))
    return importlib.import_module("core_at_rev")


def training_step(core, name: str, batch: int, dtype, train_step: bool = False):
    layers, shape = NETWORKS[name]
    net = core.Network(layers(core), shape, loss="cross_entropy", dtype=dtype)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((batch, *shape)).astype(dtype), rng.integers(0, 10, size=batch)
    opt = importlib.import_module(f"{core.__name__}.optimizers").SGD(lr=0.01)

    def step():
        loss, grads = net.forward_backward(x, y)
        opt.step(net, grads)
        return float(loss)

    def one_call_step():
        return float(net.train_step(x, y, opt).loss)
    return one_call_step if train_step else step


def seconds_per_step(step, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the git revision to compare the working tree with")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=0.1, help="about how long one repeat runs")
    parser.add_argument("--only", default="", help="run only networks whose name contains this text")
    parser.add_argument("--batches", default="1,64", help="batch sizes, comma-separated")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--train-step", action="store_true", help="time net.train_step, not the two calls")
    args = parser.parse_args(argv)
    import core as new
    with tempfile.TemporaryDirectory() as folder:
        old = core_at(args.rev, Path(folder))
        for side in (old, new):
            if hasattr(side, "keep_freed_memory"):
                side.keep_freed_memory()
        print(f"working tree against {args.rev}: median of {args.repeats} paired ratios new / old "
              f"(< 1: the working tree is faster)")
        for name in (n for n in NETWORKS if args.only in n):
            for batch in (int(b) for b in args.batches.split(",")):
                for dtype in (np.dtype(d).type for d in args.dtypes.split(",")):
                    a, b = (training_step(side, name, batch, dtype, args.train_step)
                            for side in (old, new))
                    seconds_per_step(a, 3)
                    n = max(3, int(args.seconds / seconds_per_step(b, 3)))
                    pairs = [(seconds_per_step(a, n), seconds_per_step(b, n)) for _ in range(args.repeats)]
                    ratio = statistics.median(new_t / old_t for old_t, new_t in pairs)
                    print(f"{name:<18} batch {batch:>2} {np.dtype(dtype).name:<8} "
                          f"old {statistics.median(p[0] for p in pairs) * 1e6:8.0f} µs  "
                          f"new {statistics.median(p[1] for p in pairs) * 1e6:8.0f} µs  ratio {ratio:.3f}",
                          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
