"""Edits of the plan tree (create, update, delete, restore, move) that keep positions compact.

Every function works inside a session the caller opened with ``Document.transaction()``, so one user
action is one transaction. Each returns what is needed to undo it, which the UI's undo stack keeps, and
the typed change records of what it wrote (``domain.changes``): ``UpdateResult.changes``,
``CreatedId.changes``, ``Snapshot.changes``, ``MoveResult.changes``, and ``restore_item`` returns them.
The results keep their old shapes (an int id, an (old parent, old index) tuple), so older callers work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import Action, Change, ChangeSet, created, deleted, moved, updated
from kik_desktop.domain.dates import normalize_month_year
from kik_desktop.domain.errors import PlanError as PlanError
from kik_desktop.models import (
    CrossCuttingTask,
    Field,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    Status,
    StatusChange,
    measure_task,
)

Kind = Literal["field", "goal", "measure"]
KINDS: tuple[Kind, ...] = ("field", "goal", "measure")

CLASS_OF: dict[str, type[Field] | type[Goal] | type[Measure]] = {
    "field": Field,
    "goal": Goal,
    "measure": Measure,
}
CHILD_KIND: dict[str, Kind | None] = {"field": "goal", "goal": "measure", "measure": None}
PARENT_KIND: dict[str, Kind | None] = {"field": None, "goal": "field", "measure": "goal"}
PARENT_ATTR: dict[str, str | None] = {"field": None, "goal": "field_id", "measure": "goal_id"}

FIELD_ATTRS = ("name", "description", "adopted_goals", "adopted_measures", "working_group", "actors")
GOAL_ATTRS = ("title", "description", "indicator", "is_example")
MEASURE_ATTRS = (
    "title",
    "description",
    "target_group",
    "responsible",
    "actors",
    "needs",
    "start",
    "end",
    "success_indicator",
    "status_key",
    "priority",
    "funding",
    "notes",
    "is_example",
)
ATTRS: dict[str, tuple[str, ...]] = {"field": FIELD_ATTRS, "goal": GOAL_ATTRS, "measure": MEASURE_ATTRS}
INT_ATTRS = {"adopted_goals", "adopted_measures", "priority"}
BOOL_ATTRS = {"is_example"}
NULLABLE_ATTRS = INT_ATTRS | {"status_key"}

PRIORITIES = {1: "hoch", 2: "mittel", 3: "niedrig"}

# Excel's limit for one cell: a longer text could not be exported without loss.
MAX_TEXT = 32_767
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def as_kind(kind: str) -> Kind:
    """A kind read from a view ("field", "goal", "measure") as the typed Kind; PlanError otherwise."""
    for known in KINDS:
        if known == kind:
            return known
    raise PlanError(f"Unbekannte Art von Eintrag: {kind}")


def clean_text(value: str) -> str:
    """Drop control characters no file format keeps; normalise line ends."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


# The kind of a recorded status change in change records (its parent_id is the measure).
STATUS_CHANGE = "status_change"


def number_text(places: Iterable[int]) -> str:
    """The hierarchical number shown to the user from 1-based places: (2, 3, 1) → "2.3.1".

    The one numbering rule: the plan index, the board, ``number_of`` and ``dump_plan`` all use it.
    """
    return ".".join(map(str, places))


@dataclass
class UpdateResult:
    old: dict[str, Any]
    new: dict[str, Any]
    history_id: int | None = None
    # The change log's newest revision before this write: undo refuses when another editor changed
    # the item after it (team database).
    since: int = 0
    changes: ChangeSet = field(default_factory=ChangeSet)
    # Every value given, as stored (normalised), changed or not: what an editor shows after saving.
    normalized: dict[str, Any] = field(default_factory=dict)


@dataclass
class Snapshot:
    """A deleted item with everything below it, to put back with the same ids."""

    kind: Kind
    parent_id: int | None
    index: int
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changes: ChangeSet = field(default_factory=ChangeSet)


class CreatedId(int):
    """The id of a new item (an int, as create_item always returned) with the write's change records."""

    changes: ChangeSet

    def __new__(cls, item_id: int, changes: ChangeSet) -> CreatedId:
        obj = super().__new__(cls, item_id)
        obj.changes = changes
        return obj


class MoveResult(tuple[int | None, int]):
    """(old parent, old index) for undo, as move_item always returned, with the change records."""

    changes: ChangeSet

    def __new__(cls, old_parent: int | None, old_index: int, changes: ChangeSet) -> MoveResult:
        obj = super().__new__(cls, (old_parent, old_index))
        obj.changes = changes
        return obj


