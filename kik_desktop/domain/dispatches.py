"""Dispatches: every export sent out is recorded with the value of every exported cell (its *base*).

The base is what the three-way merge (``domain.merge``) compares a returned sheet or copy with. Values
are kept as text under the dump's attribute names (``status``, ``responsible`` …) so that workbook cells,
workshop copies and the document compare alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import changes
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.models import Dispatch, DispatchValue, DocumentProperty, Field, Goal, Measure

DOCUMENT_UID_KEY = "document_uid"

# The merged attributes: dump key → model attribute, per kind.
MEASURE_MERGE_ATTRS: dict[str, str] = {
    "title": "title",
    "description": "description",
    "target_group": "target_group",
    "responsible": "responsible",
    "actors": "actors",
    "needs": "needs",
    "start": "start",
    "end": "end",
    "success_indicator": "success_indicator",
    "status": "status_key",
    "priority": "priority",
    "notes": "notes",
}
GOAL_MERGE_ATTRS: dict[str, str] = {"title": "title", "indicator": "indicator"}
FIELD_MERGE_ATTRS: dict[str, str] = {"title": "name"}
MERGE_ATTRS: dict[str, dict[str, str]] = {
    "field": FIELD_MERGE_ATTRS,
    "goal": GOAL_MERGE_ATTRS,
    "measure": MEASURE_MERGE_ATTRS,
}

Key = tuple[str, str]  # (kind, uid)
ValueMap = dict[Key, dict[str, str]]


def as_text(value: Any) -> str:
    """A value as the merge compares it: text, None as ""."""
    if value is None:
        return ""
    return str(value)


def document_uid(s: Session, *, create: bool = False) -> str | None:
    """The document's own id (set at the first dispatch); workbooks and copies carry it."""
    prop = s.get(DocumentProperty, DOCUMENT_UID_KEY)
    if prop is None and create:
        prop = DocumentProperty(key=DOCUMENT_UID_KEY, value=uuid.uuid4().hex)
        s.add(prop)
        s.flush()
    return prop.value if prop is not None else None


def current_values(
    s: Session, measure_ids: Iterable[int] | None = None, *, with_parents: bool = True
) -> ValueMap:
    """The document's values as the merge sees them; all measures when ``measure_ids`` is None."""
    out: ValueMap = {}
    q = select(Measure)
    ids = None if measure_ids is None else set(measure_ids)
    goal_ids: set[int] = set()
    for m in s.scalars(q):
        if ids is not None and m.id not in ids:
            continue
        out[("measure", m.uid)] = {k: as_text(getattr(m, a)) for k, a in MEASURE_MERGE_ATTRS.items()}
        goal_ids.add(m.goal_id)
    if with_parents:
        for g in s.scalars(select(Goal)):
            if ids is None or g.id in goal_ids:
                out[("goal", g.uid)] = {k: as_text(getattr(g, a)) for k, a in GOAL_MERGE_ATTRS.items()}
        if ids is None:
            for f in s.scalars(select(Field)):
                out[("field", f.uid)] = {k: as_text(getattr(f, a)) for k, a in FIELD_MERGE_ATTRS.items()}
    return out


@dataclass(frozen=True)
class DispatchInfo:
    id: int
    uid: str
    created_at: datetime
    kind: str
    scope: str
    scope_label: str
    recipient: str
    contact: str
    email: str
    due: str
    file_name: str
    returned_at: datetime | None
    returned_file: str
    items: int

    @property
    def outstanding(self) -> bool:
        return self.returned_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "date": self.created_at.isoformat(timespec="seconds"),
            "kind": self.kind,
            "scope": self.scope,
            "scope_label": self.scope_label,
            "recipient": self.recipient,
            "contact": self.contact,
            "email": self.email,
            "due": self.due,
            "file": self.file_name,
            "returned": self.returned_at is not None,
            "returned_at": self.returned_at.isoformat(timespec="seconds") if self.returned_at else None,
            "returned_file": self.returned_file or None,
            "outstanding": self.returned_at is None,
            "measures": self.items,
        }


def _info(s: Session, d: Dispatch) -> DispatchInfo:
    n = sum(1 for v in d.values if v.kind == "measure" and v.attribute == "title")
    return DispatchInfo(
        d.id,
        d.uid,
        d.created_at,
        d.kind,
        d.scope,
        d.scope_label,
        d.recipient,
        d.contact,
        d.email,
        d.due,
        d.file_name,
        d.returned_at,
        d.returned_file,
        n,
    )


def record_dispatch(
    s: Session,
    *,
    kind: str,
    scope: str,
    scope_label: str,
    recipient: str,
    values: Mapping[Key, Mapping[str, str]],
    file_name: str,
    contact: str = "",
    email: str = "",
    due: str = "",
    now: datetime | None = None,
) -> tuple[DispatchInfo, ChangeSet]:
    """Record an export with its base values; returns it (with its new uid) and the change."""
    document_uid(s, create=True)
    d = Dispatch(
        uid=uuid.uuid4().hex,
        created_at=now or datetime.now(),
        kind=kind,
        scope=scope,
        scope_label=scope_label,
        recipient=recipient,
        contact=contact,
        email=email,
        due=due,
        file_name=file_name,
        returned_file="",
    )
    s.add(d)
    s.flush()
    s.add_all(
        DispatchValue(dispatch_id=d.id, kind=k, item_uid=uid, attribute=attr, value=v)
        for (k, uid), attrs in values.items()
        for attr, v in attrs.items()
    )
    s.flush()
    s.refresh(d)
    return _info(s, d), ChangeSet.of(
        [changes.created("dispatch", d.id, None, 0, {"uid": d.uid, "scope": scope})]
    )


def find_dispatch(s: Session, uid: str) -> DispatchInfo | None:
    d = s.scalar(select(Dispatch).where(Dispatch.uid == uid))
    return None if d is None else _info(s, d)


def base_values(s: Session, dispatch_id: int) -> ValueMap:
    out: ValueMap = {}
    for v in s.scalars(select(DispatchValue).where(DispatchValue.dispatch_id == dispatch_id)):
        out.setdefault((v.kind, v.item_uid), {})[v.attribute] = v.value or ""
    return out


def list_dispatches(s: Session) -> list[DispatchInfo]:
    return [_info(s, d) for d in s.scalars(select(Dispatch).order_by(Dispatch.created_at, Dispatch.id))]


def mark_returned(s: Session, dispatch_id: int, file_name: str, now: datetime | None = None) -> ChangeSet:
    d = s.get(Dispatch, dispatch_id)
    if d is None:
        return ChangeSet()
    d.returned_at = now or datetime.now()
    d.returned_file = file_name
    s.flush()
    return ChangeSet.of([changes.updated("dispatch", dispatch_id, {"returned_file": file_name})])


def add_base_values(s: Session, dispatch_id: int, values: Mapping[Key, Mapping[str, str]]) -> None:
    """Add base values to a recorded dispatch (the export fills them in as it writes the cells)."""
    s.add_all(
        DispatchValue(dispatch_id=dispatch_id, kind=k, item_uid=uid, attribute=attr, value=v)
        for (k, uid), attrs in values.items()
        for attr, v in attrs.items()
    )
    s.flush()
