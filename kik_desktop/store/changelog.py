"""The change log: every write transaction records which items it changed, by whom, under a revision.

Other editors of a team database poll this table by revision (``domain/live.py``) to refresh their
window; undo asks it whether someone else changed an item since. The recorder hooks the Document's
write sessions, so every domain write is logged without the writes knowing of it: ORM changes of
fields, goals and measures (created, updated, moved, deleted), the bulk statements of the domain
(restore, renumbering, tasks) and, coarser, any other table ("reset" of that kind).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete, event, func, insert, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from kik_desktop.models import ChangeLogEntry, Field, Goal, Measure, StatusChange

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import sessionmaker


class _Document(Protocol):
    """What pruning needs of a store.database.Document (not imported: the store's modules stay acyclic)."""

    read_only: bool

    def reading(self) -> AbstractContextManager[Session]: ...

    def transaction(self) -> AbstractContextManager[Session]: ...


log = logging.getLogger(__name__)

PLAN_CLASSES: dict[type[Any], str] = {Field: "field", Goal: "goal", Measure: "measure"}
PLAN_TABLES = {"field": "field", "goal": "goal", "measure": "measure"}
PARENT_ATTR = {"field": None, "goal": "field_id", "measure": "goal_id"}
# Not worth telling other editors: bookkeeping columns and the log itself.
SKIPPED_ATTRS = {"version", "updated_at", "uid", "id"}
SKIPPED_TABLES = {"change_log", "alembic_version", "status_change"}
# More entries than this in one transaction (an import) are logged as one "reset" of the plan.
MAX_ENTRIES = 300

_PENDING = "kik_changes"
# How many days the change log keeps (README "Im Team arbeiten"): older entries are removed when a document
# is opened for writing. The newest removed entry stays as a marker (action PRUNED, kind "plan"): a poller
# that had not read up to it gets a reset of the plan instead of the lost entries, and undo refuses a
# step older than the marker (it can no longer tell whether someone else changed the item since).
KEEP_DAYS = 30
PRUNED = "pruned"

# Session.info key of domain/conflicts.remember's undo entries (the same string there).
SEEN_UNDO = "kik_seen_undo"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def _pending(session: Session) -> dict[tuple[str, int | None], tuple[str, dict[str, Any]]]:
    pending: dict[tuple[str, int | None], tuple[str, dict[str, Any]]] = session.info.setdefault(_PENDING, {})
    return pending


def note(session: Session, action: str, kind: str, item_id: int | None, values: dict[str, Any]) -> None:
    """Record one change of this transaction (merged with earlier ones of the same item)."""
    pending = _pending(session)
    key = (kind, item_id)
    clean = {k: _jsonable(v) for k, v in values.items() if k not in SKIPPED_ATTRS}
    if key not in pending:
        pending[key] = (action, clean)
        return
    old_action, old_values = pending[key]
    merged = {**old_values, **clean}
    if action == "deleted":
        pending[key] = ("deleted", {})
    elif old_action in ("created", "deleted", "reset"):
        pending[key] = (old_action, merged)
    elif old_action == "updated" or action == "updated":
        pending[key] = ("updated", merged)
    else:
        pending[key] = (action, merged)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    doc = session.info.get("kik_document")
    author = doc.author if doc is not None else ""
    for obj in session.new:
        if isinstance(obj, StatusChange) and not obj.changed_by:
            obj.changed_by = author


def _after_flush(session: Session, _ctx: Any) -> None:
    for obj in session.new:
        kind = PLAN_CLASSES.get(type(obj))
        if kind is None:
            _note_other(session, obj, "updated")
            continue
        attr = PARENT_ATTR[kind]
        values = {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
        if attr is not None:
            values["parent_id"] = values.pop(attr)
        note(session, "created", kind, obj.id, values)
    for obj in session.dirty:
        state = inspect(obj)
        changed = {
            a.key: a.value for a in state.attrs if a.history.has_changes() and a.key in obj.__table__.columns
        }
        if not changed:
            continue
        kind = PLAN_CLASSES.get(type(obj))
        if kind is None:
            _note_other(session, obj, "updated")
            continue
        attr = PARENT_ATTR[kind]
        if attr is not None and attr in changed:
            changed["parent_id"] = changed.pop(attr)
            note(session, "moved", kind, obj.id, changed)
        else:
            note(session, "updated", kind, obj.id, changed)
    for obj in session.deleted:
        kind = PLAN_CLASSES.get(type(obj))
        if kind is None:
            _note_other(session, obj, "deleted")
        else:
            note(session, "deleted", kind, obj.id, {})


def _note_other(session: Session, obj: Any, action: str) -> None:
    table = getattr(obj, "__tablename__", "")
    if not table or table in SKIPPED_TABLES:
        return
    pk = inspect(obj).identity
    item_id = pk[0] if pk and len(pk) == 1 and isinstance(pk[0], int) else None
    note(session, action if item_id is not None else "reset", table, item_id, {})


def _where_id(statement: Any, column: str) -> int | None:
    """X of a statement ``WHERE <table>.<column> = X`` (what the domain's bulk statements look like)."""
    where = getattr(statement, "whereclause", None)
    if isinstance(where, BinaryExpression) and getattr(where.left, "key", None) == column:
        right = where.right
        if isinstance(right, BindParameter) and isinstance(right.value, int):
            return right.value
    return None


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    statement: Any = state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table is None or table in SKIPPED_TABLES:
        return
    session = state.session
    params: Any = state.parameters
    rows: list[dict[str, Any]] = params if isinstance(params, list) else [params] if params else []
    if table == "measure_task":
        ids = {r.get("measure_id") for r in rows} if state.is_insert else {_where_id(statement, "measure_id")}
        for measure_id in ids:
            if isinstance(measure_id, int):
                note(session, "updated", "measure", measure_id, {"tasks": None})
        return
    kind = PLAN_TABLES.get(table, table)
    if state.is_insert:
        parent = PARENT_ATTR.get(kind)
        for row in rows:
            item_id = row.get("id")
            values = dict(row)
            if parent is not None and parent in values:
                values["parent_id"] = values.pop(parent)
            note(session, "created" if isinstance(item_id, int) else "reset", kind, item_id, values)
        return
    item_id = _where_id(statement, "id")
    if item_id is None:
        note(session, "reset", kind, None, {})
        return
    if state.is_delete:
        note(session, "deleted", kind, item_id, {})
        return
    values = {getattr(k, "key", str(k)): getattr(v, "value", None) for k, v in statement._values.items()}
    note(session, "moved" if set(values) <= {"position"} else "updated", kind, item_id, values)


def _before_commit(session: Session) -> None:
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    doc = session.info.get("kik_document")
    author = doc.author if doc is not None else ""
    session_id = doc.session_id if doc is not None else ""
    now = datetime.now()
    items = list(pending.items())
    if len(items) > MAX_ENTRIES:
        items = [(("plan", None), ("reset", {}))]
    rows = [
        {
            "kind": kind,
            "item_id": item_id,
            "action": action,
            "attrs": json.dumps(values, ensure_ascii=False),
            "author": author,
            "session": session_id,
            "changed_at": now,
        }
        for (kind, item_id), (action, values) in items
    ]
    revisions = session.scalars(insert(ChangeLogEntry).returning(ChangeLogEntry.revision), rows).all()
    session.info.pop(_PENDING, None)
    if doc is not None and revisions:
        doc.last_revision = max(revisions)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    # What this transaction noted as read (domain/conflicts.remember) did not happen: put it back.
    undo = session.info.pop(SEEN_UNDO, None)
    doc = session.info.get("kik_document")
    if undo and doc is not None:
        for key, previous in undo.items():
            if previous is None:
                doc.seen.pop(key, None)
            else:
                doc.seen[key] = previous


def _after_commit(session: Session) -> None:
    session.info.pop(SEEN_UNDO, None)


def install_recorder(factory: sessionmaker[Session]) -> None:
    """Log every write transaction of a document's write sessions (``factory``, whose ``info`` names the
    Document as ``kik_document``) into the change log."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    event.listen(factory, "after_commit", _after_commit)


def latest_revision(session: Session) -> int:
    """The newest revision in the change log (0: empty)."""
    from sqlalchemy import func

    return int(session.scalar(select(func.coalesce(func.max(ChangeLogEntry.revision), 0))) or 0)


def _old_entries(session: Session, cutoff: datetime) -> tuple[int, int | None]:
    """How many entries are older than cutoff (not counting the marker alone) and the newest of them."""
    count, newest = session.execute(
        select(func.count(), func.max(ChangeLogEntry.revision)).where(ChangeLogEntry.changed_at < cutoff)
    ).one()
    if count == 1:
        action = session.scalar(select(ChangeLogEntry.action).where(ChangeLogEntry.revision == newest))
        if action == PRUNED:
            return 0, None
    return int(count or 0), newest


def prune(session: Session, *, keep_days: int = KEEP_DAYS, now: datetime | None = None) -> int:
    """Remove the change log's entries older than ``keep_days`` (by revision: everything up to the newest
    old one, which becomes the PRUNED marker). Returns how many entries were removed (0: nothing old)."""
    cutoff = (now or datetime.now()) - timedelta(days=keep_days)
    count, newest = _old_entries(session, cutoff)
    if not count or newest is None:
        return 0
    real = session.scalar(
        select(func.count()).where(ChangeLogEntry.revision <= newest, ChangeLogEntry.action != PRUNED)
    )
    session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.revision < newest))
    session.execute(
        update(ChangeLogEntry)
        .where(ChangeLogEntry.revision == newest)
        .values(kind="plan", item_id=None, action=PRUNED, attrs="{}", author="", session="")
    )
    return int(real or 0)


def prune_on_open(doc: _Document, *, keep_days: int = KEEP_DAYS, now: datetime | None = None) -> int:
    """Prune the change log of a document opened for writing (a read checks first, so an open with
    nothing old writes nothing). A failure is logged, never fatal: the log only grows a while longer."""
    from kik_desktop.store.errors import DocumentError

    if doc.read_only:
        return 0
    cutoff = (now or datetime.now()) - timedelta(days=keep_days)
    try:
        with doc.reading() as s:
            count, _newest = _old_entries(s, cutoff)
        if not count:
            return 0
        with doc.transaction() as s:
            removed = prune(s, keep_days=keep_days, now=now)
    except (DocumentError, SQLAlchemyError) as exc:
        log.warning("change log not pruned: %s", exc)
        return 0
    log.info("change log: %d entries older than %d days removed", removed, keep_days)
    return removed