def title_of(kind: str, values: dict[str, Any]) -> str:
    return str(values.get("name" if kind == "field" else "title") or "")


def _cls(kind: str) -> Any:
    try:
        return CLASS_OF[kind]
    except KeyError:
        raise PlanError(f"Unbekannte Art von Eintrag: {kind}") from None


def _get(s: Session, kind: str, item_id: int) -> Any:
    obj = s.get(_cls(kind), item_id)
    if obj is None:
        raise PlanError(f"Der Eintrag ({kind} {item_id}) existiert nicht mehr.")
    return obj


def _siblings_query(kind: str, parent_id: int | None) -> Any:
    cls = _cls(kind)
    attr = PARENT_ATTR[kind]
    q = select(cls.id).order_by(cls.position, cls.id)
    if attr is not None:
        q = q.where(getattr(cls, attr) == parent_id)
    return q


def child_ids(s: Session, kind: str, parent_id: int | None) -> list[int]:
    """Ids of the items of this kind under parent_id (None for fields), in tree order."""
    return list(s.scalars(_siblings_query(kind, parent_id)))


def parent_id_of(s: Session, kind: str, item_id: int) -> int | None:
    attr = PARENT_ATTR[kind]
    return None if attr is None else int(getattr(_get(s, kind, item_id), attr))


def index_of(s: Session, kind: str, item_id: int) -> int:
    return child_ids(s, kind, parent_id_of(s, kind, item_id)).index(item_id)


def _renumber(s: Session, kind: str, ids: list[int]) -> None:
    cls = _cls(kind)
    for pos, item_id in enumerate(ids):
        s.execute(update(cls).where(cls.id == item_id).values(position=pos))


def number_of(s: Session, kind: str, item_id: int) -> str:
    """The hierarchical number shown to the user: 2, 2.3, 2.3.1."""
    places: list[int] = []
    cur_kind: str | None = kind
    cur_id: int | None = item_id
    while cur_kind is not None and cur_id is not None:
        parent = parent_id_of(s, cur_kind, cur_id)
        places.append(child_ids(s, cur_kind, parent).index(cur_id) + 1)
        cur_id, cur_kind = parent, PARENT_KIND[cur_kind]
    return number_text(reversed(places))


def find_by_number(s: Session, number: str) -> tuple[Kind, int] | None:
    """The item numbered like 2, 2.3 or 2.3.1, or None."""
    try:
        parts = [int(p) - 1 for p in number.strip().strip(".").split(".")]
    except ValueError:
        return None
    if not 1 <= len(parts) <= 3 or min(parts) < 0:
        return None
    parent: int | None = None
    kind: Kind = "field"
    for depth, idx in enumerate(parts):
        kind = KINDS[depth]
        ids = child_ids(s, kind, parent)
        if idx >= len(ids):
            return None
        parent = ids[idx]
    assert parent is not None
    return kind, parent


def _values_of(obj: Any, kind: str) -> dict[str, Any]:
    values = {a: getattr(obj, a) for a in ATTRS[kind]}
    if kind == "measure":
        values["tasks"] = sorted(t.id for t in obj.tasks)
    return values


def get_values(s: Session, kind: str, item_id: int) -> dict[str, Any]:
    """The item's values; also remembered as what this program has read (base of conflict checks)."""
    from kik_desktop.domain import conflicts

    obj = _get(s, kind, item_id)
    values = _values_of(obj, kind)
    conflicts.remember(s, kind, item_id, obj.version, values)
    return values


def get_version(s: Session, kind: str, item_id: int) -> int:
    """The row version of an item (bumped by every update; optimistic locking)."""
    return int(_get(s, kind, item_id).version)


