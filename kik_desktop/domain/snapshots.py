"""Reporting dates (Berichtsstände): frozen states of the plan, and what changed between two states.

A snapshot stores per measure its uid, number, title, field, status, start, end and responsible, and
per indicator its latest value. It cannot be edited (the database refuses updates), only deleted.
``compare(old, new)`` lists status moves (with counts per field), new, removed and renumbered measures,
changed responsible, end dates moved later, and indicator progress.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import ChangeSet, created, deleted
from kik_desktop.domain.dates import month_index, parse_month_year
from kik_desktop.domain.indicators import all_indicators, owner_numbers
from kik_desktop.domain.plan import PlanError, clean_text
from kik_desktop.models import Snapshot, SnapshotIndicator, SnapshotMeasure

MAX_LABEL = 200


class SnapshotError(PlanError):
    """A snapshot operation that cannot be done; the message is German."""


@dataclass(frozen=True)
class MeasureState:
    uid: str
    number: str
    title: str
    field_number: str
    field_name: str
    status_key: str | None
    start: str
    end: str
    responsible: str


@dataclass(frozen=True)
class IndicatorState:
    uid: str
    owner_number: str
    name: str
    unit: str
    target_value: float | None
    value: float | None
    value_date: str


@dataclass(frozen=True)
class PlanState:
    """The plan as a comparison needs it: now, or as a snapshot froze it."""

    label: str
    day: date
    measures: dict[str, MeasureState]
    indicators: dict[str, IndicatorState]

    def status_counts(self) -> Counter[str | None]:
        return Counter(m.status_key for m in self.measures.values())


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    label: str
    day: date
    created_at: datetime
    measures: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "date": self.day.isoformat(),
            "created": self.created_at.isoformat(timespec="seconds"),
            "measures": self.measures,
        }


def current_state(s: Session, today: date | None = None) -> PlanState:
    """The plan as it is now (one query per table)."""
    conn = s.connection()
    fields = {
        r[0]: (str(i), r[1] or "")
        for i, r in enumerate(
            conn.exec_driver_sql("SELECT id, name FROM field ORDER BY position, id"), start=1
        )
    }
    goal_field: dict[int, int] = {}
    goal_no: dict[int, str] = {}
    count: dict[int, int] = {}
    for gid, fid in conn.exec_driver_sql("SELECT id, field_id FROM goal ORDER BY position, id"):
        count[fid] = count.get(fid, 0) + 1
        goal_field[gid] = fid
        goal_no[gid] = f"{fields[fid][0]}.{count[fid]}"
    measures: dict[str, MeasureState] = {}
    mcount: dict[int, int] = {}
    for uid, gid, title, status, start, end, responsible in conn.exec_driver_sql(
        'SELECT uid, goal_id, title, status_key, start, "end", responsible FROM measure ORDER BY position, id'
    ):
        mcount[gid] = mcount.get(gid, 0) + 1
        fnum, fname = fields[goal_field[gid]]
        measures[uid] = MeasureState(
            uid,
            f"{goal_no[gid]}.{mcount[gid]}",
            title or "",
            fnum,
            fname,
            status,
            start or "",
            end or "",
            responsible or "",
        )
    numbers = owner_numbers(s)
    indicators: dict[str, IndicatorState] = {}
    for r in all_indicators(s):
        latest = r.latest
        indicators[r.uid] = IndicatorState(
            r.uid,
            numbers.get((r.owner_kind, r.owner_id), ""),
            r.name,
            r.unit,
            r.target_value,
            None if latest is None else latest.value,
            "" if latest is None else latest.date_text,
        )
    return PlanState("jetzt", today or date.today(), measures, indicators)


def _clean_label(label: str) -> str:
    text = " ".join(clean_text(label or "").split())
    if not text:
        raise SnapshotError("Ein Berichtsstand braucht eine Bezeichnung (z. B. „Fachrunde Mai 2026“).")
    if len(text) > MAX_LABEL:
        raise SnapshotError(f"Die Bezeichnung ist zu lang (höchstens {MAX_LABEL} Zeichen).")
    return text


def create_snapshot(
    s: Session, label: str, day: date | None = None, *, now: datetime | None = None
) -> tuple[SnapshotInfo, ChangeSet]:
    """Freeze statuses, dates, responsible and indicator values of every item under a label."""
    text = _clean_label(label)
    if s.scalar(select(Snapshot.id).where(Snapshot.label == text)) is not None:
        raise SnapshotError(
            f"Einen Berichtsstand „{text}“ gibt es schon. Bitte eine andere Bezeichnung wählen."
        )
    stamp = now or datetime.now()
    snap = Snapshot(label=text, date=day or stamp.date(), created_at=stamp)
    s.add(snap)
    s.flush()
    state = current_state(s, snap.date)
    if state.measures:
        s.execute(
            insert(SnapshotMeasure),
            [
                {
                    "snapshot_id": snap.id,
                    "uid": m.uid,
                    "number": m.number,
                    "title": m.title,
                    "field_number": m.field_number,
                    "field_name": m.field_name,
                    "status_key": m.status_key,
                    "start": m.start,
                    "end": m.end,
                    "responsible": m.responsible,
                }
                for m in state.measures.values()
            ],
        )
    if state.indicators:
        s.execute(
            insert(SnapshotIndicator),
            [
                {
                    "snapshot_id": snap.id,
                    "uid": i.uid,
                    "owner_number": i.owner_number,
                    "name": i.name,
                    "unit": i.unit,
                    "target_value": i.target_value,
                    "value": i.value,
                    "value_date": i.value_date,
                }
                for i in state.indicators.values()
            ],
        )
    info = SnapshotInfo(snap.id, text, snap.date, stamp, len(state.measures))
    return info, ChangeSet.of([created("snapshot", snap.id, None, 0, {"label": text, "date": snap.date})])


def list_snapshots(s: Session) -> list[SnapshotInfo]:
    """All snapshots, oldest first (by date, then by creation)."""
    counts: Counter[int] = Counter()
    for (sid,) in s.connection().exec_driver_sql("SELECT snapshot_id FROM snapshot_measure"):
        counts[sid] += 1
    return [
        SnapshotInfo(x.id, x.label, x.date, x.created_at, counts[x.id])
        for x in s.scalars(select(Snapshot).order_by(Snapshot.date, Snapshot.created_at, Snapshot.id))
    ]


def find_snapshot(s: Session, label: str) -> SnapshotInfo:
    wanted = " ".join((label or "").split())
    known = list_snapshots(s)
    for info in known:
        if info.label == wanted:
            return info
    for info in known:
        if info.label.casefold() == wanted.casefold():
            return info
    names = ", ".join(f"„{i.label}“" for i in known) or "keine"
    raise SnapshotError(f"Einen Berichtsstand „{label}“ gibt es nicht. Vorhanden: {names}.")


def snapshot_state(s: Session, label: str) -> PlanState:
    info = find_snapshot(s, label)
    measures = {
        m.uid: MeasureState(
            m.uid,
            m.number,
            m.title,
            m.field_number,
            m.field_name,
            m.status_key,
            m.start,
            m.end,
            m.responsible,
        )
        for m in s.scalars(
            select(SnapshotMeasure).where(SnapshotMeasure.snapshot_id == info.id).order_by(SnapshotMeasure.id)
        )
    }
    indicators = {
        i.uid: IndicatorState(i.uid, i.owner_number, i.name, i.unit, i.target_value, i.value, i.value_date)
        for i in s.scalars(
            select(SnapshotIndicator)
            .where(SnapshotIndicator.snapshot_id == info.id)
            .order_by(SnapshotIndicator.id)
        )
    }
    return PlanState(info.label, info.day, measures, indicators)


@dataclass(frozen=True)
class DeletedSnapshot:
    """A deleted snapshot with its rows, so the window can undo the deletion."""

    row: dict[str, Any]
    measures: tuple[dict[str, Any], ...]
    indicators: tuple[dict[str, Any], ...]


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def delete_snapshot(s: Session, label: str) -> tuple[DeletedSnapshot, ChangeSet]:
    info = find_snapshot(s, label)
    snap = s.get_one(Snapshot, info.id)
    kept = DeletedSnapshot(
        _columns(snap),
        tuple(
            _columns(m)
            for m in s.scalars(select(SnapshotMeasure).where(SnapshotMeasure.snapshot_id == info.id))
        ),
        tuple(
            _columns(i)
            for i in s.scalars(select(SnapshotIndicator).where(SnapshotIndicator.snapshot_id == info.id))
        ),
    )
    s.execute(delete(SnapshotMeasure).where(SnapshotMeasure.snapshot_id == info.id))
    s.execute(delete(SnapshotIndicator).where(SnapshotIndicator.snapshot_id == info.id))
    s.execute(delete(Snapshot).where(Snapshot.id == info.id))
    s.expire_all()
    return kept, ChangeSet.of([deleted("snapshot", info.id)])


def restore_snapshot(s: Session, kept: DeletedSnapshot) -> ChangeSet:
    s.execute(insert(Snapshot), [kept.row])
    if kept.measures:
        s.execute(insert(SnapshotMeasure), list(kept.measures))
    if kept.indicators:
        s.execute(insert(SnapshotIndicator), list(kept.indicators))
    s.flush()
    return ChangeSet.of([created("snapshot", int(kept.row["id"]), None, 0, {"label": kept.row["label"]})])


# -- comparison ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMove:
    number: str
    title: str
    field_number: str
    field_name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class TextChange:
    number: str
    title: str
    old: str
    new: str


@dataclass(frozen=True)
class IndicatorProgress:
    number: str
    name: str
    unit: str
    old: float | None
    new: float | None
    target: float | None
    old_date: str
    new_date: str
    is_new: bool = False


@dataclass
class Comparison:
    old: PlanState
    new: PlanState
    status_moves: list[StatusMove] = field(default_factory=list)
    new_measures: list[MeasureState] = field(default_factory=list)
    removed: list[MeasureState] = field(default_factory=list)
    moved: list[TextChange] = field(default_factory=list)
    responsible: list[TextChange] = field(default_factory=list)
    postponed: list[TextChange] = field(default_factory=list)
    indicators: list[IndicatorProgress] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.status_moves,
                self.new_measures,
                self.removed,
                self.moved,
                self.responsible,
                self.postponed,
                self.indicators,
            )
        )

    def moves_by_field(self) -> dict[tuple[str, str], Counter[tuple[str | None, str | None]]]:
        """Per field (number, name): how many measures moved from which status to which."""
        out: dict[tuple[str, str], Counter[tuple[str | None, str | None]]] = {}
        for mv in self.status_moves:
            out.setdefault((mv.field_number, mv.field_name), Counter())[(mv.old, mv.new)] += 1
        return dict(sorted(out.items(), key=lambda kv: _num_key(kv[0][0])))

    def to_dict(self) -> dict[str, Any]:
        def measure(m: MeasureState) -> dict[str, Any]:
            return {"number": m.number, "title": m.title, "status": m.status_key}

        def text(c: TextChange) -> dict[str, Any]:
            return {"number": c.number, "title": c.title, "from": c.old, "to": c.new}

        return {
            "from": {"label": self.old.label, "date": self.old.day.isoformat()},
            "to": {"label": self.new.label, "date": self.new.day.isoformat()},
            "status_moves": [
                {"number": m.number, "title": m.title, "field": m.field_number, "from": m.old, "to": m.new}
                for m in self.status_moves
            ],
            "status_moves_per_field": [
                {
                    "field": num,
                    "name": name,
                    "count": sum(counter.values()),
                    "moves": [
                        {"from": a, "to": b, "count": n} for (a, b), n in sorted(counter.items(), key=str)
                    ],
                }
                for (num, name), counter in self.moves_by_field().items()
            ],
            "new": [measure(m) for m in self.new_measures],
            "removed": [measure(m) for m in self.removed],
            "moved": [text(c) for c in self.moved],
            "responsible": [text(c) for c in self.responsible],
            "postponed": [text(c) for c in self.postponed],
            "indicators": [
                {
                    "number": i.number,
                    "name": i.name,
                    "unit": i.unit,
                    "from": i.old,
                    "to": i.new,
                    "from_date": i.old_date,
                    "to_date": i.new_date,
                    "target": i.target,
                    "new": i.is_new,
                }
                for i in self.indicators
            ],
        }


def _num_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


def _end_month(text: str) -> int | None:
    parsed = parse_month_year(text)
    if parsed.open_ended:
        return 10**9  # open-ended is later than any date
    ym = parsed.last_month()
    return None if ym is None else month_index(*ym)


def is_postponed(old_end: str, new_end: str) -> bool:
    """True when the end date moved later (a date to a later date, or a date to "laufend")."""
    a, b = _end_month(old_end), _end_month(new_end)
    return a is not None and b is not None and b > a


def compare(old: PlanState, new: PlanState) -> Comparison:
    """What changed from the old state to the new one (both snapshots, or a snapshot and now)."""
    out = Comparison(old, new)
    for uid, m in new.measures.items():
        before = old.measures.get(uid)
        if before is None:
            out.new_measures.append(m)
            continue
        if before.status_key != m.status_key:
            out.status_moves.append(
                StatusMove(m.number, m.title, m.field_number, m.field_name, before.status_key, m.status_key)
            )
        if before.number != m.number:
            out.moved.append(TextChange(m.number, m.title, before.number, m.number))
        if before.responsible.strip() != m.responsible.strip():
            out.responsible.append(TextChange(m.number, m.title, before.responsible, m.responsible))
        if is_postponed(before.end, m.end):
            out.postponed.append(TextChange(m.number, m.title, before.end, m.end))
    out.removed = [m for uid, m in old.measures.items() if uid not in new.measures]
    for uid, i in new.indicators.items():
        before_i = old.indicators.get(uid)
        if before_i is None:
            out.indicators.append(
                IndicatorProgress(
                    i.owner_number, i.name, i.unit, None, i.value, i.target_value, "", i.value_date, True
                )
            )
        elif (before_i.value, before_i.value_date) != (i.value, i.value_date):
            out.indicators.append(
                IndicatorProgress(
                    i.owner_number,
                    i.name,
                    i.unit,
                    before_i.value,
                    i.value,
                    i.target_value,
                    before_i.value_date,
                    i.value_date,
                )
            )
    for lst in (out.status_moves, out.new_measures, out.removed):
        lst.sort(key=lambda x: _num_key(x.number))
    for tl in (out.moved, out.responsible, out.postponed):
        tl.sort(key=lambda x: _num_key(x.number))
    out.indicators.sort(key=lambda x: _num_key(x.number))
    return out


def compare_with(s: Session, since: str, until: str | None = None, today: date | None = None) -> Comparison:
    """A snapshot against now (until None) or against another, later snapshot."""
    old = snapshot_state(s, since)
    new = snapshot_state(s, until) if until else current_state(s, today)
    return compare(old, new)


def distribution_history(
    s: Session, today: date | None = None
) -> list[tuple[str, date, Counter[str | None]]]:
    """Status counts of every snapshot (oldest first) and of now: the chart across reporting dates."""
    out: list[tuple[str, date, Counter[str | None]]] = []
    rows: dict[int, Counter[str | None]] = {}
    for sid, key in s.connection().exec_driver_sql("SELECT snapshot_id, status_key FROM snapshot_measure"):
        rows.setdefault(sid, Counter())[key] += 1
    for info in list_snapshots(s):
        out.append((info.label, info.day, rows.get(info.id, Counter())))
    now = current_state(s, today)
    out.append(("heute", now.day, now.status_counts()))
    return out
