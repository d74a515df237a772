"""Bounded history of snapshots, so the debugger can step back.

A :class:`Snapshot` is everything a step can change, taken just before the
step: the parameter arrays, the optimizer state, the random generator's state,
the data position and the iteration in progress. It is cheap because nothing
it refers to is ever written into: an update or an edit *binds new arrays*
(``ParamDict.set_array``), the optimizer replaces each parameter's state dict
instead of changing it, and layer caches are fresh arrays each pass. So a
snapshot holds references, not copies.

Memory is counted as the ``nbytes`` of the arrays each snapshot adds over the
one before it (arrays shared with the previous snapshot are counted once), plus
an estimate of Python's bookkeeping (:data:`ARRAY_OVERHEAD`, :data:`SNAPSHOT_OVERHEAD`). When
the total exceeds the budget, the oldest snapshots are dropped and
:attr:`History.note` says how far back one can still go.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class Snapshot:
    """State before one step. ``label`` names the step ("unit", "run", "edit", ...),
    ``values`` is what restoring needs, and ``parts`` lists, in an order that
    is the same from one snapshot to the next, each array or dict of arrays the
    snapshot keeps alive, for counting memory: a part that is the very same
    object as the previous snapshot's part at that position is shared, not new."""
    label: str
    iteration: int
    values: dict
    parts: list = field(repr=False)
    new_bytes: int = 0


#: estimated bytes of Python bookkeeping: per array (its header) and per snapshot
#: (dicts, lists, the generator state); they dominate for tiny networks
ARRAY_OVERHEAD = 128
SNAPSHOT_OVERHEAD = 4096


def nbytes(obj) -> int:
    """Bytes of an array, or of the arrays in a dict (other values count 0)."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes + ARRAY_OVERHEAD
    if isinstance(obj, dict):
        return sum(v.nbytes + ARRAY_OVERHEAD for v in obj.values() if isinstance(v, np.ndarray))
    return 0


class History:
    def __init__(self, budget_bytes: int):
        self.budget_bytes = int(budget_bytes)
        self._items: deque[Snapshot] = deque()
        self.total_bytes = 0
        #: how many snapshots were dropped to stay within the budget
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def push(self, snap: Snapshot) -> None:
        if self._items:
            prev = self._items[-1].parts
            snap.new_bytes = SNAPSHOT_OVERHEAD + sum(nbytes(obj) for obj, old in zip(snap.parts, prev)
                                                     if obj is not old)
            snap.new_bytes += sum(nbytes(obj) for obj in snap.parts[len(prev):])
        else:
            snap.new_bytes = SNAPSHOT_OVERHEAD + sum(nbytes(obj) for obj in snap.parts)
        self._items.append(snap)
        self.total_bytes += snap.new_bytes
        while self.total_bytes > self.budget_bytes and len(self._items) > 1:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        old = self._items.popleft()
        self.total_bytes -= old.new_bytes
        # The new oldest now owns everything it refers to.
        head = self._items[0]
        full = SNAPSHOT_OVERHEAD + sum(nbytes(obj) for obj in head.parts)
        self.total_bytes += full - head.new_bytes
        head.new_bytes = full
        self.dropped += 1

    def pop(self) -> Snapshot | None:
        if not self._items:
            return None
        snap = self._items.pop()
        self.total_bytes -= snap.new_bytes
        return snap

    def clear(self) -> None:
        self._items.clear()
        self.total_bytes = 0

    @property
    def note(self) -> str:
        """How far back one can go, in words."""
        if not self._items:
            return "Nothing to step back to."
        first = self._items[0]
        text = (f"You can step back {len(self._items)} step(s), to iteration {first.iteration} "
                f"({self.total_bytes / 2**20:.1f} MB of {self.budget_bytes / 2**20:.0f} MB history).")
        if self.dropped:
            text += (f" {self.dropped} older step(s) were dropped to stay within the memory budget; "
                     f"raise memory_budget to keep more.")
        return text
