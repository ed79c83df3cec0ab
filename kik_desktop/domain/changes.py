"""Typed change records: what a domain write changed, for undo, history, views and the merge."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any


class Action(Enum):
    """What happened to one item."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    MOVED = "moved"
    # Everything of a kind may have changed (import of many rows, reload, restore of a backup).
    RESET = "reset"


def _frozen(values: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Change:
    """One item changed by a domain write.

    ``kind`` is the item's kind ("field", "goal", "measure", and for the data around the plan e.g.
    "status", "institution", "working_group", "indicator", "snapshot", "dispatch", "concept").
    ``values`` holds the changed attributes with their new values (for UPDATED and CREATED);
    ``parent_id``/``index`` say where a CREATED or MOVED item now stands.
    """

    action: Action
    kind: str
    item_id: int | None = None
    values: Mapping[str, Any] = field(default_factory=lambda: _frozen(None))
    parent_id: int | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.values, MappingProxyType):
            object.__setattr__(self, "values", _frozen(self.values))

    @property
    def attrs(self) -> frozenset[str]:
        return frozenset(self.values)

    def __hash__(self) -> int:
        return hash((self.action, self.kind, self.item_id, self.attrs, self.parent_id, self.index))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Change):
            return NotImplemented
        return (self.action, self.kind, self.item_id, dict(self.values), self.parent_id, self.index) == (
            other.action,
            other.kind,
            other.item_id,
            dict(other.values),
            other.parent_id,
            other.index,
        )


@dataclass(frozen=True)
class ChangeSet:
    """All changes of one user action (one transaction), in the order they were made."""

    changes: tuple[Change, ...] = ()

    @classmethod
    def of(cls, changes: Iterable[Change]) -> ChangeSet:
        return cls(tuple(changes))

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.changes + other.changes)

    def of_kind(self, kind: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    def touches(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.changes)

    @property
    def is_reset(self) -> bool:
        return any(c.action is Action.RESET for c in self.changes)


def updated(kind: str, item_id: int, values: Mapping[str, Any]) -> Change:
    return Change(Action.UPDATED, kind, item_id, values)


def created(
    kind: str, item_id: int, parent_id: int | None, index: int, values: Mapping[str, Any] | None = None
) -> Change:
    return Change(Action.CREATED, kind, item_id, values or {}, parent_id, index)


def deleted(kind: str, item_id: int, parent_id: int | None = None, *, index: int | None = None) -> Change:
    """index: where the item stood under its parent before it went (when the write knows it)."""
    return Change(Action.DELETED, kind, item_id, parent_id=parent_id, index=index)


def moved(kind: str, item_id: int, parent_id: int | None, index: int) -> Change:
    return Change(Action.MOVED, kind, item_id, parent_id=parent_id, index=index)


def reset(kind: str = "plan") -> Change:
    return Change(Action.RESET, kind)
