"""Keep freed memory in the process, so that training does not page-fault.

Every training step makes fresh arrays — layer outputs, gradients, im2col
columns — and frees them when it ends. glibc's malloc serves large blocks
with ``mmap`` and gives freed memory at the top of its heap back to the
kernel once more than ``M_TRIM_THRESHOLD`` of it is free. The next step then
gets fresh pages, which the kernel zero-fills on their first touch: a page
fault every 4 kB. ``benchmarks/freed_memory.py`` measures it in fresh Python processes, SGD steps
on this project's 2-core machine (medians of 3 process pairs):

    network, batch                page faults a step    time a step           speed-up
                                  as is    kept         as is      kept
    MLP 784-128-64-10, 1, f64       360      0          912 µs     335 µs     2.7×
    MLP 784-128-64-10, 64, f64      360      0         1508 µs     961 µs     1.6×
    LeNet-5, 1, f64                 155      0          928 µs     625 µs     1.5×
    LeNet-5, 64, f64               2963      0         22.2 ms    16.0 ms     1.4×
    LeNet-5, 64, f32                840      0         12.0 ms    10.8 ms     1.1×

How much a process suffers depends on what it did before (a process that
has loaded PyTorch, for instance, had already raised the thresholds), so
LayerLab asks for it explicitly: the app at start, its training process, and
anyone training from a notebook::

    import core
    core.keep_freed_memory()        # once, before training

The process then keeps up to ``mib`` MiB of freed memory for reuse instead of
handing it back, and serves blocks up to 32 MiB from its heap.
"""
from __future__ import annotations

import ctypes
import ctypes.util

#: mallopt parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: glibc's largest M_MMAP_THRESHOLD on 64-bit systems
MMAP_THRESHOLD_MAX_MIB = 32


def keep_freed_memory(mib: int = 64) -> bool:
    """Ask the C library to keep up to ``mib`` MiB of freed memory in this process.

    Returns True when it took the settings, False where there is nothing to
    tune (not glibc: macOS, Windows, musl). Safe to call more than once."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mmap_mib = min(mib, MMAP_THRESHOLD_MAX_MIB)
    return mallopt(M_MMAP_THRESHOLD, mmap_mib << 20) == 1 and mallopt(M_TRIM_THRESHOLD, mib << 20) == 1
