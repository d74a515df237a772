"""What does the debugger cost on top of the plain training loop?

* ``run()`` at full speed (records kept only for the last iteration, one
  history snapshot per iteration, the default NaN breakpoint) against the plain
  loop ``net.forward_backward(x, y)`` + ``opt.step(net, grads)`` on the same
  network and batch. Targets: ≤ 1.2× for LeNet-5 at batch 64, ≤ 2× for the
  lecture's 2-2-2 network at batch 1.
* ``step("unit")`` through one whole LeNet-5 iteration at batch 64: the median
  and the slowest single step (the slowest is a step that enters a layer and
  runs its kernel, timed alone beside it). Target: every step < 20 ms.

The two loops are timed in turn (interleaved repeats, so both see the same
machine load); the ratio is the median over the repeats of run / plain, and
"best" the ratio of the fastest times. The engine's own figure (the plain
loop, median ms per iteration) is printed beside them.

    .venv/bin/python benchmarks/debugger_overhead.py
    .venv/bin/python benchmarks/debugger_overhead.py --repeats 9 --seconds 0.3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import SGD, Conv2D, Debugger, Dense, Flatten, MaxPool2D, Network  # noqa: E402


def lenet():
    return Network([Conv2D(6, 5, padding=2, activation="relu"), MaxPool2D(2),
                    Conv2D(16, 5, activation="relu"), MaxPool2D(2), Flatten(),
                    Dense(120, activation="relu"), Dense(84, activation="relu"),
                    Dense(10, activation="softmax")],
                   input_shape=(1, 28, 28), loss="cross_entropy", seed=0)


def lecture():
    return Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                   input_shape=(2,), loss="half_sse", seed=0)


CASES = [  # name, network, batch, target ratio
    ("LeNet-5, batch 64", lenet, 64, 1.2),
    ("lecture 2-2-2, batch 1", lecture, 1, 2.0),
]


def data(net, batch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, *net.input_shape))
    if net.loss.name == "cross_entropy":
        return x, rng.integers(0, net.output_shape[0], size=batch)
    return x, rng.uniform(0, 1, size=(batch, *net.output_shape))


def iterations_for(seconds, one_iteration):
    """How many iterations fill about ``seconds``."""
    t = time.perf_counter()
    one_iteration()
    once = max(time.perf_counter() - t, 1e-6)
    return max(3, int(seconds / once))


def time_case(make, batch, repeats, seconds):
    plain_net, run_net = make(), make()
    x, y = data(plain_net, batch)
    opt = SGD(lr=0.01)

    def plain_iteration():
        loss, grads = plain_net.forward_backward(x, y)
        opt.step(plain_net, grads)

    dbg = Debugger(run_net, SGD(lr=0.01), x, y)
    n = iterations_for(seconds, plain_iteration)
    plain, run = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            plain_iteration()
        plain.append((time.perf_counter() - t) / n)
        t = time.perf_counter()
        why = dbg.run(max_iterations=n)
        run.append((time.perf_counter() - t) / n)
        assert why.reason == "limit", why.message
    return plain, run


def unit_steps(batch, repeats):
    """Time every step("unit") of one LeNet-5 iteration, ``repeats`` times; for
    a step that enters a layer, also time that layer's kernel alone on the same
    input. Returns per-step medians: (step seconds, kernel seconds or 0)."""
    runs = []
    for _ in range(repeats):
        net = lenet()
        x, y = data(net, batch)
        dbg = Debugger(net, SGD(lr=0.01), x, y)
        times = []
        while True:
            cursor = dbg.cursor
            t = time.perf_counter()
            rec = dbg.step("unit")
            step = time.perf_counter() - t
            kernel = 0.0
            if cursor.unit == 0 and cursor.phase in ("forward", "backward"):
                st, i = dbg.state, cursor.layer
                t = time.perf_counter()
                if cursor.phase == "forward":
                    net.layers[i].forward(st.inputs[i], True, np.random.default_rng(0))
                else:
                    net.backward_layer(i, st.douts[i], st.caches[i])
                kernel = time.perf_counter() - t
            times.append((step, kernel))
            if rec.phase == "update":
                break
        runs.append(times)
    return [(statistics.median(r[k][0] for r in runs), statistics.median(r[k][1] for r in runs))
            for k in range(len(runs[0]))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--seconds", type=float, default=0.2, help="length of one timed loop")
    args = ap.parse_args()
    print(f"numpy {np.__version__}, float64, {args.repeats} interleaved repeats, medians\n")
    print("ratio: median over the repeats of run / plain, each pair timed back to back;\n"
          "best: fastest run / fastest plain (the least disturbed by other load)\n")
    print(f"{'case':<24} {'plain ms/it':>12} {'run() ms/it':>12} {'ratio':>7} {'best':>7} {'target':>7}")
    for name, make, batch, target in CASES:
        plain, run = time_case(make, batch, args.repeats, args.seconds)
        ratio = statistics.median(r / p for r, p in zip(run, plain))
        best = min(run) / min(plain)
        ok = "ok" if ratio <= target else "OVER"
        print(f"{name:<24} {statistics.median(plain) * 1e3:>12.3f} {statistics.median(run) * 1e3:>12.3f} "
              f"{ratio:>7.2f} {best:>7.2f} {'≤ ' + str(target):>7} {ok}")
    steps = unit_steps(64, 3)
    slowest = max(steps)
    own = max(step - kernel for step, kernel in steps)
    print(f"\nstep('unit') through one LeNet-5 iteration at batch 64 ({len(steps)} steps, medians of 3):")
    print(f"  median step {statistics.median(s for s, _ in steps) * 1e3:.2f} ms; slowest step "
          f"{slowest[0] * 1e3:.2f} ms, of which the layer's own kernel {slowest[1] * 1e3:.2f} ms "
          f"(target < 20 ms) {'ok' if slowest[0] < 0.02 else 'OVER'}")
    print(f"  the debugger's own largest share of a step (records, history): {own * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
