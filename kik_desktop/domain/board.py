"""The status board (Gesamtschau): counts by field and status, action lists, status history; no Qt."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dates import month_index, parse_month_year
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.domain.plan_index import IndexDelta, PlanIndex, PlanNode, Reading
from kik_desktop.domain.queries import StatusInfo, split_names
from kik_desktop.models import Measure, StatusChange

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
    "starting_soon": "Beginnen bald",  # the board and `status` add the exact months
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
        # The legend's short name (edited on the Konzept tab) first, then the built-in short names.
        own = next((st.short for st in self.statuses if st.key == key and st.short), "")
        return own or SHORT_LABELS.get(key) or self.label(key)

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


# The measure attributes the board shows; an update of any other attribute leaves the board as it is.
MEASURE_BOARD_ATTRS: Final = frozenset(
    {"title", "status_key", "responsible", "start", "end", "success_indicator", "priority"}
)


def _end_hint(end: str) -> str:
    """ "bis 06/2026", or the text itself when it names no month ("laufend")."""
    if not end:
        return ""
    return f"bis {end}" if _end_index(end) is not None else end


class _Aggregates:
    """Counts and list candidates of the measures, patched measure by measure as the index changes."""

    def __init__(self, measures: Iterable[PlanNode]) -> None:
        self.key: dict[int, tuple[int, str | None]] = {}  # measure id -> (goal id, status)
        self.per_goal: Counter[tuple[int, str | None]] = Counter()
        self.at_risk: set[int] = set()
        self.unowned: set[int] = set()
        self.no_indicator: set[int] = set()
        # Candidates whose month decides with today: open ends of measures not done, known starts.
        self.ends: dict[int, int] = {}
        self.starts: dict[int, int] = {}
        for m in measures:
            self.add(m)

    def add(self, m: PlanNode) -> None:
        mid, status = m.id, m.status_key
        key = (m.parent.id if m.parent is not None else -1, status)
        self.key[mid] = key
        self.per_goal[key] += 1
        if status == AT_RISK:
            self.at_risk.add(mid)
        if not m.responsible.strip():
            self.unowned.add(mid)
        if not m.has_indicator:
            self.no_indicator.add(mid)
        end = _end_index(m.end) if m.end else None
        if end is not None and status != DONE:
            self.ends[mid] = end
        start = _start_index(m.start) if m.start else None
        if start is not None:
            self.starts[mid] = start

    def remove(self, mid: int) -> None:
        key = self.key.pop(mid, None)
        if key is None:
            return
        self.per_goal[key] -= 1
        for group in (self.at_risk, self.unowned, self.no_indicator):
            group.discard(mid)
        self.ends.pop(mid, None)
        self.starts.pop(mid, None)


class BoardData:
    """The board computed from the plan index (``domain.plan_index``), which the tree shares.

    ``load`` reads a fresh index (the command line, reports); the window hands in its own index and
    calls ``follow`` with each delta, which patches the counts of the measures it touched. ``compute``
    is then a few passes over what is in memory; only the status history is read.
    """

    def __init__(self, index: PlanIndex) -> None:
        self.index = index
        self._agg: _Aggregates | None = None
        # Action-list entries by (list kind, measure id), kept while numbers and rows stay as they are.
        self._entries: dict[tuple[str, int], BoardEntry] = {}
        self._rank: dict[int, int] | None = None  # measure id -> place in tree order

    def _ranks(self) -> dict[int, int]:
        if self._rank is None:
            self._rank = {m.id: i for i, m in enumerate(self.index.measures())}
        return self._rank

    @classmethod
    def load(cls, s: Session) -> BoardData:
        index = PlanIndex()
        index.load(s, texts=False)
        return cls(index)

    @property
    def statuses(self) -> list[StatusInfo]:
        return self.index.statuses

    @property
    def reloads(self) -> int:
        """Full reads of the plan so far (tests check that an edit needs none)."""
        return self.index.loads

    # -- following the index ---------------------------------------------------------------------
    def apply(self, changes: ChangeSet, reading: Reading) -> IndexDelta:
        """Bring the index up to date from a write's change records and follow it."""
        delta = self.index.apply(changes, reading)
        if self not in self.index.listeners:
            self.follow(delta)
        return delta

    def listen(self) -> BoardData:
        """Follow the index on every apply (as one of its listeners); returns self."""
        if self not in self.index.listeners:
            self.index.listeners.append(self)
        return self

    # IndexListener: only the whole delta matters here.
    def before_reset(self) -> None:
        pass

    def after_reset(self) -> None:
        self.follow(IndexDelta(reset=True))

    def before_insert(self, parent: PlanNode, row: int) -> None:
        pass

    def after_insert(self, parent: PlanNode, row: int) -> None:
        pass

    def before_remove(self, parent: PlanNode, row: int) -> None:
        pass

    def after_remove(self, parent: PlanNode, row: int) -> None:
        pass

    def before_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None:
        pass

    def after_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None:
        pass

    def after_apply(self, delta: IndexDelta) -> None:
        self.follow(delta)

    def follow(self, delta: IndexDelta) -> None:
        if delta.reset:
            self._agg = None
            self._entries.clear()
            self._rank = None
            return
        touched = delta.touched_measure_ids()
        if delta.structural:
            self._rank = None
            # Numbers shifted below the renumbered rows: those entries are made again.
            for parent, start in delta.renumbered:
                for child in parent.children[start:]:
                    touched.update(m.id for m in (child, *child.walk()) if m.kind == "measure")
        entries = self._entries
        for mid in touched:
            entries.pop(("plain", mid), None)
            entries.pop(("end", mid), None)
            entries.pop(("start", mid), None)
        agg = self._agg
        if agg is None:
            return
        for mid in touched:
            agg.remove(mid)
            node = self.index.node("measure", mid)
            if node is not None:
                agg.add(node)

    # -- computing -------------------------------------------------------------------------------
    def _aggregates(self) -> _Aggregates:
        if self._agg is None:
            self._agg = _Aggregates(self.index.measures())
        return self._agg

    def _list(self, ids: Iterable[int], variant: str) -> list[BoardEntry]:
        """Entries of these measures in tree order; made once and kept until the measure changes."""
        cache, node_of, rank = self._entries, self.index.node, self._ranks()
        out: list[BoardEntry] = []
        for mid in sorted(ids, key=rank.__getitem__):
            entry = cache.get((variant, mid))
            if entry is None:
                node = node_of("measure", mid)
                if node is None:
                    continue
                extra = ""
                if variant == "end":
                    extra = _end_hint(node.end)
                elif variant == "start":
                    extra = f"ab {node.start}" if node.start else ""
                entry = cache[(variant, mid)] = BoardEntry("measure", mid, node.number(), node.title, extra)
            out.append(entry)
        return out

    def compute(self, s: Session, today: date, since: date | None = None) -> Board:
        """The board from the index; only the status history is read (when since is given)."""
        index = self.index
        status_list = index.statuses
        columns: list[str | None] = [st.key for st in status_list] + [None]
        known = set(columns)
        goal_field: dict[int, int] = {}
        summaries: dict[int, FieldSummary] = {}
        total_goals = 0
        for f in index.fields:
            for g in f.children:
                goal_field[g.id] = f.id
            total_goals += len(f.children)
            summaries[f.id] = FieldSummary(
                field_id=f.id,
                number=f.number(),
                name=f.title,
                counts=dict.fromkeys(columns, 0),
                measures=0,
                goals=len(f.children),
                adopted_measures=f.adopted_measures,
                adopted_goals=f.adopted_goals,
            )
        agg = self._aggregates()
        board = Board(
            today=today,
            since=since,
            statuses=list(status_list),
            fields=list(summaries.values()),
            totals=dict.fromkeys(columns, 0),
            total_measures=len(agg.key),
            total_goals=total_goals,
            adopted_measures=sum(f.adopted_measures or 0 for f in index.fields),
            adopted_goals=sum(f.adopted_goals or 0 for f in index.fields),
        )
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
        # Only the measures in a list are touched here: after one edit the work is proportional to
        # the lists' length, not to the plan's.
        board.at_risk = self._list(agg.at_risk, "end")
        board.overdue = self._list([m for m, e in agg.ends.items() if e < cur], "end")
        board.starting_soon = self._list([m for m, b in agg.starts.items() if cur <= b <= last], "start")
        board.without_responsible = self._list(agg.unowned, "plain")
        board.without_success_indicator = self._list(agg.no_indicator, "plain")
        board.goals_without_indicator = [
            BoardEntry("goal", g.id, g.number(), g.title) for g in index.goals() if not g.has_indicator
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
            node = self.index.node("measure", mid)
            number, title = (node.number(), node.title) if node else ("?", "")
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
        """See measure_ids_matching; works on the index."""
        if overdue and today is None:
            raise ValueError("overdue needs today")
        known = {st.key for st in self.index.statuses}
        rows: list[PlanNode]
        if field_id is not None:
            f = self.index.node("field", field_id)
            rows = [m for g in f.children for m in g.children] if f is not None else []
        else:
            rows = list(self.index.measures())
        if status_key is None:
            rows = [m for m in rows if m.status_key not in known]
        elif isinstance(status_key, str):
            rows = [m for m in rows if m.status_key == status_key]
        if priority is not None:
            wanted = priority or None
            rows = [m for m in rows if m.priority == wanted]
        if responsible and responsible.strip():
            needle = responsible.strip().casefold()
            rows = [m for m in rows if needle in m.responsible.casefold()]
        if overdue and today is not None:
            rows = [m for m in rows if is_overdue(m.end, m.status_key, today)]
        return {m.id for m in rows}

    def responsible_names(self) -> list[str]:
        """The responsible parties named in the plan (one entry per name), sorted, for the filter."""
        names: dict[str, str] = {}
        for raw in {m.responsible for m in self.index.measures()}:
            for name in split_names(raw):
                names.setdefault(name.casefold(), name)
        return sorted(names.values(), key=str.casefold)


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
