"""The status board (Gesamtschau): counts by field and status, action lists, status history; no Qt."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from operator import itemgetter
from typing import Any, Final, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kik_desktop.domain.dates import month_index, parse_month_year
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.domain.queries import StatusInfo, split_names, statuses
from kik_desktop.models import Field, Goal, Measure, StatusChange

DONE: Final = "umgesetzt"
AT_RISK: Final = "gefaehrdet"
IN_PROGRESS: Final = ("anfang", "mitte", "ende")
NO_STATUS_LABEL: Final = "ohne Status"
# Short column heads for the matrix; the document's labels are long ("umgesetzt / wird laufend …").
SHORT_LABELS: Final = {
    "umgesetzt": "umgesetzt",
    "anfang": "Anfang",
    "mitte": "Mitte",
    "ende": "Ende",
    "gefaehrdet": "gefährdet",
    "zukuenftig": "zukünftig",
    None: "ohne Status",
}
# JSON key of the "no status" column: None cannot be a JSON object key.
NO_STATUS_KEY: Final = "ohne_status"
# "Starting soon" covers the current month and the next three, so on any day of a month the list
# shows what starts within at least three months; the board prints the exact range.
SOON_MONTHS: Final = 3

LIST_TITLES: Final = {
    "at_risk": "Gefährdete Maßnahmen",
    "overdue": "Überfällige Maßnahmen",
    "starting_soon": "Beginnen in den nächsten drei Monaten",
    "without_responsible": "Maßnahmen ohne Verantwortliche",
    "goals_without_indicator": "Ziele ohne Indikator",
    "without_success_indicator": "Maßnahmen ohne Erfolgsindikator",
}


class _Any:
    """Sentinel for "no filter" where None is a real value (no status)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()


class BoardEntry(NamedTuple):
    """One line of an action list: which item, its number and title, and a short hint."""

    kind: str
    id: int
    number: str
    title: str
    extra: str = ""


@dataclass(frozen=True)
class ChangeEntry:
    """One recorded status change, with the measure's number and title as they are now."""

    id: int
    measure_id: int
    number: str
    title: str
    changed_at: datetime
    old_status: str | None
    new_status: str | None


@dataclass
class FieldSummary:
    """One row of the matrix and the field's progress against what the council adopted."""

    field_id: int
    number: str
    name: str
    counts: dict[str | None, int]
    measures: int
    goals: int
    adopted_measures: int | None
    adopted_goals: int | None

    def share(self, *keys: str) -> float:
        """Share of the entered measures with one of these statuses (0 when there are none)."""
        if not self.measures:
            return 0.0
        return sum(self.counts.get(k, 0) for k in keys) / self.measures

    @property
    def share_done(self) -> float:
        return self.share(DONE)

    @property
    def share_in_progress(self) -> float:
        return self.share(*IN_PROGRESS)

    @property
    def share_at_risk(self) -> float:
        return self.share(AT_RISK)

    def entered_text(self) -> str:
        """E.g. "6 von 27 Maßnahmen erfasst" (without the adopted count when the council gave none)."""
        return _entered(self.measures, self.adopted_measures, "Maßnahmen", "Maßnahme", "Maßnahmen")

    def goals_text(self) -> str:
        return _entered(self.goals, self.adopted_goals, "Ziele", "Ziel", "Zielen")


def _entered(n: int, adopted: int | None, plural: str, singular: str, dative: str) -> str:
    if adopted is None:
        return f"{n} {singular if n == 1 else plural} erfasst"
    # "6 von 27 Maßnahmen", "1 von 8 Zielen": after "von" the dative plural.
    return f"{n} von {adopted} {singular if adopted == 1 else dative} erfasst"