def validate_values(s: Session, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise values for an item of this kind; raises PlanError with a German message."""
    allowed = set(ATTRS[kind]) | ({"tasks"} if kind == "measure" else set())
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in allowed:
            raise PlanError(f"Unbekanntes Feld „{key}“ für {kind}.")
        if key in BOOL_ATTRS:
            out[key] = bool(value)
        elif key in INT_ATTRS:
            if value in (None, ""):
                out[key] = None
            else:
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    raise PlanError(f"„{value}“ ist keine ganze Zahl.") from None
                if number < 0:
                    raise PlanError("Die Zahl darf nicht negativ sein.")
                if key == "priority" and number not in PRIORITIES:
                    raise PlanError("Priorität ist 1 (hoch), 2 (mittel) oder 3 (niedrig).")
                out[key] = number
        elif key == "status_key":
            if value in (None, ""):
                out[key] = None
            elif s.get(Status, value) is None:
                raise PlanError(f"Unbekannter Status „{value}“.")
            else:
                out[key] = value
        elif key == "tasks":
            ids = sorted({int(v) for v in (value or [])})
            known = set(s.scalars(select(CrossCuttingTask.id).where(CrossCuttingTask.id.in_(ids))))
            if known != set(ids):
                raise PlanError("Unbekannte Querschnittsaufgabe.")
            out[key] = ids
        else:
            text = clean_text("" if value is None else str(value))
            if len(text) > MAX_TEXT:
                raise PlanError(
                    f"Der Text ist {len(text):,} Zeichen lang; höchstens {MAX_TEXT:,} sind möglich "
                    "(Grenze einer Excel-Zelle).".replace(",", ".")
                )
            if key in ("start", "end"):
                text = normalize_month_year(text)
            out[key] = text
    return out


def _set_tasks(s: Session, measure_id: int, task_ids: list[int]) -> None:
    s.execute(delete(measure_task).where(measure_task.c.measure_id == measure_id))
    if task_ids:
        s.execute(insert(measure_task), [{"measure_id": measure_id, "task_id": t} for t in task_ids])


def update_item(
    s: Session,
    kind: str,
    item_id: int,
    values: dict[str, Any],
    *,
    record_history: bool = True,
    now: datetime | None = None,
    check_conflicts: bool = True,
    undo_since: int | None = None,
    since: int | None = None,
) -> UpdateResult:
    """Change some values of one item; a measure's status change is recorded in its history.

    Another editor's change since this program read the item (``get_values``) raises ConflictError
    when both changed the same attribute to different values (``check_conflicts``). ``undo_since``:
    this is the undo of a step made at that change-log revision; refused (UndoRefusedError) when
    another editor changed the item since. ``since``: the change log's newest revision, when the caller
    (a merge of many items in one transaction) has read it once already.

    ``result.changes``: one UPDATED record with the changed attributes' new (normalised) values, and a
    CREATED ``status_change`` record when the history got an entry.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from kik_desktop.domain import conflicts
    from kik_desktop.store.changelog import KEEP_DAYS, PRUNED, latest_revision

    obj = _get(s, kind, item_id)
    if undo_since is not None:
        other = conflicts.changed_by_others_since(s, kind, item_id, undo_since)
        if other is not None and other.action == PRUNED:
            raise conflicts.UndoRefusedError(
                f"{conflicts.KIND_NAMES.get(kind, 'Der Eintrag')} „{title_of(kind, _values_of(obj, kind))}“: "
                f"Der Schritt ist älter als das Änderungsprotokoll (es behält {KEEP_DAYS} Tage); ob jemand "
                "anderes den Eintrag seitdem geändert hat, ist nicht mehr bekannt. Er kann nicht rückgängig "
                "gemacht werden."
            )
        if other is not None:
            raise conflicts.UndoRefusedError(
                f"{conflicts.KIND_NAMES.get(kind, 'Der Eintrag')} „{title_of(kind, _values_of(obj, kind))}“ "
                f"wurde inzwischen von {other.author or 'jemand anderem'} geändert "
                f"({other.changed_at:%d.%m.%Y %H:%M}); dieser Schritt kann nicht rückgängig gemacht werden."
            )
    clean = validate_values(s, kind, values)
    base = conflicts.seen(s, kind, item_id)
    current = _values_of(obj, kind)
    changed = {k: v for k, v in clean.items() if current.get(k) != v}
    result = UpdateResult(
        old={k: current[k] for k in changed},
        new=changed,
        normalized=clean,
        since=latest_revision(s) if since is None else since,
    )
    if check_conflicts and base is not None and base[0] != obj.version and changed:
        author = conflicts.last_other_author(s, kind, item_id)
        found = conflicts.find_conflicts(kind, item_id, base[1], current, changed, author)
        if found:
            raise conflicts.ConflictError(
                kind, item_id, title_of(kind, current), found, changed, current, obj.version, author
            )
    if not changed:
        return result
    records = [updated(kind, item_id, changed)]
    for key, value in changed.items():
        if key == "tasks":
            _set_tasks(s, item_id, value)
        else:
            setattr(obj, key, value)
    try:
        if kind == "measure":
            stamp = now or datetime.now()
            obj.updated_at = stamp
            if "status_key" in changed and record_history:
                change = StatusChange(
                    measure_id=item_id,
                    changed_at=stamp,
                    old_status=current["status_key"],
                    new_status=changed["status_key"],
                )
                s.add(change)
                s.flush()
                result.history_id = change.id
                records.append(
                    Change(
                        Action.CREATED,
                        STATUS_CHANGE,
                        change.id,
                        {"old_status": current["status_key"], "new_status": changed["status_key"]},
                        parent_id=item_id,
                    )
                )
        s.flush()
    except StaleDataError:
        # Another editor committed this row between our read and our write (the row version): what
        # they saved, read through a connection of its own (this transaction is spoilt).
        with Session(bind=s.get_bind(), info=dict(s.info)) as fresh:
            now_obj = _get(fresh, kind, item_id)
            theirs, version = _values_of(now_obj, kind), int(now_obj.version)
            author = conflicts.last_other_author(fresh, kind, item_id)
            fresh.rollback()
        raise conflicts.ConflictError(
            kind,
            item_id,
            title_of(kind, theirs),
            tuple(
                conflicts.Conflict(kind, item_id, k, current.get(k), v, theirs.get(k), author)
                for k, v in changed.items()
                if theirs.get(k) != v
            ),
            changed,
            theirs,
            version,
            author,
        ) from None
    conflicts.remember(s, kind, item_id, obj.version, {**current, **changed})
    s.expire(obj)
    result.changes = ChangeSet.of(records)
    return result


def delete_history(s: Session, history_id: int) -> ChangeSet:
    s.execute(delete(StatusChange).where(StatusChange.id == history_id))
    return ChangeSet((deleted(STATUS_CHANGE, history_id),))


def create_item(
    s: Session,
    kind: str,
    parent_id: int | None,
    index: int | None = None,
    values: dict[str, Any] | None = None,
    *,
    item_id: int | None = None,
) -> CreatedId:
    """Insert a new item under parent_id at index (None: at the end); returns its id (with a CREATED
    record carrying the new place and the values given)."""
    cls = _cls(kind)
    parent_kind = PARENT_KIND[kind]
    if parent_kind is not None:
        if parent_id is None:
            raise PlanError("Ein Ziel gehört zu einem Handlungsfeld, eine Maßnahme zu einem Ziel.")
        _get(s, parent_kind, parent_id)
    siblings = child_ids(s, kind, parent_id)
    index = len(siblings) if index is None else max(0, min(index, len(siblings)))
    clean = validate_values(s, kind, values or {})
    tasks = clean.pop("tasks", None)
    obj = cls(**clean)
    if item_id is not None:
        obj.id = item_id
    attr = PARENT_ATTR[kind]
    if attr is not None:
        setattr(obj, attr, parent_id)
    if kind == "measure":
        obj.updated_at = datetime.now()
    s.add(obj)
    s.flush()
    if tasks:
        _set_tasks(s, obj.id, tasks)
    siblings.insert(index, obj.id)
    _renumber(s, kind, siblings)
    if tasks is not None:
        clean["tasks"] = tasks
    return CreatedId(int(obj.id), ChangeSet((created(kind, int(obj.id), parent_id, index, clean),)))


def _row_dict(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def snapshot_item(s: Session, kind: Kind, item_id: int) -> Snapshot:
    """Everything of an item and below it, enough to put it back exactly."""
    obj = _get(s, kind, item_id)
    parent = parent_id_of(s, kind, item_id)
    snap = Snapshot(kind=kind, parent_id=parent, index=child_ids(s, kind, parent).index(item_id))
    fields_: list[Any] = [obj] if kind == "field" else []
    goals: list[Any] = [obj] if kind == "goal" else []
    measures: list[Any] = [obj] if kind == "measure" else []
    for f in fields_:
        goals.extend(f.goals)
    for g in goals:
        measures.extend(g.measures)
    measure_ids = [m.id for m in measures]
    snap.rows["field"] = [_row_dict(o) for o in fields_]
    snap.rows["goal"] = [_row_dict(o) for o in goals]
    snap.rows["measure"] = [_row_dict(o) for o in measures]
    snap.rows["measure_task"] = [
        dict(r._mapping)
        for r in s.execute(select(measure_task).where(measure_task.c.measure_id.in_(measure_ids)))
    ]
    snap.rows["status_change"] = [
        _row_dict(o) for o in s.scalars(select(StatusChange).where(StatusChange.measure_id.in_(measure_ids)))
    ]
    # Indicators of the goals and measures go with them (and come back on undo).
    goal_ids = [g.id for g in goals]
    indicators = list(
        s.scalars(
            select(Indicator).where(Indicator.goal_id.in_(goal_ids) | Indicator.measure_id.in_(measure_ids))
        )
    )
    snap.rows["indicator"] = [_row_dict(o) for o in indicators]
    snap.rows["indicator_value"] = [
        _row_dict(o)
        for o in s.scalars(
            select(IndicatorValue).where(IndicatorValue.indicator_id.in_([i.id for i in indicators]))
        )
    ]
    return snap


def delete_item(s: Session, kind: Kind, item_id: int) -> Snapshot:
    """Delete an item with everything below it; returns the snapshot that restores it (one DELETED
    record for the item; what was below it goes with it)."""
    snap = snapshot_item(s, kind, item_id)
    obj = _get(s, kind, item_id)
    s.delete(obj)
    s.flush()
    _renumber(s, kind, child_ids(s, kind, snap.parent_id))
    snap.changes = ChangeSet((deleted(kind, item_id, snap.parent_id, index=snap.index),))
    return snap


def restore_item(s: Session, snap: Snapshot) -> ChangeSet:
    """Put a deleted item back where it was, with its ids, children, tasks and history (one CREATED
    record for the item; what was below it comes with it)."""
    for table_kind in ("field", "goal", "measure"):
        rows = snap.rows.get(table_kind) or []
        if rows:
            s.execute(insert(_cls(table_kind)), rows)
    if snap.rows.get("measure_task"):
        s.execute(insert(measure_task), snap.rows["measure_task"])
    if snap.rows.get("status_change"):
        s.execute(insert(StatusChange), snap.rows["status_change"])
    if snap.rows.get("indicator"):
        s.execute(insert(Indicator), snap.rows["indicator"])
    if snap.rows.get("indicator_value"):
        s.execute(insert(IndicatorValue), snap.rows["indicator_value"])
    s.flush()
    item_id = snap.rows[snap.kind][0]["id"]
    siblings = [i for i in child_ids(s, snap.kind, snap.parent_id) if i != item_id]
    index = min(snap.index, len(siblings))
    siblings.insert(index, item_id)
    _renumber(s, snap.kind, siblings)
    s.expire_all()
    root = snap.rows[snap.kind][0]
    values = {a: root[a] for a in ATTRS[snap.kind] if a in root}
    return ChangeSet((created(snap.kind, item_id, snap.parent_id, index, values),))


def move_item(s: Session, kind: Kind, item_id: int, new_parent_id: int | None, new_index: int) -> MoveResult:
    """Move an item to new_index under new_parent_id (a goal to another field, a measure to another
    goal); returns (old parent, old index) for undo, with a MOVED record of the new place (none when
    the item stays where it was)."""
    obj = _get(s, kind, item_id)
    parent_kind = PARENT_KIND[kind]
    if parent_kind is not None:
        if new_parent_id is None:
            raise PlanError("Ziel für das Verschieben fehlt.")
        _get(s, parent_kind, new_parent_id)
    old_parent = parent_id_of(s, kind, item_id)
    old_siblings = child_ids(s, kind, old_parent)
    old_index = old_siblings.index(item_id)
    old_siblings.remove(item_id)
    if old_parent == new_parent_id:
        new_siblings = old_siblings
    else:
        new_siblings = child_ids(s, kind, new_parent_id)
        attr = PARENT_ATTR[kind]
        assert attr is not None
        setattr(obj, attr, new_parent_id)
        _renumber(s, kind, old_siblings)
    new_index = max(0, min(new_index, len(new_siblings)))
    new_siblings.insert(new_index, item_id)
    s.flush()
    _renumber(s, kind, new_siblings)
    s.expire(obj)
    stays = old_parent == new_parent_id and old_index == new_index
    changes = ChangeSet() if stays else ChangeSet((moved(kind, item_id, new_parent_id, new_index),))
    return MoveResult(old_parent, old_index, changes)


def counts(s: Session) -> dict[str, int]:
    return {
        "fields": int(s.scalar(select(func.count(Field.id))) or 0),
        "goals": int(s.scalar(select(func.count(Goal.id))) or 0),
        "measures": int(s.scalar(select(func.count(Measure.id))) or 0),
    }
