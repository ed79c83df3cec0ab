"""The plan as the printouts need it: plain data loaded once, and the small queries on it.

The status-board queries (overdue, at risk, changed since a date) are kept here on purpose, small and
independent; they could later be replaced by the ones in ``kik_desktop.domain.board``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.board import LIST_TITLES, SOON_MONTHS, starts_soon
from kik_desktop.domain.board import is_overdue as board_is_overdue
from kik_desktop.domain.dates import month_index, parse_month_year
from kik_desktop.domain.queries import dump_plan, split_names
from kik_desktop.models import Institution, Measure, StatusChange

NO_STATUS = ""  # the key used for measures without a status in counts
NO_STATUS_LABEL = "ohne Status"
NO_STATUS_COLOR = "FFFFFF"
DONE_STATUS = "umgesetzt"
AT_RISK_STATUS = "gefaehrdet"


@dataclass(frozen=True)
class StatusStyle:
    key: str
    label: str
    color: str  # RRGGBB
    short: str = ""  # "Anfang" for "in Umsetzung (Anfang)"
    symbol: str = ""  # print-safe mark beside the colour: ✓ ◔ ◑ ◕ ✗ ○

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def marked(self) -> str:
        """Symbol and short name, e.g. "◔ Anfang": what a status cell prints."""
        return f"{self.symbol} {self.short_label}".strip()


@dataclass
class MeasureRow:
    id: int
    number: str
    title: str
    description: str = ""
    target_group: str = ""
    responsible: str = ""
    actors: list[str] = field(default_factory=list)
    needs: str = ""
    start: str = ""
    end: str = ""
    success_indicator: str = ""
    status: str | None = None
    priority_label: str = ""
    tasks: list[str] = field(default_factory=list)
    funding: str = ""
    notes: str = ""
    is_example: bool = False
    updated_at: datetime | None = None
    goal: GoalRow | None = None
    field: FieldRow | None = None


@dataclass
class GoalRow:
    number: str
    title: str
    description: str = ""
    indicator: str = ""
    is_example: bool = False
    measures: list[MeasureRow] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)  # structured, as dump_plan writes them


@dataclass
class FieldRow:
    number: str
    title: str
    description: str = ""
    working_group: str = ""
    actors: list[str] = field(default_factory=list)
    goals: list[GoalRow] = field(default_factory=list)
    adopted_goals: int | None = None  # what the council adopted (None: not given)
    adopted_measures: int | None = None

    def measures(self) -> list[MeasureRow]:
        return [m for g in self.goals for m in g.measures]


@dataclass(frozen=True)
class StatusChangeRow:
    measure_id: int
    changed_at: datetime
    old_status: str | None
    new_status: str | None


@dataclass(frozen=True)
class InstitutionRow:
    name: str
    short_name: str = ""


@dataclass
class ReportData:
    properties: dict[str, str]
    statuses: list[StatusStyle]
    fields: list[FieldRow]
    institutions: list[InstitutionRow]
    status_changes: list[StatusChangeRow]
    _id_cache: dict[int, MeasureRow] | None = field(default=None, init=False, repr=False, compare=False)

    def measures(self) -> list[MeasureRow]:
        return [m for f in self.fields for m in f.measures()]

    def goal_count(self) -> int:
        return sum(len(f.goals) for f in self.fields)

    def adopted_goals(self) -> int | None:
        """The adopted goals of all fields; None when no field has a number."""
        values = [f.adopted_goals for f in self.fields if f.adopted_goals is not None]
        return sum(values) if values else None

    def adopted_measures(self) -> int | None:
        values = [f.adopted_measures for f in self.fields if f.adopted_measures is not None]
        return sum(values) if values else None

    def status_style(self, key: str | None) -> StatusStyle:
        for st in self.statuses:
            if st.key == key:
                return st
        if key:
            return StatusStyle(key, key, "BFBFBF", key, "?")
        return StatusStyle(NO_STATUS, NO_STATUS_LABEL, NO_STATUS_COLOR, NO_STATUS_LABEL, "–")

    def field_by_number(self, number: int) -> FieldRow | None:
        for f in self.fields:
            if f.number == str(number):
                return f
        return None

    def measure_by_id(self, measure_id: int) -> MeasureRow | None:
        return self._by_id().get(measure_id)

    def _by_id(self) -> dict[int, MeasureRow]:
        if self._id_cache is None:
            self._id_cache = {m.id: m for m in self.measures()}
        return self._id_cache


def load_report_data(s: Session) -> ReportData:
    """Everything the printouts show, read in one session."""
    dump = dump_plan(s)
    extra = {
        r.uid: (r.id, r.updated_at) for r in s.execute(select(Measure.id, Measure.uid, Measure.updated_at))
    }
    fields: list[FieldRow] = []
    for fd in dump["fields"]:
        frow = FieldRow(
            number=fd["number"],
            title=fd["title"] or "",
            description=fd["description"] or "",
            working_group=fd["working_group"] or "",
            actors=list(fd["actors"]),
            adopted_goals=fd.get("adopted_goals"),
            adopted_measures=fd.get("adopted_measures"),
        )
        for gd in fd["goals"]:
            grow = GoalRow(
                number=gd["number"],
                title=gd["title"] or "",
                description=gd["description"] or "",
                indicator=gd["indicator"] or "",
                is_example=bool(gd["is_example"]),
                indicators=list(gd.get("indicators") or []),
            )
            for md in gd["measures"]:
                mid, updated = extra.get(md["uid"], (0, None))
                grow.measures.append(_measure(md, mid, updated, grow, frow))
            frow.goals.append(grow)
        fields.append(frow)
    changes = [
        StatusChangeRow(r.measure_id, r.changed_at, r.old_status, r.new_status)
        for r in s.execute(
            select(
                StatusChange.measure_id,
                StatusChange.changed_at,
                StatusChange.old_status,
                StatusChange.new_status,
            ).order_by(StatusChange.changed_at, StatusChange.id)
        )
    ]
    institutions = [
        InstitutionRow(r.name, r.short_name or "")
        for r in s.execute(select(Institution.name, Institution.short_name).order_by(Institution.name))
    ]
    return ReportData(
        properties=dict(dump["properties"]),
        statuses=[
            StatusStyle(st["key"], st["label"], st["color"], st.get("short") or "", st.get("symbol") or "")
            for st in dump["statuses"]
        ],
        fields=fields,
        institutions=institutions,
        status_changes=changes,
    )


def _measure(
    md: dict[str, Any], mid: int, updated: datetime | None, goal: GoalRow, fld: FieldRow
) -> MeasureRow:
    return MeasureRow(
        id=mid,
        number=md["number"],
        title=md["title"] or "",
        description=md["description"] or "",
        target_group=md["target_group"] or "",
        responsible=md["responsible"] or "",
        actors=list(md["actors"]),
        needs=md["needs"] or "",
        start=md["start"] or "",
        end=md["end"] or "",
        success_indicator=md["success_indicator"] or "",
        status=md["status"],
        priority_label=md["priority_label"] or "",
        tasks=list(md["cross_cutting_tasks"]),
        funding=md["funding"] or "",
        notes=md["notes"] or "",
        is_example=bool(md["is_example"]),
        updated_at=updated,
        goal=goal,
        field=fld,
    )


# --- queries --------------------------------------------------------------------------------------


def status_counts(measures: list[MeasureRow]) -> dict[str, int]:
    """Count per status key; measures without a status count under NO_STATUS ("")."""
    out: dict[str, int] = {}
    for m in measures:
        key = m.status or NO_STATUS
        out[key] = out.get(key, 0) + 1
    return out


def status_keys_in_order(data: ReportData, *count_dicts: dict[str, int]) -> list[str]:
    """The document's statuses in order, then unknown keys, then "ohne Status" if any measure lacks one."""
    keys = [st.key for st in data.statuses]
    extra: list[str] = []
    for counts in count_dicts:
        for k in counts:
            if k not in keys and k not in extra and k != NO_STATUS:
                extra.append(k)
    keys += sorted(extra)
    if any(c.get(NO_STATUS) for c in count_dicts):
        keys.append(NO_STATUS)
    return keys