@dataclass
class Board:
    """Everything the status board shows, computed in one pass over the plan."""

    today: date
    since: date | None
    statuses: list[StatusInfo]
    fields: list[FieldSummary]
    totals: dict[str | None, int]
    total_measures: int
    total_goals: int
    adopted_measures: int
    adopted_goals: int
    at_risk: list[BoardEntry] = field(default_factory=list)
    overdue: list[BoardEntry] = field(default_factory=list)
    starting_soon: list[BoardEntry] = field(default_factory=list)
    without_responsible: list[BoardEntry] = field(default_factory=list)
    goals_without_indicator: list[BoardEntry] = field(default_factory=list)
    without_success_indicator: list[BoardEntry] = field(default_factory=list)
    changes: list[ChangeEntry] = field(default_factory=list)

    @property
    def columns(self) -> list[str | None]:
        """Matrix columns: the six statuses in the document's order, then "ohne Status"."""
        return [st.key for st in self.statuses] + [None]

    def label(self, key: str | None) -> str:
        if key is None:
            return NO_STATUS_LABEL
        for st in self.statuses:
            if st.key == key:
                return st.label
        return key

    def short_label(self, key: str | None) -> str:
        return SHORT_LABELS.get(key) or self.label(key)

    def lists(self) -> dict[str, list[BoardEntry]]:
        """The six action lists in the order the board shows them."""
        return {name: getattr(self, name) for name in LIST_TITLES}

    def soon_range(self) -> tuple[str, str]:
        """First and last month ("MM/YYYY") of the "starting soon" window."""
        cur = month_index(self.today.year, self.today.month)
        return _month_text(cur), _month_text(cur + SOON_MONTHS)

    def to_dict(self) -> dict[str, Any]:
        """Plain data with stable English keys (``kik-desktop status --json``)."""

        def counts(c: dict[str | None, int]) -> dict[str, int]:
            return {(k if k is not None else NO_STATUS_KEY): c.get(k, 0) for k in self.columns}

        def entries(items: list[BoardEntry]) -> list[dict[str, Any]]:
            return [
                {"kind": e.kind, "id": e.id, "number": e.number, "title": e.title, "extra": e.extra}
                for e in items
            ]

        first, last = self.soon_range()
        return {
            "today": self.today.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "statuses": [{"key": st.key, "label": st.label, "color": st.color} for st in self.statuses],
            "fields": [
                {
                    "id": f.field_id,
                    "number": f.number,
                    "name": f.name,
                    "counts": counts(f.counts),
                    "measures": f.measures,
                    "adopted_measures": f.adopted_measures,
                    "goals": f.goals,
                    "adopted_goals": f.adopted_goals,
                    "share_done": round(f.share_done, 4),
                    "share_in_progress": round(f.share_in_progress, 4),
                    "share_at_risk": round(f.share_at_risk, 4),
                }
                for f in self.fields
            ],
            "totals": {
                "counts": counts(self.totals),
                "measures": self.total_measures,
                "adopted_measures": self.adopted_measures,
                "goals": self.total_goals,
                "adopted_goals": self.adopted_goals,
            },
            "starting_soon_range": {"from": first, "to": last},
            "lists": {name: entries(items) for name, items in self.lists().items()},
            "changes": [
                {
                    "id": c.id,
                    "measure_id": c.measure_id,
                    "number": c.number,
                    "title": c.title,
                    "changed_at": c.changed_at.isoformat(timespec="seconds"),
                    "old_status": c.old_status,
                    "new_status": c.new_status,
                }
                for c in self.changes
            ],
        }


def _month_text(index: int) -> str:
    return f"{index % 12 + 1:02d}/{index // 12:04d}"


# Dates repeat a lot (a few hundred distinct texts in a large plan), so parsing each text once keeps
# a recompute at 10,000 measures cheap. The cache is bounded and holds only small tuples.
@functools.lru_cache(maxsize=4096)
def _end_index(text: str) -> int | None:
    """Month index of the last month an end date covers; None for open-ended, empty or unparsed."""
    parsed = parse_month_year(text)
    last = None if parsed.open_ended else parsed.last_month()
    return None if last is None else month_index(*last)


@functools.lru_cache(maxsize=4096)
def _start_index(text: str) -> int | None:
    parsed = parse_month_year(text)
    first = None if parsed.open_ended else parsed.first_month()
    return None if first is None else month_index(*first)


def is_overdue(end: str | None, status_key: str | None, today: date) -> bool:
    """The end month has passed (strictly before the current month) and the measure is not done."""
    if status_key == DONE:
        return False
    idx = _end_index(end or "")
    return idx is not None and idx < month_index(today.year, today.month)


