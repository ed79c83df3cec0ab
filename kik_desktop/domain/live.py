"""Live refresh for a team database: other editors' changes, read from the change log by revision.

``ChangePoller.poll()`` returns a ``ChangeSet`` of what other sessions committed since the last poll
(this program's own changes are skipped: they went through its own edit path already). Qt-free; the
window calls it from a timer (``ui/team.py``). Works on SQLite too (a read-only viewer of a file that
someone else edits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kik_desktop.domain.changes import Action, Change, ChangeSet
from kik_desktop.models import ChangeLogEntry
from kik_desktop.store.changelog import latest_revision
from kik_desktop.store.database import Document

# One poll reads at most this many log rows; the rest comes with the next poll.
BATCH = 2000

_ACTIONS = {a.value: a for a in Action}


def change_of(entry: ChangeLogEntry) -> Change:
    """The typed change record of one change-log row."""
    try:
        values: dict[str, Any] = dict(json.loads(entry.attrs or "{}"))
    except (ValueError, TypeError):
        values = {}
    action = _ACTIONS.get(entry.action, Action.RESET)
    if action is Action.RESET:
        return Change(Action.RESET, entry.kind)
    parent = values.pop("parent_id", None)
    index = values.get("position")
    if action is Action.DELETED:
        return Change(Action.DELETED, entry.kind, entry.item_id)
    if action is Action.MOVED:
        return Change(Action.MOVED, entry.kind, entry.item_id, parent_id=parent, index=index)
    if action is Action.CREATED:
        return Change(Action.CREATED, entry.kind, entry.item_id, values, parent, index)
    return Change(Action.UPDATED, entry.kind, entry.item_id, values)


@dataclass
class PollResult:
    changes: ChangeSet
    authors: tuple[str, ...] = ()
    revision: int = 0


@dataclass
class ChangePoller:
    """Reads the change log of a document from a revision on; ``poll()`` moves that revision forward."""

    document: Document
    revision: int = -1
    last_authors: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.revision < 0:
            with self.document.reading() as s:
                self.revision = latest_revision(s)

    def poll(self) -> ChangeSet:
        return self.poll_result().changes

    def poll_result(self) -> PollResult:
        """Other editors' changes since the last poll (empty ChangeSet: nothing new)."""
        with self.document.reading() as s:
            entries = list(
                s.scalars(
                    select(ChangeLogEntry)
                    .where(ChangeLogEntry.revision > self.revision)
                    .order_by(ChangeLogEntry.revision)
                    .limit(BATCH)
                )
            )
            if not entries:
                return PollResult(ChangeSet(), (), self.revision)
            self.revision = max(e.revision for e in entries)
            others = [e for e in entries if e.session != self.document.session_id]
            authors = tuple(dict.fromkeys(e.author for e in others if e.author))
            changes = ChangeSet.of(change_of(e) for e in others)
        self.last_authors = authors
        if others:
            # What the other editors changed is no longer what this program read: the next save of
            # those items is checked against their values (domain/conflicts.py).
            for change in changes:
                if change.item_id is not None and change.action is Action.DELETED:
                    self.document.seen.pop((change.kind, change.item_id), None)
        return PollResult(changes, authors, self.revision)
