"""Bounded history of snapshots, so the debugger can step back.

A :class:`Snapshot` is everything a step can change, taken just before the
step: the parameter arrays, the optimizer state, the random generator's state,
the data position and the iteration in progress. It is cheap because nothing
it refers to is ever written into: an update or an edit *binds new arrays*
(``ParamDict.set_array``), the optimizer replaces each parameter's state dict
instead of changing it, and layer caches are fresh arrays each pass. So a
snapshot holds references, not copies.

A run takes a snapshot only every ``checkpoint_every`` iterations (on a tiny
network, keeping one per iteration would cost more than the iteration); a
step back inside that stretch restores the snapshot and replays the
iterations up to the target, which gives the same numbers bit for bit.

Memory is counted as the ``nbytes`` of the arrays each snapshot adds over the
one before it (arrays shared with the previous snapshot are counted once), plus
an estimate of Python's bookkeeping (:data:`ARRAY_OVERHEAD`,
:data:`SNAPSHOT_OVERHEAD`). When the total exceeds the budget, the oldest
snapshots are dropped and :attr:`History.note` says how far back one can still go.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False, slots=True)
class Snapshot:
    """State before one step. ``label`` names the step ("unit", "run", "edit", ...),
    ``values`` is what restoring needs, and ``parts`` lists, in an order that
    is the same from one snapshot to the next, what the snapshot keeps alive,
    for counting memory: arrays and dicts of arrays, compared by identity (the
    very same object as the previous snapshot's part at that position is shared,
    not new), and ``(key, nbytes)`` pairs for larger things, compared by key."""
    label: str
    iteration: int
    values: tuple
    parts: tuple = field(repr=False)
    new_bytes: int = 0
    #: for a run: iterations finished after the snapshot, and whether the run
    #: then stopped inside an iteration; each is one more step back, reached
    #: by restoring the snapshot and replaying (see :meth:`History.steps`)
    iterations: int = 0
    partial: bool = False

    @property
    def steps(self) -> int:
        """How many step-backs this entry provides."""
        return max(1, self.iterations + self.partial)


#: estimated bytes of Python bookkeeping: per array (its header) and per snapshot
#: (dicts, lists, the generator state); they dominate for tiny networks
ARRAY_OVERHEAD = 128
SNAPSHOT_OVERHEAD = 4096


def nbytes(obj) -> int:
    """Bytes of an array, of the arrays in a dict, or of a ``(key, nbytes)`` pair;
    other values count 0."""
    if type(obj) is np.ndarray:
        return obj.nbytes + ARRAY_OVERHEAD
    if isinstance(obj, dict):
        return sum(v.nbytes + ARRAY_OVERHEAD for v in obj.values() if isinstance(v, np.ndarray))
    if type(obj) is tuple:
        return obj[1]
    return 0


def _same(obj, old) -> bool:
    return obj is old or (type(obj) is tuple and type(old) is tuple and obj == old)


class History:
    def __init__(self, budget_bytes: int):
        self.budget_bytes = int(budget_bytes)
        self._items: deque[Snapshot] = deque()
        self.total_bytes = 0
        #: how many snapshots were dropped to stay within the budget
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def depth(self) -> int:
        """How many steps one can go back."""
        return sum(s.steps for s in self._items)

    def top(self) -> Snapshot | None:
        return self._items[-1] if self._items else None

    def push(self, snap: Snapshot) -> None:
        if self._items:
            prev = self._items[-1].parts
            snap.new_bytes = SNAPSHOT_OVERHEAD + sum(nbytes(obj) for obj, old in zip(snap.parts, prev)
                                                     if not _same(obj, old))
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

    @property
    def note(self) -> str:
        """How far back one can go, in words."""
        if not self._items:
            return "Nothing to step back to."
        first = self._items[0]
        text = (f"You can step back {self.depth} step(s), to iteration {first.iteration} "
                f"({self.total_bytes / 2**20:.1f} MB of {self.budget_bytes / 2**20:.0f} MB history).")
        if self.dropped:
            text += (f" {self.dropped} older step(s) were dropped to stay within the memory budget; "
                     f"raise memory_budget to keep more.")
        return text
