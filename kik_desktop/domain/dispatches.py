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

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kik_desktop.domain import changes
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.models import Dispatch, DispatchValue, DocumentProperty, Field, Goal, Measure

DOCUMENT_UID_KEY = "document_uid"
# Kinds of dispatch: a return workbook, a workshop copy, the full export of the implementation table.
WORKBOOK = "workbook"
COPY = "copy"
FULL_EXPORT = "export"

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
    def expects_return(self) -> bool:
        """A return workbook or a workshop copy is waited for; a full export is recorded only so that
        a re-import of it merges safely (nobody is reminded of it)."""
        return self.kind != FULL_EXPORT

    @property
    def outstanding(self) -> bool:
        return self.returned_at is None and self.expects_return

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
            "outstanding": self.outstanding,
            "measures": self.items,
        }


def _info(s: Session, d: Dispatch) -> DispatchInfo:
    # Counted in SQL: loading the dispatch's values (one per measure and column) would cost seconds.
    n = int(
        s.scalar(
            select(func.count())
            .select_from(DispatchValue)
            .where(
                DispatchValue.dispatch_id == d.id,
                DispatchValue.kind == "measure",
                DispatchValue.attribute == "title",
            )
        )
        or 0
    )
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
    add_base_values(s, d.id, values)
    s.refresh(d)
    return _info(s, d), ChangeSet.of(
        [changes.created("dispatch", d.id, None, 0, {"uid": d.uid, "scope": scope})]
    )


def find_dispatch(s: Session, uid: str) -> DispatchInfo | None:
    d = s.scalar(select(Dispatch).where(Dispatch.uid == uid))
    return None if d is None else _info(s, d)


def base_values(s: Session, dispatch_id: int) -> ValueMap:
    out: ValueMap = {}
    query = select(
        DispatchValue.kind, DispatchValue.item_uid, DispatchValue.attribute, DispatchValue.value
    ).where(DispatchValue.dispatch_id == dispatch_id)
    for kind, item_uid, attribute, value in s.execute(query):  # rows, not ORM objects: 10,000s of them
        out.setdefault((kind, item_uid), {})[attribute] = value or ""
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
    """Add base values to a recorded dispatch (the export fills them in as it writes the cells).

    One executemany INSERT, not ORM objects: a full export of 10,000 measures has 120,000 values."""
    rows = [
        {"dispatch_id": dispatch_id, "kind": k, "item_uid": uid, "attribute": attr, "value": v}
        for (k, uid), attrs in values.items()
        for attr, v in attrs.items()
    ]
    if rows:
        s.execute(insert(DispatchValue), rows)
    s.flush()


@dataclass(frozen=True)
class RemovedDispatch:
    """A deleted dispatch with its base, to bring it back whole (undo of the removal)."""

    columns: dict[str, Any]
    values: list[dict[str, Any]]


_DISPATCH_COLUMNS = (
    "id",
    "uid",
    "created_at",
    "kind",
    "scope",
    "scope_label",
    "recipient",
    "contact",
    "email",
    "due",
    "file_name",
    "returned_at",
    "returned_file",
)


def delete_dispatch(s: Session, uid: str) -> tuple[RemovedDispatch, ChangeSet]:
    """Remove a dispatch and its base (e.g. a workbook exported by mistake and never sent).

    A workbook of it that comes back afterwards is refused (its base is gone); ``restore_dispatch``
    brings it back whole. Raises KeyError when there is no such dispatch."""
    d = s.scalar(select(Dispatch).where(Dispatch.uid == uid))
    if d is None:
        raise KeyError(uid)
    columns = {c: getattr(d, c) for c in _DISPATCH_COLUMNS}
    values = [
        {"kind": k, "item_uid": item_uid, "attribute": a, "value": v}
        for k, item_uid, a, v in s.execute(
            select(
                DispatchValue.kind, DispatchValue.item_uid, DispatchValue.attribute, DispatchValue.value
            ).where(DispatchValue.dispatch_id == d.id)
        )
    ]
    dispatch_id = d.id
    s.execute(delete(DispatchValue).where(DispatchValue.dispatch_id == dispatch_id))
    s.execute(delete(Dispatch).where(Dispatch.id == dispatch_id))
    s.flush()
    return RemovedDispatch(columns, values), ChangeSet.of([changes.deleted("dispatch", dispatch_id)])


def restore_dispatch(s: Session, removed: RemovedDispatch) -> ChangeSet:
    """Bring a removed dispatch back with its id, uid and base."""
    s.add(Dispatch(**removed.columns))
    s.flush()
    dispatch_id = int(removed.columns["id"])
    if removed.values:
        s.execute(insert(DispatchValue), [{"dispatch_id": dispatch_id, **v} for v in removed.values])
    s.flush()
    return ChangeSet.of([changes.created("dispatch", dispatch_id, None, 0, {"uid": removed.columns["uid"]})])