def starts_soon(start: str | None, today: date) -> bool:
    """The start month lies in the current month or one of the next three."""
    idx = _start_index(start or "")
    cur = month_index(today.year, today.month)
    return idx is not None and cur <= idx <= cur + SOON_MONTHS


# A measure row of BoardData is a list, patched in place after an edit so the ordered row list stays
# valid. Dates are kept as month indexes with sentinels that make every comparison a plain int test.
(
    M_ID,
    M_GOAL,
    M_NUMBER,
    M_TITLE,
    M_STATUS,
    M_RESPONSIBLE,
    M_START,
    M_END,
    M_HAS_INDICATOR,
    M_PRIORITY,
    M_POSITION,
    M_END_INDEX,
    M_START_INDEX,
    M_UNOWNED,
    M_KEY,
    M_ENTRY,
    M_ENTRY_END,
    M_ENTRY_START,
    M_INDEX,  # 1-based place within its goal
    M_ORDER,  # sort key of the tree order: goal's place × 1,000,000 + M_INDEX
) = range(20)
NO_END: Final = 1 << 30  # never before the current month: not overdue
NO_START: Final = -1  # never within the next months
# The measure attributes the board shows; an update of any other attribute leaves the board as it is.
MEASURE_BOARD_ATTRS: Final = frozenset(
    {"title", "status_key", "responsible", "start", "end", "success_indicator", "priority"}
)


def _measure_select() -> Any:
    # The few columns the board reads; the success indicator is reduced to a flag in SQL so its
    # (possibly long) text is not transferred.
    has_indicator = func.length(func.trim(func.coalesce(Measure.success_indicator, ""))) > 0
    return select(
        Measure.id,
        Measure.goal_id,
        Measure.position,
        Measure.title,
        Measure.status_key,
        Measure.responsible,
        Measure.start,
        Measure.end,
        has_indicator,
        Measure.priority,
    )


def _measure_row(r: Any, number: str, index: int) -> list[Any]:
    start, end, responsible = r[6] or "", r[7] or "", r[5] or ""
    end_idx = _end_index(end) if end else None
    start_idx = _start_index(start) if start else None
    # The list entries are made when a list first needs them (most rows are in no list) and kept.
    return [
        r[0],
        r[1],
        number,
        r[3] or "",
        r[4],
        responsible,
        start,
        end,
        bool(r[8]),
        r[9],
        r[2],
        NO_END if end_idx is None else end_idx,
        NO_START if start_idx is None else start_idx,
        not responsible.strip(),
        (r[1], r[4]),
        None,
        None,
        None,
        index,
        0,
    ]


def _entry(r: list[Any]) -> BoardEntry:
    e = r[M_ENTRY] = BoardEntry("measure", r[M_ID], r[M_NUMBER], r[M_TITLE])
    return e


def _end_hint(end: str) -> str:
    """ "bis 06/2026", or the text itself when it names no month ("laufend")."""
    if not end:
        return ""
    return f"bis {end}" if _end_index(end) is not None else end


def _entry_end(r: list[Any]) -> BoardEntry:
    e = r[M_ENTRY_END] = BoardEntry("measure", r[M_ID], r[M_NUMBER], r[M_TITLE], _end_hint(r[M_END]))
    return e


def _entry_start(r: list[Any]) -> BoardEntry:
    start = r[M_START]
    e = r[M_ENTRY_START] = BoardEntry(
        "measure", r[M_ID], r[M_NUMBER], r[M_TITLE], f"ab {start}" if start else ""
    )
    return e


_by_position = itemgetter(2, 0)
# Notices of the window that change nothing in the document.
PASSIVE_ACTIONS: Final = frozenset({"filters-cleared"})


