"""Conflicts between editors of one document (team database): typed, plain-data records.

Optimistic locking per row: fields, goals and measures carry a ``version`` the ORM checks and bumps on
every update. On top of that the Document remembers what this program last read of each item (its
version and values, ``Document.seen``): a save whose item has a newer version since is compared
attribute by attribute with what was read (the base). Attributes only one side changed are simply
saved; an attribute both changed to different values is a ``Conflict`` carrying base, mine and theirs,
raised together as ``ConflictError``. The records are plain data (``to_records()``) so that the merge
view of returned workbooks (domain/merge.py) can show them too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.errors import PlanError
from kik_desktop.models import ChangeLogEntry

ATTR_NAMES = {
    "name": "Name",
    "title": "Titel",
    "description": "Beschreibung",
    "indicator": "Indikator",
    "target_group": "Zielgruppe",
    "responsible": "Verantwortlich",
    "actors": "Akteure",
    "needs": "Bedarf",
    "start": "Beginn",
    "end": "Ende",
    "success_indicator": "Erfolgsindikator",
    "status_key": "Status",
    "priority": "Priorität",
    "funding": "Finanzierung",
    "notes": "Notizen",
    "is_example": "Beispiel",
    "tasks": "Querschnittsaufgaben",
    "working_group": "Arbeitsgruppe",
    "adopted_goals": "beschlossene Ziele",
    "adopted_measures": "beschlossene Maßnahmen",
}
KIND_NAMES = {"field": "Das Handlungsfeld", "goal": "Das Ziel", "measure": "Die Maßnahme"}


@dataclass(frozen=True)
class Conflict:
    """One attribute both this editor and another changed since this editor read it."""

    kind: str
    item_id: int
    attr: str
    base: Any
    mine: Any
    theirs: Any
    their_author: str = ""

    @property
    def label(self) -> str:
        return ATTR_NAMES.get(self.attr, self.attr)


def _short(value: Any) -> str:
    text = "(leer)" if value in (None, "", []) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


class ConflictError(PlanError):
    """A save collided with another editor's change; nothing was saved.

    ``conflicts`` are the colliding attributes; ``mine`` all values of the failed save; ``current`` the
    item's values and ``current_version`` its version now (to save anyway: mark them as read with
    ``accept_current`` and save again).
    """

    def __init__(
        self,
        kind: str,
        item_id: int,
        title: str,
        conflicts: tuple[Conflict, ...],
        mine: dict[str, Any],
        current: dict[str, Any],
        current_version: int,
        their_author: str,
    ) -> None:
        self.kind = kind
        self.item_id = item_id
        self.title = title
        self.conflicts = conflicts
        self.mine = dict(mine)
        self.current = dict(current)
        self.current_version = current_version
        self.their_author = their_author
        who = their_author or "jemand anderem"
        lines = [
            f"{KIND_NAMES.get(kind, 'Der Eintrag')} „{title}“ wurde inzwischen von {who} geändert. "
            "Ihre Änderung wurde nicht gespeichert:"
        ]
        lines += [
            f"  {c.label}: Ihr Wert „{_short(c.mine)}“, Wert von {who} „{_short(c.theirs)}“"
            for c in conflicts
        ]
        super().__init__("\n".join(lines))

    def to_records(self) -> list[dict[str, Any]]:
        """The conflicts as plain dicts (kind, item_id, attr, label, base, mine, theirs, their_author)."""
        return [{**asdict(c), "label": c.label} for c in self.conflicts]


class UndoRefusedError(PlanError):
    """Undo of a step whose item someone else has changed since; nothing was changed."""


SEEN_UNDO = "kik_seen_undo"


def _document(s: Session) -> Any:
    return s.info.get("kik_document")


def remember(s: Session, kind: str, item_id: int, version: int, values: dict[str, Any]) -> None:
    """Note what this program has read of an item (the base of its next save)."""
    doc = _document(s)
    if doc is not None:
        key = (kind, item_id)
        # A write transaction that rolls back puts the previous entries back (store/changelog.py).
        s.info.setdefault(SEEN_UNDO, {}).setdefault(key, doc.seen.get(key))
        doc.seen[key] = (int(version), dict(values))


def seen(s: Session, kind: str, item_id: int) -> tuple[int, dict[str, Any]] | None:
    doc = _document(s)
    if doc is None:
        return None
    found: tuple[int, dict[str, Any]] | None = doc.seen.get((kind, item_id))
    return found


def accept_current(doc: Any, error: ConflictError) -> None:
    """The user chose to save their values anyway: take the other editor's state as read."""
    doc.seen[(error.kind, error.item_id)] = (error.current_version, dict(error.current))


def _others(s: Session) -> Any:
    doc = _document(s)
    return ChangeLogEntry.session != (doc.session_id if doc is not None else "")


def last_other_author(s: Session, kind: str, item_id: int) -> str:
    """Who of the other editors changed this item last ("" if nobody is recorded)."""
    author = s.scalar(
        select(ChangeLogEntry.author)
        .where(ChangeLogEntry.kind == kind, ChangeLogEntry.item_id == item_id, _others(s))
        .order_by(ChangeLogEntry.revision.desc())
        .limit(1)
    )
    return str(author or "")


def changed_by_others_since(s: Session, kind: str, item_id: int, revision: int) -> ChangeLogEntry | None:
    """The newest change of this item by another editor after ``revision``, or None. The marker of a
    pruned change log (action ``PRUNED``) after ``revision`` is returned as well: what happened to the
    item in between is no longer known."""
    from kik_desktop.store.changelog import PRUNED

    marker = s.scalars(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.action == PRUNED, ChangeLogEntry.revision > revision)
        .limit(1)
    ).first()
    if marker is not None:
        return marker
    return s.scalars(
        select(ChangeLogEntry)
        .where(
            ChangeLogEntry.kind == kind,
            ChangeLogEntry.item_id == item_id,
            ChangeLogEntry.revision > revision,
            _others(s),
        )
        .order_by(ChangeLogEntry.revision.desc())
        .limit(1)
    ).first()


def find_conflicts(
    kind: str,
    item_id: int,
    base: dict[str, Any],
    current: dict[str, Any],
    mine: dict[str, Any],
    their_author: str = "",
) -> tuple[Conflict, ...]:
    """Attributes of ``mine`` that the other side changed too (current ≠ base) to another value."""
    out = []
    for attr, value in mine.items():
        theirs = current.get(attr)
        if value == theirs:
            continue
        if attr in base and base[attr] == theirs:
            continue  # only I changed it
        out.append(Conflict(kind, item_id, attr, base.get(attr), value, theirs, their_author))
    return tuple(out)
