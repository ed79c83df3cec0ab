"""The next edition of the concept (Fortschreibung): a new document made from the current one.

What is carried is a list of table names (``CARRY_TABLES``): every row of each table the source and
the new document both have is copied with all the columns both have, so a table added later is
carried by adding its name to the list. Then the measures that are done ("umgesetzt") and were not
chosen are deleted from the new document; the foreign keys' ON DELETE CASCADE takes their tasks,
status history and anything else hanging on them along. Every carried row with a ``uid`` gets a new
uid and an ``item_origin`` row naming the old uid and the previous edition; the new document's
properties name its predecessor.

The previous document is only ever read: through a read-only connection, or, when it has an older
format that would need an upgrade, through a temporary copy that is upgraded instead.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.concept import PREDECESSOR_KEYS
from kik_desktop.domain.plan import PlanError
from kik_desktop.models import DocumentProperty, Field, ItemOrigin, Measure, Status
from kik_desktop.models.plan import new_uid

DONE = "umgesetzt"

# Tables carried into the next edition, in an order where parents come before their children (the
# copy defers foreign-key checks to the commit anyway). A name the documents do not have is skipped,
# so tables of working groups and indicators are carried as soon as a document has them.
CARRY_TABLES: tuple[str, ...] = (
    "institution",
    "steering_member",
    "cross_cutting_task",
    "funding_source",
    "field",
    "goal",
    "measure",
    "measure_task",
    "status_change",
    # Tables other parts of the program add (carried when present; extend as tables are added):
    "working_group",
    "working_group_member",
    "working_group_field",
    "indicator",
    "indicator_value",
)
# Tables that belong to one edition's own history and start empty in the next one: the reporting
# dates (Berichtsstände) froze the previous edition's plan.
# So do the dispatches of return workbooks with their base values and the provenance of imported values.
NOT_CARRIED: tuple[str, ...] = (
    "snapshot",
    "snapshot_measure",
    "snapshot_indicator",
    "dispatch",
    "dispatch_value",
    "value_source",
    # The change log (#17) is the history of one document's editing sessions: the new edition starts its own.
    "change_log",
)
# Properties that describe one edition and are written fresh for the new one.
EDITION_PROPERTIES = tuple(k for k, _label in PREDECESSOR_KEYS)
# Properties of the adopted concept that the next edition does not have yet (it is not decided).
CLEARED_PROPERTIES = ("council_decision", "council_decision_date")


@dataclass(frozen=True)
class DoneMeasure:
    """A measure with status "umgesetzt": left out of the next edition unless chosen."""

    uid: str
    number: str
    title: str


@dataclass
class EditionResult:
    path: Path
    name: str
    edition: str
    predecessor_name: str
    carried: dict[str, int] = field(default_factory=dict)
    left_out: list[DoneMeasure] = field(default_factory=list)
    carried_done: list[DoneMeasure] = field(default_factory=list)


def next_name(name: str) -> str:
    """The next edition's default name: the first "N." in the name counted up, else "– Fortschreibung"."""
    match = re.search(r"\b(\d+)\.", name)
    if match:
        return f"{name[: match.start(1)]}{int(match.group(1)) + 1}{name[match.end(1) :]}"
    return f"{name} – Fortschreibung" if name else "Fortschreibung des Integrationskonzepts"


def edition_of(props: dict[str, str]) -> str:
    """This document's edition number as text ("1" for a document that says nothing)."""
    value = props.get("edition", "").strip()
    return value if value else "1"


def done_measures(s: Session) -> list[DoneMeasure]:
    """The measures with status "umgesetzt", in tree order, with their numbers."""
    out: list[DoneMeasure] = []
    fields = s.scalars(select(Field).order_by(Field.position, Field.id))
    for fi, f in enumerate(fields, start=1):
        for gi, g in enumerate(f.goals, start=1):
            for mi, m in enumerate(g.measures, start=1):
                if m.status_key == DONE:
                    out.append(DoneMeasure(m.uid, f"{fi}.{gi}.{mi}", m.title))
    return out