def is_overdue(m: MeasureRow, today: date) -> bool:
    """End month before the current month and not done ("umgesetzt"); the board's rule."""
    return board_is_overdue(m.end, m.status, today)


def overdue_text(m: MeasureRow, today: date) -> str:
    """Overdue said in words ("überfällig: Ende 11/2022 ist vorbei, seit 4 Jahren"), or "" if not overdue."""
    if not is_overdue(m, today):
        return ""
    last = parse_month_year(m.end).last_month()
    if last is None:
        return ""
    months = month_index(today.year, today.month) - month_index(*last)
    if months >= 24:
        since = f"seit {months // 12} Jahren"
    elif months >= 12:
        since = "seit über einem Jahr"
    elif months == 1:
        since = "seit einem Monat"
    else:
        since = f"seit {months} Monaten"
    return f"Überfällig: geplant bis {m.end}, {since} nicht abgeschlossen"


def overdue_measures(data: ReportData, today: date) -> list[MeasureRow]:
    return [m for m in data.measures() if is_overdue(m, today)]


def at_risk_measures(data: ReportData) -> list[MeasureRow]:
    return [m for m in data.measures() if m.status == AT_RISK_STATUS]


def status_changes_since(data: ReportData, since: date) -> list[tuple[StatusChangeRow, MeasureRow]]:
    start = datetime(since.year, since.month, since.day)
    out: list[tuple[StatusChangeRow, MeasureRow]] = []
    for ch in data.status_changes:
        if ch.changed_at >= start:
            m = data.measure_by_id(ch.measure_id)
            if m is not None:
                out.append((ch, m))
    return out


def edited_since(data: ReportData, since: date) -> list[MeasureRow]:
    start = datetime(since.year, since.month, since.day)
    return [m for m in data.measures() if m.updated_at is not None and m.updated_at >= start]


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def institution_aliases(data: ReportData, name: str) -> set[str]:
    """The normalised names an institution goes by: the name, and its short name from the registry."""
    aliases = {_norm(name)}
    for inst in data.institutions:
        if _norm(inst.name) == _norm(name) and inst.short_name.strip():
            aliases.add(_norm(inst.short_name))
    aliases.discard("")
    return aliases