class _Aggregates:
    """Counts and list candidates of the measure rows, patched as rows come and go."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.per_goal: Counter[tuple[int, str | None]] = Counter(map(itemgetter(M_KEY), rows))
        self.at_risk = {r[M_ID] for r in rows if r[M_STATUS] == AT_RISK}
        self.unowned = {r[M_ID] for r in rows if r[M_UNOWNED]}
        self.no_indicator = {r[M_ID] for r in rows if not r[M_HAS_INDICATOR]}
        # Candidates whose month decides with today: open ends of measures not done, known starts.
        self.ends = {
            r[M_ID]: r[M_END_INDEX] for r in rows if r[M_END_INDEX] != NO_END and r[M_STATUS] != DONE
        }
        self.starts = {r[M_ID]: r[M_START_INDEX] for r in rows if r[M_START_INDEX] != NO_START}

    def add(self, r: list[Any]) -> None:
        mid = r[M_ID]
        self.per_goal[r[M_KEY]] += 1
        if r[M_STATUS] == AT_RISK:
            self.at_risk.add(mid)
        if r[M_UNOWNED]:
            self.unowned.add(mid)
        if not r[M_HAS_INDICATOR]:
            self.no_indicator.add(mid)
        if r[M_END_INDEX] != NO_END and r[M_STATUS] != DONE:
            self.ends[mid] = r[M_END_INDEX]
        if r[M_START_INDEX] != NO_START:
            self.starts[mid] = r[M_START_INDEX]

    def remove(self, r: list[Any]) -> None:
        mid = r[M_ID]
        self.per_goal[r[M_KEY]] -= 1
        for group in (self.at_risk, self.unowned, self.no_indicator):
            group.discard(mid)
        self.ends.pop(mid, None)
        self.starts.pop(mid, None)


class BoardData:
    """The few columns of the plan the board reads, held in memory in tree order with numbers.

    ``load`` reads everything (one core select per table). After an edit the window calls
    ``apply_change`` with what changed; it re-reads only that row, or the items of the one goal or
    field whose children changed, and renumbers there. So the board follows an edit of a
    10,000-measure plan without scanning the measure table again; ``compute`` is then a few passes
    over rows in memory.
    """

    def __init__(self) -> None:
        self.statuses: list[StatusInfo] = []
        # field id -> [id, number, name, adopted goals, adopted measures], in tree order
        self.fields: dict[int, list[Any]] = {}
        self.field_goals: dict[int, list[int]] = {}
        # goal id -> [id, field id, number, title, indicator]
        self.goals: dict[int, list[Any]] = {}
        self.goal_measures: dict[int, list[int]] = {}
        self.measures: dict[int, list[Any]] = {}
        self._rows: list[list[Any]] | None = None  # measure rows in tree order, rebuilt on demand
        self._goal_rank: dict[int, int] | None = None  # goal id -> place in the tree order
        # What compute needs, kept up to date row by row once built (None: build on next compute).
        self._agg: _Aggregates | None = None
        self.reloads = 0  # full reloads so far (tests check that an edit does not need one)

    @classmethod
    def load(cls, s: Session) -> BoardData:
        data = cls()
        data.reload(s)
        return data

    # -- reading --------------------------------------------------------------------------------
    def reload(self, s: Session) -> None:
        """Read everything again."""
        self.reloads += 1
        conn = s.connection()
        self.statuses = statuses(s)
        self.fields = {}
        self.field_goals = {}
        for i, (fid, name, adopted_goals, adopted_measures) in enumerate(
            conn.execute(
                select(Field.id, Field.name, Field.adopted_goals, Field.adopted_measures).order_by(
                    Field.position, Field.id
                )
            ),
            start=1,
        ):
            self.fields[fid] = [fid, str(i), name or "", adopted_goals, adopted_measures]
            self.field_goals[fid] = []
        self.goals, self.goal_measures, self.measures = {}, {}, {}
        self._agg = None
        self._read_goals(s, None)
        self._rows = None
        self._goal_rank = None

    def _read_goals(self, s: Session, field_ids: list[int] | None) -> None:
        """(Re)read the goals of these fields (None: all) with their measures, and number them."""
        conn = s.connection()
        self._goal_rank = None  # goals may have come, gone or moved: every row's order is redone
        q = select(Goal.id, Goal.field_id, Goal.position, Goal.title, Goal.indicator)
        mq = _measure_select()
        if field_ids is not None:
            for fid in field_ids:
                for gid in self.field_goals.get(fid, []):
                    self._drop_goal(gid)
                self.field_goals[fid] = []
            q = q.where(Goal.field_id.in_(field_ids))
            mq = mq.join(Goal, Goal.id == Measure.goal_id).where(Goal.field_id.in_(field_ids))
        # Sorting in Python is cheaper than ORDER BY, which makes SQLite build a temporary b-tree.
        for gid, fid, _pos, title, indicator in sorted(conn.execute(q).all(), key=_by_position):
            goals = self.field_goals.setdefault(fid, [])
            goals.append(gid)
            number = f"{self.fields[fid][1] if fid in self.fields else '?'}.{len(goals)}"
            self.goals[gid] = [gid, fid, number, title or "", indicator or ""]
            self.goal_measures[gid] = []
        self._place_measures(conn.execute(mq).all())

    def _read_measures(self, s: Session, goal_ids: list[int]) -> None:
        """(Re)read the measures of these goals and number them."""
        for gid in goal_ids:
            for mid in self.goal_measures.get(gid, []):
                self._forget(mid)
            self.goal_measures[gid] = []
        self._place_measures(
            s.connection().execute(_measure_select().where(Measure.goal_id.in_(goal_ids))).all()
        )

    def _place_measures(self, rows: Sequence[Any]) -> None:
        for r in sorted(rows, key=_by_position):
            ids = self.goal_measures.setdefault(r[1], [])
            ids.append(r[0])
            goal = self.goals.get(r[1])
            row = self.measures[r[0]] = _measure_row(r, f"{goal[2] if goal else '?'}.{len(ids)}", len(ids))
            if self._agg is not None:
                self._agg.add(row)
            if self._goal_rank is not None:
                row[M_ORDER] = self._goal_rank.get(r[1], -1) * 1_000_000 + len(ids)
        self._rows = None

    def _drop_goal(self, gid: int) -> None:
        for mid in self.goal_measures.pop(gid, []):
            self._forget(mid)
        self.goals.pop(gid, None)

    def _forget(self, mid: int) -> None:
        row = self.measures.pop(mid, None)
        if row is not None and self._agg is not None:
            self._agg.remove(row)

    def _goal_of(self, s: Session, measure_id: int) -> int | None:
        return s.connection().execute(select(Measure.goal_id).where(Measure.id == measure_id)).scalar()

    def _field_of(self, s: Session, goal_id: int) -> int | None:
        return s.connection().execute(select(Goal.field_id).where(Goal.id == goal_id)).scalar()

    def apply_change(
        self,
        s: Session,
        action: str,
        kind: str | None = None,
        item_id: int | None = None,
        attrs: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Bring the data up to date after one edit (action as in the window's ChangeInfo:
        updated, inserted, removed, moved, reset). What it cannot narrow down reloads everything."""
        if action in PASSIVE_ACTIONS:
            return
        if action == "registry":
            # The registry (institutions, statuses) changed: only the status labels and colours matter.
            self.statuses = statuses(s)
            return
        if (
            item_id is None
            or kind not in ("measure", "goal")
            or action not in ("updated", "inserted", "removed", "moved")
        ):
            if action == "updated" and kind == "field" and item_id in self.fields:
                f = (
                    s.connection()
                    .execute(
                        select(Field.name, Field.adopted_goals, Field.adopted_measures).where(
                            Field.id == item_id
                        )
                    )
                    .first()
                )
                if f is not None:
                    self.fields[item_id][2:5] = [f[0] or "", f[1], f[2]]
                    return
            self.reload(s)
            return
        if kind == "measure":
            old_goal = self.measures[item_id][M_GOAL] if item_id in self.measures else None
            if action == "updated" and old_goal is not None:
                if not set(attrs) & MEASURE_BOARD_ATTRS:
                    return
                r = s.connection().execute(_measure_select().where(Measure.id == item_id)).first()
                if r is not None and r[1] == old_goal:
                    row = self.measures[item_id]
                    if self._agg is not None:
                        self._agg.remove(row)
                    order = row[M_ORDER]
                    row[:] = _measure_row(r, row[M_NUMBER], row[M_INDEX])
                    row[M_ORDER] = order
                    if self._agg is not None:
                        self._agg.add(row)
                    return
            new_goal = None if action == "removed" else self._goal_of(s, item_id)
            goals = [g for g in {old_goal, new_goal} if g is not None and g in self.goals]
            if new_goal is not None and new_goal not in self.goals:
                self.reload(s)
                return
            self._read_measures(s, goals)
            return
        # A goal: its row, and its measures when it came back or moved.
        old_field = self.goals[item_id][1] if item_id in self.goals else None
        if action == "updated" and old_field is not None:
            g = (
                s.connection()
                .execute(select(Goal.field_id, Goal.title, Goal.indicator).where(Goal.id == item_id))
                .first()
            )
            if g is not None and g[0] == old_field:
                self.goals[item_id][3:5] = [g[1] or "", g[2] or ""]
                return
        new_field = None if action == "removed" else self._field_of(s, item_id)
        if new_field is not None and new_field not in self.fields:
            self.reload(s)
            return
        fields = [f for f in dict.fromkeys([old_field, new_field]) if f is not None]
        self._read_goals(s, fields)

    # -- computing ------------------------------------------------------------------------------
    def rows(self) -> list[list[Any]]:
        """The measure rows in tree order."""
        if self._rows is None:
            self._rows = [
                self.measures[mid]
                for gids in self.field_goals.values()
                for gid in gids
                for mid in self.goal_measures.get(gid, [])
            ]
        return self._rows

    def compute(self, s: Session, today: date, since: date | None = None) -> Board:
        """The board from the data in memory; only the status history is read (when since is given)."""
        status_list = self.statuses
        columns: list[str | None] = [st.key for st in status_list] + [None]
        known = set(columns)
        goal_field = {gid: g[1] for gid, g in self.goals.items()}
        summaries: dict[int, FieldSummary] = {}
        for fid, number, name, adopted_goals, adopted_measures in self.fields.values():
            summaries[fid] = FieldSummary(
                field_id=fid,
                number=number,
                name=name,
                counts=dict.fromkeys(columns, 0),
                measures=0,
                goals=len(self.field_goals.get(fid, [])),
                adopted_measures=adopted_measures,
                adopted_goals=adopted_goals,
            )
        board = Board(
            today=today,
            since=since,
            statuses=list(status_list),
            fields=list(summaries.values()),
            totals=dict.fromkeys(columns, 0),
            total_measures=len(self.measures),
            total_goals=len(self.goals),
            adopted_measures=sum(f[4] or 0 for f in self.fields.values()),
            adopted_goals=sum(f[3] or 0 for f in self.fields.values()),
        )
        agg = self._agg
        if agg is None:
            agg = self._agg = _Aggregates(self.rows())
        for (gid, status), n in agg.per_goal.items():
            if not n:
                continue
            column = status if status in known else None
            board.totals[column] += n
            summary = summaries.get(goal_field.get(gid, -1))
            if summary is not None:
                summary.counts[column] += n
                summary.measures += n
        cur = month_index(today.year, today.month)
        last = cur + SOON_MONTHS
        if self._goal_rank is None:
            goal_ids = (g for gids in self.field_goals.values() for g in gids)
            rank = self._goal_rank = {gid: i for i, gid in enumerate(goal_ids)}
            for r in self.measures.values():
                r[M_ORDER] = rank.get(r[M_GOAL], -1) * 1_000_000 + r[M_INDEX]
        measures = self.measures
        by_order = itemgetter(M_ORDER)

        def ordered(ids: Any) -> list[list[Any]]:
            picked = [measures[m] for m in ids]
            picked.sort(key=by_order)
            return picked

        # Only the rows in a list are touched here, in tree order: after one edit the work is
        # proportional to the lists' length, not to the plan's.
        board.at_risk = [r[M_ENTRY_END] or _entry_end(r) for r in ordered(agg.at_risk)]
        board.overdue = [
            r[M_ENTRY_END] or _entry_end(r) for r in ordered([m for m, e in agg.ends.items() if e < cur])
        ]
        board.starting_soon = [
            r[M_ENTRY_START] or _entry_start(r)
            for r in ordered([m for m, b in agg.starts.items() if cur <= b <= last])
        ]
        board.without_responsible = [r[M_ENTRY] or _entry(r) for r in ordered(agg.unowned)]
        board.without_success_indicator = [r[M_ENTRY] or _entry(r) for r in ordered(agg.no_indicator)]
        board.goals_without_indicator = [
            BoardEntry("goal", g[0], g[2], g[3])
            for gids in self.field_goals.values()
            for g in (self.goals[gid] for gid in gids)
            if not g[4].strip()
        ]
        if since is not None:
            board.changes = self.changes_since(s, since)
        return board

    def changes_since(self, s: Session, since: date) -> list[ChangeEntry]:
        """Status changes recorded on or after the day since, newest first."""
        out: list[ChangeEntry] = []
        for cid, mid, changed_at, old, new in s.connection().execute(
            select(
                StatusChange.id,
                StatusChange.measure_id,
                StatusChange.changed_at,
                StatusChange.old_status,
                StatusChange.new_status,
            )
            .where(StatusChange.changed_at >= datetime.combine(since, time.min))
            .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        ):
            row = self.measures.get(mid)
            number, title = (row[M_NUMBER], row[M_TITLE]) if row else ("?", "")
            out.append(ChangeEntry(cid, mid, number, title, changed_at, old, new))
        return out

    def ids_matching(
        self,
        field_id: int | None = None,
        status_key: str | _Any | None = ANY,
        responsible: str | None = None,
        priority: int | None = None,
        overdue: bool = False,
        today: date | None = None,
    ) -> set[int]:
        """See measure_ids_matching; works on the data in memory."""
        if overdue and today is None:
            raise ValueError("overdue needs today")
        known = {st.key for st in self.statuses}
        rows = self.rows()
        if field_id is not None:
            rows = [
                self.measures[mid]
                for gid in self.field_goals.get(field_id, [])
                for mid in self.goal_measures.get(gid, [])
            ]
        if status_key is None:
            rows = [r for r in rows if r[M_STATUS] not in known]
        elif isinstance(status_key, str):
            rows = [r for r in rows if r[M_STATUS] == status_key]
        if priority is not None:
            wanted = priority or None
            rows = [r for r in rows if r[M_PRIORITY] == wanted]
        if responsible and responsible.strip():
            needle = responsible.strip().casefold()
            rows = [r for r in rows if needle in r[M_RESPONSIBLE].casefold()]
        if overdue and today is not None:
            cur = month_index(today.year, today.month)
            rows = [r for r in rows if r[M_END_INDEX] < cur and r[M_STATUS] != DONE]
        return {r[M_ID] for r in rows}