@contextlib.contextmanager
def _readable_source(source: Path) -> Iterator[Any]:
    """The source document opened read-only; an older format is upgraded in a temporary copy."""
    from kik_desktop.store import ReadOnlyDocumentError, open_document

    try:
        doc = open_document(source, read_only=True)
    except ReadOnlyDocumentError:
        # An older format needs an upgrade, which would write: upgrade a copy instead.
        with tempfile.TemporaryDirectory(prefix="kik-fortschreibung-") as folder:
            from kik_desktop.store.backup import copy_database

            copy = Path(folder) / source.name
            copy_database(source, copy)
            doc = open_document(copy)
            try:
                yield doc
            finally:
                doc.close()
        return
    try:
        yield doc
    finally:
        doc.close()


def _columns(s: Session, table: str) -> list[str]:
    return [str(r[1]) for r in s.connection().exec_driver_sql(f'PRAGMA table_info("{table}")')]


def _copy_table(src: Session, dst: Session, table: str) -> int:
    src_cols = _columns(src, table)
    dst_cols = set(_columns(dst, table))
    cols = [c for c in src_cols if c in dst_cols]
    if not cols:
        return 0
    names = ", ".join(f'"{c}"' for c in cols)
    rows = [tuple(r) for r in src.connection().exec_driver_sql(f'SELECT {names} FROM "{table}"')]
    if rows:
        marks = ", ".join("?" for _ in cols)
        dst.connection().exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    return len(rows)


def _tables(s: Session) -> set[str]:
    return {
        str(r[0]) for r in s.connection().exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
    }


def _build(
    src: Session,
    dst: Session,
    *,
    name: str | None,
    carry_done: bool | Collection[str],
    source_path: Path,
    today: date,
) -> EditionResult:
    dst.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    props = {p.key: p.value for p in src.scalars(select(DocumentProperty))}
    old_name = props.get("concept_name", "") or source_path.stem
    old_edition = edition_of(props)
    new_name = (name or "").strip() or next_name(old_name)
    try:
        new_edition = str(int(old_edition) + 1)
    except ValueError:
        new_edition = f"{old_edition} (Fortschreibung)"
    done = done_measures(src)
    if carry_done is True:
        chosen = {d.uid for d in done}
    elif carry_done is False:
        chosen = set()
    else:
        chosen = set(carry_done)
        unknown = chosen - {d.uid for d in done}
        if unknown:
            raise PlanError(
                f"{len(unknown)} gewählte Maßnahmen sind nicht (mehr) umgesetzt oder gibt es nicht."
            )
    result = EditionResult(path=Path(), name=new_name, edition=new_edition, predecessor_name=old_name)
    result.left_out = [d for d in done if d.uid not in chosen]
    result.carried_done = [d for d in done if d.uid in chosen]

    # The legend: the new document was created with the six statuses; take the source's texts.
    for st in src.scalars(select(Status)):
        row = dst.get(Status, st.key)
        if row is None:
            dst.add(
                Status(
                    key=st.key,
                    position=st.position,
                    label=st.label,
                    color=st.color,
                    short=st.short,
                    symbol=st.symbol,
                )
            )
        else:
            row.position, row.label, row.color = st.position, st.label, st.color
            row.short, row.symbol = st.short, st.symbol
    dst.flush()

    src_tables, dst_tables = _tables(src), _tables(dst)
    for table in CARRY_TABLES:
        if table in src_tables and table in dst_tables:
            result.carried[table] = _copy_table(src, dst, table)

    left_uids = [d.uid for d in result.left_out]
    if left_uids:
        for chunk in range(0, len(left_uids), 500):
            part = left_uids[chunk : chunk + 500]
            dst.connection().execute(
                Measure.__table__.delete().where(Measure.uid.in_(part))  # type: ignore[attr-defined]
            )
        result.carried["measure"] = result.carried.get("measure", 0) - len(left_uids)
    _renumber_after_removal(dst)

    # New identities, each with its origin in the previous edition.
    origin_edition = f"{old_edition}: {old_name}"
    for table in CARRY_TABLES:
        if table not in dst_tables or "uid" not in _columns(dst, table):
            continue
        conn = dst.connection()
        old_uids = [str(r[0]) for r in conn.exec_driver_sql(f'SELECT uid FROM "{table}"')]
        for old in old_uids:
            fresh = new_uid()
            conn.exec_driver_sql(f'UPDATE "{table}" SET uid = ? WHERE uid = ?', (fresh, old))
            dst.add(ItemOrigin(uid=fresh, kind=table, origin_uid=old, origin_edition=origin_edition))
    dst.flush()

    new_props = {k: v for k, v in props.items() if k not in EDITION_PROPERTIES}
    for key in CLEARED_PROPERTIES:
        if key in new_props:
            new_props[key] = ""
    new_props.update(
        concept_name=new_name,
        edition=new_edition,
        predecessor_name=old_name,
        predecessor_edition=old_edition,
        predecessor_file=str(source_path),
        predecessor_created=today.isoformat(),
    )
    for key, value in new_props.items():
        dst.merge(DocumentProperty(key=key, value=value))
    dst.flush()
    return result


