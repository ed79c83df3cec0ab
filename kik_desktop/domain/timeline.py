"""The timeline (Zeitplan): measures as bars from Beginn to Ende, grouped by field and goal.

Qt-free: the window's Zeitplan tab and the zeitplan PDF both lay out these rows. Months are indexes
(``dates.month_index``); a bar of an open-ended measure ("laufend") has no end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from sqlalchemy.orm import Session

from kik_desktop.domain.board import is_overdue
from kik_desktop.domain.dates import month_index, parse_month_year

RowKind = Literal["field", "goal", "measure"]


@dataclass(frozen=True)
class TimelineRow:
    kind: RowKind
    id: int
    number: str
    title: str
    status_key: str | None = None
    start: int | None = None  # first month of the bar
    end: int | None = None  # last month of the bar (None with open_ended: runs on)
    open_ended: bool = False
    overdue: bool = False
    start_text: str = ""
    end_text: str = ""

    @property
    def has_bar(self) -> bool:
        return self.kind == "measure" and self.start is not None

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass
class Timeline:
    rows: list[TimelineRow] = field(default_factory=list)
    first: int = 0  # first month shown
    last: int = 0  # last month shown
    today: int = 0

    @property
    def measures(self) -> int:
        return sum(1 for r in self.rows if r.kind == "measure")

    def widen(self, row: TimelineRow) -> bool:
        """Grow the shown months (by whole years) so that row's bar fits; whether they changed."""
        if row.start is None:
            return False
        lo, hi = row.start, row.end if row.end is not None else row.start
        first, last = min(self.first, lo - lo % 12), max(self.last, hi - hi % 12 + 11)
        changed = (first, last) != (self.first, self.last)
        self.first, self.last = first, last
        return changed


@lru_cache(maxsize=8192)
def bar_months(start: str, end: str, today_index: int) -> tuple[int | None, int | None, bool]:
    """(first month, last month, open-ended) of a measure's bar; (None, None, False) without dates.

    A measure with only an end is drawn as the end month; one with only a start as its start month;
    "laufend" as start runs from the current month on.
    """
    s, e = parse_month_year(start), parse_month_year(end)
    first = s.first_month()
    last = e.last_month()
    open_ended = e.open_ended or (s.open_ended and last is None)
    a = None if first is None else month_index(*first)
    b = None if last is None else month_index(*last)
    if a is None and s.open_ended:
        a = min(today_index, b) if b is not None else today_index
    if a is None and b is not None:
        a = b
    if a is None:
        return None, None, False
    if b is None and not open_ended:
        b = a
    if b is not None and b < a:
        a, b = b, a
    return a, b, open_ended


@lru_cache(maxsize=8192)
def _overdue(end: str, status: str | None, today: date) -> bool:
    # The same few hundred date texts repeat across thousands of measures: parse each once.
    return is_overdue(end, status, today)


def measure_row(
    item_id: int,
    number: str,
    title: str,
    status: str | None,
    start: str,
    end: str,
    today: date,
    now: int | None = None,
) -> TimelineRow:
    """The row of one measure (``now``: today's month index, when the caller has it)."""
    now = month_index(today.year, today.month) if now is None else now
    a, b, open_ended = bar_months(start, end, now)
    return TimelineRow(
        "measure", item_id, number, title, status, a, b, open_ended, _overdue(end, status, today), start, end
    )


def load_timeline(s: Session, today: date, field_number: int | None = None) -> Timeline:
    """All measures (or those of one field) in tree order, with field and goal rows as group headers."""
    conn = s.connection()
    now = month_index(today.year, today.month)
    fields = list(conn.exec_driver_sql("SELECT id, name FROM field ORDER BY position, id"))
    goals: dict[int, list[tuple[int, str]]] = {}
    for gid, fid, title in conn.exec_driver_sql("SELECT id, field_id, title FROM goal ORDER BY position, id"):
        goals.setdefault(fid, []).append((gid, title or ""))
    measures: dict[int, list[tuple[int, str, str | None, str, str]]] = {}
    for mid, gid, title, status, start, end in conn.exec_driver_sql(
        'SELECT id, goal_id, title, status_key, start, "end" FROM measure ORDER BY position, id'
    ):
        measures.setdefault(gid, []).append((mid, title or "", status, start or "", end or ""))
    tl = Timeline(today=now)
    lo: int | None = None
    hi: int | None = None
    for fi, (fid, fname) in enumerate(fields, start=1):
        if field_number is not None and fi != field_number:
            continue
        tl.rows.append(TimelineRow("field", fid, str(fi), fname or ""))
        for gi, (gid, gtitle) in enumerate(goals.get(fid, []), start=1):
            tl.rows.append(TimelineRow("goal", gid, f"{fi}.{gi}", gtitle))
            for mi, (mid, title, status, start, end) in enumerate(measures.get(gid, []), start=1):
                row = measure_row(mid, f"{fi}.{gi}.{mi}", title, status, start, end, today, now)
                a, b = row.start, row.end
                if a is not None:
                    lo = a if lo is None else min(lo, a)
                    hi_b = b if b is not None else a
                    hi = hi_b if hi is None else max(hi, hi_b)
                tl.rows.append(row)
    lo = now - 12 if lo is None else min(lo, now)
    hi = now + 12 if hi is None else max(hi, now)
    # Whole years shown, and open-ended bars run at least a year past today.
    tl.first = lo - lo % 12
    tl.last = max(hi, now + 12) - max(hi, now + 12) % 12 + 11
    return tl


def month_label(index: int, *, quarter: bool = False) -> str:
    year, month0 = divmod(index, 12)
    if quarter:
        return f"Q{month0 // 3 + 1}/{year}"
    return f"{month0 + 1:02d}/{year}"