def compute_board(s: Session, today: date, since: date | None = None) -> Board:
    """Compute the whole board from the database (a full load; see BoardData for the live board)."""
    return BoardData.load(s).compute(s, today, since)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    changed_at: datetime
    old_status: str | None
    new_status: str | None
    # Who made the change (team database); "" when not recorded (changes before 0007_team).
    changed_by: str = ""


def history_of(s: Session, measure_id: int) -> list[HistoryEntry]:
    """A measure's recorded status changes, newest first."""
    return [
        HistoryEntry(r.id, r.changed_at, r.old_status, r.new_status, r.changed_by or "")
        for r in s.execute(
            select(
                StatusChange.id,
                StatusChange.changed_at,
                StatusChange.old_status,
                StatusChange.new_status,
                StatusChange.changed_by,
            )
            .where(StatusChange.measure_id == measure_id)
            .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        )
    ]


def responsible_names(s: Session) -> list[str]:
    """The responsible parties named in the plan (one entry per name), sorted, for the filter."""
    names: dict[str, str] = {}
    for text in s.scalars(select(Measure.responsible).distinct()):
        for name in split_names(text or ""):
            names.setdefault(name.casefold(), name)
    return sorted(names.values(), key=str.casefold)


def measure_ids_matching(
    s: Session,
    field_id: int | None = None,
    status_key: str | _Any | None = ANY,
    responsible: str | None = None,
    priority: int | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> set[int]:
    """Ids of the measures that pass all given filters (the tree filters and the matrix cells).

    status_key None means "ohne Status", as in the matrix column (ANY: no filter); responsible
    matches case-insensitively as part of the responsible text; priority 0 means "ohne Priorität"
    (None: no filter); overdue needs today. Same rules as the board, because it is the same code.
    """
    return BoardData.load(s).ids_matching(field_id, status_key, responsible, priority, overdue, today)


def priority_label(priority: int | None) -> str:
    return PRIORITIES.get(priority or 0, "ohne Priorität")