def _renumber_after_removal(s: Session) -> None:
    """Positions of measures compact again (1.2.1, 1.2.2, … without the gaps of left-out ones)."""
    conn = s.connection()
    goal_ids = [int(r[0]) for r in conn.exec_driver_sql("SELECT id FROM goal")]
    for goal_id in goal_ids:
        ids = [
            int(r[0])
            for r in conn.exec_driver_sql(
                "SELECT id FROM measure WHERE goal_id = ? ORDER BY position, id", (goal_id,)
            )
        ]
        for pos, mid in enumerate(ids):
            conn.exec_driver_sql("UPDATE measure SET position = ? WHERE id = ?", (pos, mid))


def write_next_edition(
    source: str | Path,
    target: str | Path,
    *,
    name: str | None = None,
    carry_done: bool | Collection[str] = False,
    overwrite: bool = False,
    today: date | None = None,
) -> EditionResult:
    """Write the next edition of the document ``source`` to ``target`` (a new file).

    ``carry_done``: False leaves every done measure out, True carries all, a collection of uids carries
    those. The target is written to a temporary file beside it and renamed when complete, so a failure
    leaves no half document. The source is never written.
    """
    from kik_desktop.store import DocumentError, create_document
    from kik_desktop.store.lock import DocumentLock

    src_path, dst_path = Path(source), Path(target)
    if not src_path.exists():
        raise DocumentError(f"Die Datei „{src_path}“ gibt es nicht.")
    if dst_path.exists() and dst_path.resolve() == src_path.resolve():
        raise DocumentError("Die neue Fassung kann nicht die bisherige Datei ersetzen.")
    if dst_path.exists() and not overwrite:
        raise DocumentError(f"„{dst_path}“ gibt es schon.")
    dst_path.parent.mkdir(parents=True, exist_ok=True)
    lock = DocumentLock(dst_path)
    lock.acquire()
    tmp = dst_path.with_name(dst_path.name + ".neu")
    try:
        with _readable_source(src_path) as src_doc:
            new_doc = create_document(tmp, overwrite=True)
            try:
                with src_doc.reading() as src, new_doc.transaction() as dst:
                    result = _build(
                        src,
                        dst,
                        name=name,
                        carry_done=carry_done,
                        source_path=src_path.resolve(),
                        today=today or date.today(),
                    )
                with new_doc.engine.connect() as conn:
                    problems = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
                    conn.rollback()
            finally:
                new_doc.close()
        if problems:
            raise DocumentError(
                f"Die neue Fassung wäre unvollständig ({len(problems)} Verweise ins Leere, z. B. in "
                f"Tabelle {problems[0]}); sie wurde nicht angelegt."
            )
        tmp.replace(dst_path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    finally:
        lock.release()
    result.path = dst_path
    return result


def origins(s: Session) -> dict[str, tuple[str, str]]:
    """uid → (origin uid, origin edition) of the items carried from the previous edition."""
    return {o.uid: (o.origin_uid, o.origin_edition) for o in s.scalars(select(ItemOrigin))}


__all__ = [
    "CARRY_TABLES",
    "DoneMeasure",
    "EditionResult",
    "done_measures",
    "next_name",
    "origins",
    "write_next_edition",
]


def add_origins(s: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Give every field, goal and measure of a dump that came from the previous edition its
    ``"origin": {"uid", "edition"}``."""
    known = origins(s)
    if not known:
        return data
    for f in data.get("fields", []):
        for item in [f, *f.get("goals", []), *(m for g in f.get("goals", []) for m in g.get("measures", []))]:
            origin = known.get(item.get("uid", ""))
            if origin is not None:
                item["origin"] = {"uid": origin[0], "edition": origin[1]}
    return data
