"""Undo and redo for the builder: a list of snapshots of the edited state.

Every edit pushes a copy of the state *before* it with a short description
("Add Dense", "Set units of layer 1 to 3"). ``undo`` returns the state to go
back to and remembers the current one for ``redo``; a new edit clears redo.
States are opaque to this class (the session stores deep copies of its stack)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edit:
    description: str
    state: Any


class UndoHistory:
    def __init__(self, limit: int = 200):
        self.limit = limit
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []

    def push(self, description: str, state_before) -> None:
        self._undo.append(Edit(description, state_before))
        del self._undo[:-self.limit]
        self._redo.clear()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return self._undo[-1].description if self._undo else ""

    def redo_text(self) -> str:
        return self._redo[-1].description if self._redo else ""

    def undo(self, current_state) -> Edit:
        """The edit undone; its ``state`` is the one to restore."""
        edit = self._undo.pop()
        self._redo.append(Edit(edit.description, current_state))
        return edit

    def redo(self, current_state) -> Edit:
        edit = self._redo.pop()
        self._undo.append(Edit(edit.description, current_state))
        return edit

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
