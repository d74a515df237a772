"""How much does keeping freed memory (``core.keep_freed_memory``) speed training up?

For each network and batch size, two fresh Python processes train the same
network with SGD — one as Python starts, one after ``core.keep_freed_memory()``
— in turn, several rounds; each prints its page faults per step (from
``getrusage``) and its median time per step. Fresh processes, because how much
a process page-faults depends on everything it allocated before.

    .venv/bin/python benchmarks/freed_memory.py            # 3 rounds
    .venv/bin/python benchmarks/freed_memory.py --rounds 5
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (network, batch, dtype)
CASES = [("mlp", 1, "float64"), ("mlp", 64, "float64"), ("lenet", 1, "float64"),
         ("lenet", 64, "float64"), ("lenet", 64, "float32")]

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
sys.path.insert(0, {root!r})
import core
from core import Conv2D, Dense, Flatten, MaxPool2D, Network
from core.optimizers import SGD
name, batch, dtype, keep = {name!r}, {batch}, {dtype!r}, {keep}
if keep:
    core.keep_freed_memory()
if name == "mlp":
    layers, shape = [Dense(128, activation="relu"), Dense(64, activation="relu"), Dense(10, activation="softmax")], (784,)
else:
    layers, shape = [Conv2D(6, 5, padding=2, activation="relu"), MaxPool2D(2), Conv2D(16, 5, activation="relu"),
                     MaxPool2D(2), Flatten(), Dense(120, activation="relu"), Dense(84, activation="relu"),
                     Dense(10, activation="softmax")], (1, 28, 28)
net = Network(layers, shape, loss="cross_entropy", dtype=dtype)
rng = np.random.default_rng(0)
x, y = rng.standard_normal((batch, *shape)).astype(dtype), rng.integers(0, 10, size=batch)
opt = SGD(lr=0.01)
def step():
    loss, grads = net.forward_backward(x, y)
    opt.step(net, grads)
n = max(5, 3000 // batch)
for _ in range(n // 3):
    step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
times = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(n):
        step()
    times.append((time.perf_counter() - t) / n)
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / (5 * n)
print(json.dumps({{"faults": faults, "seconds": statistics.median(times)}}))
"""


def run(name: str, batch: int, dtype: str, keep: bool) -> dict:
    code = CHILD.format(root=str(ROOT), name=name, batch=batch, dtype=dtype, keep=keep)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh process pairs per case (median taken)")
    args = parser.parse_args(argv)
    print(f"{'network':<8} {'batch':>5} {'dtype':<8} {'faults/step':>12} {'kept':>5} "
          f"{'µs/step':>9} {'kept':>9} {'speed-up':>8}")
    for name, batch, dtype in CASES:
        plain, kept = [], []
        for _ in range(args.rounds):          # in turn, so both see about the same machine load
            plain.append(run(name, batch, dtype, keep=False))
            kept.append(run(name, batch, dtype, keep=True))
        f_plain = statistics.median(r["faults"] for r in plain)
        f_kept = statistics.median(r["faults"] for r in kept)
        t_plain = statistics.median(r["seconds"] for r in plain) * 1e6
        t_kept = statistics.median(r["seconds"] for r in kept) * 1e6
        print(f"{name:<8} {batch:>5} {dtype:<8} {f_plain:>12.0f} {f_kept:>5.0f} "
              f"{t_plain:>9.0f} {t_kept:>9.0f} {t_plain / t_kept:>7.2f}×", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
