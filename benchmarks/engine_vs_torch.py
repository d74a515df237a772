"""How fast is one LayerLab training step next to PyTorch on the CPU?

One training step = forward, backward, an SGD update of every parameter and
the loss value as a Python float. LayerLab's step is ``Network.train_step``, the
step its Trainer (and so the app) takes; the "2 calls" column times the same step
written as ``net.forward_backward`` then ``SGD.step``, as in a notebook (the same
weights bit for bit; train_step updates each layer as soon as its backward has
run and may write over its own gradients). For each network, batch size and dtype the
script times LayerLab (both ways) and PyTorch in turn (interleaved repeats, so all see the
same machine load; the sides take turns going first), takes the median over the repeats,
and prints the ratio
LayerLab / PyTorch (the median of the per-repeat ratios) next to its target
(lower is better; < 1 means LayerLab is faster), with the middle half (the quartiles)
of the paired ratios beside it: on a shared machine one run's median can sit on either
side of a target that lies inside that range.
The targets assume PyTorch's 2 threads; ``--torch-threads 1`` is steadier
when other work keeps the machine's cores busy.

    .venv/bin/python benchmarks/engine_vs_torch.py              # every case, 9 repeats
    .venv/bin/python benchmarks/engine_vs_torch.py --repeats 5 --seconds 0.1 --only lenet
    .venv/bin/python benchmarks/engine_vs_torch.py --keep-memory 256   # see docs/performance.md

``--keep-memory MiB`` calls ``core.keep_freed_memory(MiB)`` first, for the
whole process (LayerLab and PyTorch alike), as the LayerLab app does at start:
freed memory is kept for reuse instead of being page-faulted in anew every step
(see ``core/memory.py`` and ``benchmarks/freed_memory.py``). A process that has
loaded PyTorch rarely page-faults anyway; without the flag the process runs as
Python starts it.

PyTorch is NOT a LayerLab dependency, only this benchmark's:
``.venv/bin/pip install torch==2.13.0``. Without it the torch columns are
skipped and only LayerLab's times are printed. PyTorch runs with 2 threads
(``torch.set_num_threads(2)``, or ``--torch-threads``); numpy's BLAS uses its own default.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import Conv2D, Dense, Flatten, MaxPool2D, Network, keep_freed_memory  # noqa: E402
from core.optimizers import SGD  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

LR = 0.01


@dataclass
class Case:
    name: str
    batch: int
    input_shape: tuple[int, ...]
    layers: Callable[[], list]          # LayerLab layers
    torch_model: Callable[[], object]   # an nn.Module (logits, or sigmoid outputs for half_sse)
    loss: str
    outputs: int
    targets: dict[str, float]           # dtype name → the wanted LayerLab / PyTorch ratio


def mlp_layers():
    return [Dense(128, activation="relu"), Dense(64, activation="relu"), Dense(10, activation="softmax")]


def lenet_layers():
    return [Conv2D(6, 5, padding=2, activation="relu"), MaxPool2D(2), Conv2D(16, 5, activation="relu"),
            MaxPool2D(2), Flatten(), Dense(120, activation="relu"), Dense(84, activation="relu"),
            Dense(10, activation="softmax")]


def lecture_layers():
    return [Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")]


def torch_mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def torch_lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_lecture():
    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())


CASES = [
    Case("MLP 784-128-64-10", 64, (784,), mlp_layers, torch_mlp, "cross_entropy", 10,
         {"float32": 1.0}),
    Case("MLP 784-128-64-10", 1, (784,), mlp_layers, torch_mlp, "cross_entropy", 10,
         {"float32": 0.8, "float64": 0.8}),
    Case("LeNet-5", 64, (1, 28, 28), lenet_layers, torch_lenet, "cross_entropy", 10,
         {"float32": 1.5}),
    Case("LeNet-5", 1, (1, 28, 28), lenet_layers, torch_lenet, "cross_entropy", 10,
         {"float32": 0.6, "float64": 0.6}),
    Case("lecture 2-2-2 sigmoid", 1, (2,), lecture_layers, torch_lecture, "half_sse", 2,
         {"float32": 0.25, "float64": 0.25}),
]


def data(case: Case, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((case.batch, *case.input_shape)).astype(dtype)
    if case.loss == "cross_entropy":
        y = rng.integers(0, case.outputs, size=case.batch)
    else:
        y = rng.uniform(0.0, 1.0, size=(case.batch, case.outputs)).astype(dtype)
    return x, y


def layerlab_step(case: Case, dtype, two_calls: bool = False):
    net = Network(case.layers(), case.input_shape, loss=case.loss, dtype=dtype)
    opt = SGD(lr=LR)
    x, y = data(case, dtype)

    def step():
        return float(net.train_step(x, y, opt).loss)

    def step_in_two_calls():
        loss, grads = net.forward_backward(x, y)
        opt.step(net, grads)
        return float(loss)
    return step_in_two_calls if two_calls else step


def torch_step(case: Case, dtype):
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    model = case.torch_model().to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = data(case, dtype)
    x = torch.from_numpy(x)
    y = torch.from_numpy(y)
    if case.loss == "cross_entropy":
        loss_fn = nn.CrossEntropyLoss()
    else:   # the lecture's E = Σₖ ½ (target − out)², averaged over the batch
        def loss_fn(out, target):
            return 0.5 * ((target - out) ** 2).sum() / out.shape[0]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def steps_for(step, seconds: float) -> int:
    """How many steps fill about ``seconds`` (after a few warm-up steps)."""
    for _ in range(3):
        step()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds / 4:
        step()
        n += 1
    return max(1, int(4 * n))


def time_per_step(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def machine_info() -> list[str]:
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, "
             f"torch {torch.__version__ if torch else 'not installed'}",
             f"nproc {os.cpu_count()}, CPU {cpu_model()}",
             f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
             f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (other work on the machine skews both sides)"]
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    lines.append(f"numpy BLAS: {blas.get('name')} {blas.get('version')}{openblas_runtime()}")
    if torch:
        lines.append(f"torch threads: {torch.get_num_threads()}")
    return lines


def openblas_runtime() -> str:
    """The kernel family and thread count numpy's bundled OpenBLAS chose at run time."""
    libs = sorted((Path(np.__file__).parents[1] / "numpy.libs").glob("libscipy_openblas*.so"))
    if not libs:
        return ""
    try:
        lib = ctypes.CDLL(str(libs[0]))
        lib.scipy_openblas_get_corename64_.restype = ctypes.c_char_p
        core = lib.scipy_openblas_get_corename64_().decode()
        return f", running the {core} kernels with {lib.scipy_openblas_get_num_threads64_()} threads"
    except (OSError, AttributeError):
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per side (median taken)")
    parser.add_argument("--seconds", type=float, default=0.15, help="about how long one repeat runs")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--torch-threads", type=int, default=2,
                        help="PyTorch's intra-op threads (2 as the targets assume; 1 is steadier on a busy machine)")
    parser.add_argument("--keep-memory", type=int, default=0, metavar="MiB",
                        help="keep this much freed memory in the process (glibc mallopt); 0: as shipped")
    args = parser.parse_args(argv)
    if args.keep_memory:
        kept = keep_freed_memory(args.keep_memory)
        print(f"core.keep_freed_memory({args.keep_memory}): " + ("applied to this whole process" if kept
              else "not applied (needs glibc)"))
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    else:
        print("PyTorch is not installed: only LayerLab's times are printed "
              "(.venv/bin/pip install torch==2.13.0 to compare; it is not a LayerLab dependency).")
    print("\n".join(machine_info()))
    print(f"median of {args.repeats} repeats, each ≈ {args.seconds} s of steps; "
          f"one step = forward + backward + SGD update + loss value\n")
    header = f"{'case':<24} {'batch':>5} {'dtype':<8} {'LayerLab µs':>12} {'2 calls µs':>11} " \
             f"{'PyTorch µs':>11} {'ratio':>6} {'middle half':>11} {'2 calls':>7}  {'target':>7}"
    print(header)
    print("-" * len(header))
    for case in CASES:
        if args.only.lower() not in case.name.lower():
            continue
        for dtype_name in args.dtypes.split(","):
            dtype = {"float32": np.float32, "float64": np.float64}[dtype_name]
            sides = [layerlab_step(case, dtype), layerlab_step(case, dtype, two_calls=True)]
            if torch is not None:
                sides.append(torch_step(case, dtype))
            counts = [steps_for(step, args.seconds) for step in sides]
            times = [[] for _ in sides]
            for r in range(args.repeats):
                # the sides take turns going first: the side that runs right after PyTorch
                # finds its caches cold and, at batch 64, its second core still spinning
                for k in (k % len(sides) for k in range(r, r + len(sides))):
                    times[k].append(time_per_step(sides[k], counts[k]))
            m_ours, m_two = (statistics.median(t) * 1e6 for t in times[:2])
            row = f"{case.name:<24} {case.batch:>5} {dtype_name:<8} {m_ours:>12.1f} {m_two:>11.1f}"
            if torch is not None:
                m_theirs = statistics.median(times[2]) * 1e6
                # each repeat of ours ran next to one of theirs, under about the same
                # machine load: the median of these paired ratios resists load spikes
                ratios = [a / b for a, b in zip(times[0], times[2])]
                ratio = statistics.median(ratios)
                two_ratio = statistics.median(a / b for a, b in zip(times[1], times[2]))
                # the middle half of the paired ratios (quartiles): how far one run can be trusted
                q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratio, ratio, ratio)
                target = case.targets.get(dtype_name)
                verdict = "" if target is None else f"≤ {target:<4} {'met' if ratio <= target else 'MISSED'}"
                row += (f" {m_theirs:>11.1f} {ratio:>6.2f} {f'{q1:.2f}–{q3:.2f}':>11} {two_ratio:>7.2f}"
                        f"  {verdict}")
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