def homework(data: ReportData, name: str) -> tuple[list[MeasureRow], list[MeasureRow]]:
    """Measures the institution is responsible for, and those it takes part in (not also responsible)."""
    aliases = institution_aliases(data, name)
    responsible: list[MeasureRow] = []
    taking_part: list[MeasureRow] = []
    for m in data.measures():
        if any(_norm(n) in aliases for n in split_names(m.responsible)):
            responsible.append(m)
        elif any(_norm(n) in aliases for n in m.actors):
            taking_part.append(m)
    return responsible, taking_part


def _names_one(actor: str, aliases: set[str]) -> bool:
    """A field's actor entry names the institution: the same name, or a shorter general name of it
    ("Jobcenter" names "Jobcenter Kempten")."""
    a = _norm(actor)
    return any(a == alias or alias.startswith(a + " ") for alias in aliases)


def fields_naming(data: ReportData, name: str) -> list[tuple[FieldRow, str]]:
    """Fields whose actor list names the institution, with the entry that names it."""
    aliases = institution_aliases(data, name)
    out: list[tuple[FieldRow, str]] = []
    for f in data.fields:
        for actor in f.actors:
            if _names_one(actor, aliases):
                out.append((f, actor))
                break
    return out


def known_institution_names(data: ReportData) -> list[str]:
    """Registry names, then names that only occur in measures' responsible/actors texts or as a field's
    actor (unless that entry is a general name of a registry institution, e.g. "Jobcenter")."""
    names = [i.name for i in data.institutions]
    seen = {_norm(n) for n in names}
    extra: dict[str, str] = {}
    for m in data.measures():
        for n in [*split_names(m.responsible), *m.actors]:
            k = _norm(n)
            if k and k not in seen and k not in extra:
                extra[k] = n
    for f in data.fields:
        for n in f.actors:
            k = _norm(n)
            if not k or k in seen or k in extra or any(r.startswith(k + " ") for r in seen):
                continue
            extra[k] = n
    return names + sorted(extra.values(), key=str.casefold)


def resolve_institution(data: ReportData, name: str) -> str | None:
    """The known name `name` stands for (its spelling in the document), or None if nobody is called so."""
    wanted = _norm(name)
    if not wanted:
        return None
    for n in known_institution_names(data):
        if _norm(n) == wanted:
            return n
    for inst in data.institutions:
        if inst.short_name.strip() and _norm(inst.short_name) == wanted:
            return inst.name
    return None


def closest_institution_names(data: ReportData, name: str, n: int = 3) -> list[str]:
    """Up to n known names that look like `name` (for "Meinten Sie …?")."""
    import difflib

    names = known_institution_names(data)
    by_norm = {_norm(x): x for x in names}
    close = difflib.get_close_matches(_norm(name), list(by_norm), n=n, cutoff=0.55)
    if not close:
        wanted = _norm(name)
        close = [k for k in by_norm if wanted and (wanted in k or k in wanted)][:n]
    return [by_norm[c] for c in close]


# --- the board's action lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    """One line of an action list: a measure or a goal, with a short hint ("bis 06/2026")."""

    number: str
    title: str
    extra: str = ""
    measure: MeasureRow | None = None
    goal: GoalRow | None = None


def _end_hint(end: str) -> str:
    if not end:
        return ""
    return f"bis {end}" if parse_month_year(end).last_month() is not None else end


def soon_range(today: date) -> tuple[str, str]:
    """First and last month of "beginnen bald" (the current month and the next three)."""
    cur = month_index(today.year, today.month)
    last = cur + SOON_MONTHS
    return f"{today.month:02d}/{today.year}", f"{last % 12 + 1:02d}/{last // 12:04d}"


def action_lists(data: ReportData, today: date) -> dict[str, list[ListEntry]]:
    """The six lists of ``kik-desktop status`` (same titles, order and rules), from the loaded plan."""
    measures = data.measures()

    def entry(m: MeasureRow, extra: str = "") -> ListEntry:
        return ListEntry(m.number, m.title, extra, measure=m)

    lists: dict[str, list[ListEntry]] = {
        "at_risk": [entry(m, _end_hint(m.end)) for m in measures if m.status == AT_RISK_STATUS],
        "overdue": [entry(m, _end_hint(m.end)) for m in measures if is_overdue(m, today)],
        "starting_soon": [
            entry(m, f"ab {m.start}" if m.start else "") for m in measures if starts_soon(m.start, today)
        ],
        "without_responsible": [entry(m) for m in measures if not m.responsible.strip()],
        "goals_without_indicator": [
            ListEntry(g.number, g.title, goal=g)
            for f in data.fields
            for g in f.goals
            if not g.indicator.strip()
        ],
        "without_success_indicator": [entry(m) for m in measures if not m.success_indicator.strip()],
    }
    return {name: lists[name] for name in LIST_TITLES}
