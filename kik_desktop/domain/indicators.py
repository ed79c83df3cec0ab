"""Indicators of goals and measures with targets and measured values, and the on-track rule.

Every write works in a session opened with ``Document.transaction()`` and returns a ``ChangeSet``
together with what is needed to undo it. The rule whether an indicator is on track compares its latest
measured value with the straight path from the baseline to the target at that value's month.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import ChangeSet, created, deleted, updated
from kik_desktop.domain.dates import month_index, parse_month_year
from kik_desktop.domain.plan import MAX_TEXT, PlanError, clean_text
from kik_desktop.models import Goal, Indicator, IndicatorValue, Measure

OwnerKind = Literal["goal", "measure"]
OWNER_KINDS: tuple[OwnerKind, ...] = ("goal", "measure")
DIRECTIONS = {"higher": "höher ist besser", "lower": "niedriger ist besser"}
INDICATOR_ATTRS = (
    "name",
    "unit",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "direction",
    "measured_by",
    "notes",
)
FLOAT_ATTRS = {"baseline_value", "target_value"}
DATE_ATTRS = {"baseline_date", "target_date"}
ATTR_LABELS = {
    "name": "Indikator",
    "unit": "Einheit",
    "baseline_value": "Ausgangswert",
    "baseline_date": "Ausgangsdatum",
    "target_value": "Zielwert",
    "target_date": "Zieldatum",
    "direction": "Richtung",
    "measured_by": "Wer misst",
    "notes": "Bemerkung",
}
# Without a measured value for more than this many months an indicator is reported as stale.
STALE_MONTHS = 12


class IndicatorError(PlanError):
    """An indicator edit that cannot be made; the message is German."""


# -- plain rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRow:
    id: int
    year: int
    month: int
    value: float
    source: str = ""
    note: str = ""

    @property
    def month_key(self) -> int:
        return month_index(self.year, self.month)

    @property
    def date_text(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    uid: str
    owner_kind: OwnerKind
    owner_id: int
    position: int
    name: str
    unit: str = ""
    baseline_value: float | None = None
    baseline_date: str = ""
    target_value: float | None = None
    target_date: str = ""
    direction: str = "higher"
    measured_by: str = ""
    notes: str = ""
    values: tuple[ValueRow, ...] = ()

    @property
    def latest(self) -> ValueRow | None:
        return max(self.values, key=lambda v: v.month_key) if self.values else None

    def attrs(self) -> dict[str, Any]:
        return {a: getattr(self, a) for a in INDICATOR_ATTRS}


def _value_row(v: IndicatorValue) -> ValueRow:
    return ValueRow(v.id, v.year, v.month, v.value, v.source, v.note)


def _row(ind: Indicator, values: list[ValueRow] | None = None) -> IndicatorRow:
    owner_kind: OwnerKind = "goal" if ind.goal_id is not None else "measure"
    owner_id = ind.goal_id if ind.goal_id is not None else ind.measure_id
    assert owner_id is not None
    vals = values if values is not None else [_value_row(v) for v in ind.values]
    return IndicatorRow(
        id=ind.id,
        uid=ind.uid,
        owner_kind=owner_kind,
        owner_id=owner_id,
        position=ind.position,
        name=ind.name,
        unit=ind.unit,
        baseline_value=ind.baseline_value,
        baseline_date=ind.baseline_date,
        target_value=ind.target_value,
        target_date=ind.target_date,
        direction=ind.direction,
        measured_by=ind.measured_by,
        notes=ind.notes,
        values=tuple(sorted(vals, key=lambda v: v.month_key)),
    )


def _owner_column(owner_kind: str) -> Any:
    if owner_kind == "goal":
        return Indicator.goal_id
    if owner_kind == "measure":
        return Indicator.measure_id
    raise IndicatorError("Ein Indikator gehört zu einem Ziel oder einer Maßnahme.")


def _check_owner(s: Session, owner_kind: str, owner_id: int) -> None:
    cls = Goal if owner_kind == "goal" else Measure if owner_kind == "measure" else None
    if cls is None:
        raise IndicatorError("Ein Indikator gehört zu einem Ziel oder einer Maßnahme.")
    if s.get(cls, owner_id) is None:
        raise IndicatorError("Das Ziel oder die Maßnahme des Indikators existiert nicht mehr.")


def list_indicators(s: Session, owner_kind: str, owner_id: int) -> list[IndicatorRow]:
    """The indicators of one goal or measure, in their order, with their values."""
    col = _owner_column(owner_kind)
    inds = list(
        s.scalars(select(Indicator).where(col == owner_id).order_by(Indicator.position, Indicator.id))
    )
    return [_row(i) for i in inds]


def all_indicators(s: Session) -> list[IndicatorRow]:
    """Every indicator of the document with its values (two queries)."""
    values: dict[int, list[ValueRow]] = {}
    for v in s.scalars(select(IndicatorValue)):
        values.setdefault(v.indicator_id, []).append(_value_row(v))
    return [
        _row(i, values.get(i.id, []))
        for i in s.scalars(select(Indicator).order_by(Indicator.position, Indicator.id))
    ]


def get_indicator(s: Session, indicator_id: int) -> IndicatorRow:
    ind = s.get(Indicator, indicator_id)
    if ind is None:
        raise IndicatorError("Der Indikator existiert nicht mehr.")
    return _row(ind)


def owner_numbers(s: Session) -> dict[tuple[str, int], str]:
    """The hierarchical number of every goal and measure ("2.3", "2.3.1"), computed in one pass."""
    conn = s.connection()
    out: dict[tuple[str, int], str] = {}
    field_no = {
        r[0]: i
        for i, r in enumerate(conn.exec_driver_sql("SELECT id FROM field ORDER BY position, id"), start=1)
    }
    goal_no: dict[int, str] = {}
    counters: dict[int, int] = {}
    for gid, fid in conn.exec_driver_sql("SELECT id, field_id FROM goal ORDER BY position, id"):
        counters[fid] = counters.get(fid, 0) + 1
        goal_no[gid] = f"{field_no.get(fid, 0)}.{counters[fid]}"
        out[("goal", gid)] = goal_no[gid]
    mcount: dict[int, int] = {}
    for mid, gid in conn.exec_driver_sql("SELECT id, goal_id FROM measure ORDER BY position, id"):
        mcount[gid] = mcount.get(gid, 0) + 1
        out[("measure", mid)] = f"{goal_no.get(gid, '?')}.{mcount[gid]}"
    return out


# -- validation ----------------------------------------------------------------------------------


def parse_number(value: object) -> float | None:
    """A number as people write it: 12, 12,5, 1.200, "80 %"; None for empty; IndicatorError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise IndicatorError(f"„{value}“ ist keine Zahl.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", " ").rstrip("%").strip()
        if not text:
            return None
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):
            text = text.replace(".", "")
        text = text.replace(" ", "").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise IndicatorError(f"„{value}“ ist keine Zahl.") from None
    if not math.isfinite(number):
        raise IndicatorError(f"„{value}“ ist keine Zahl.")
    return number


def format_number(value: float | None) -> str:
    """German display of a number: 12, 12,5, 1.234,5; empty for None."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def validate_indicator(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in INDICATOR_ATTRS:
            raise IndicatorError(f"Unbekanntes Feld „{key}“ für einen Indikator.")
        label = ATTR_LABELS[key]
        if key in FLOAT_ATTRS:
            try:
                out[key] = parse_number(value)
            except IndicatorError as exc:
                raise IndicatorError(f"{label}: {exc}") from None
        elif key == "direction":
            text = str(value or "higher").strip().lower()
            text = {"höher": "higher", "hoeher": "higher", "niedriger": "lower", "weniger": "lower"}.get(
                text, text
            )
            if text not in DIRECTIONS:
                raise IndicatorError("Richtung ist „höher ist besser“ oder „niedriger ist besser“.")
            out[key] = text
        else:
            text = clean_text("" if value is None else str(value)).strip()
            if len(text) > MAX_TEXT:
                raise IndicatorError(f"{label}: Der Text ist zu lang (höchstens {MAX_TEXT} Zeichen).")
            if key in DATE_ATTRS:
                parsed = parse_month_year(text)
                if parsed.open_ended or not parsed.is_valid:
                    raise IndicatorError(f"{label}: „{text}“ ist kein Monat/Jahr (z. B. 03/2026 oder 2026).")
                text = parsed.canonical()
            out[key] = text
    if "name" in out and not out["name"]:
        raise IndicatorError("Ein Indikator braucht einen Namen.")
    return out


def parse_value_date(value: object) -> tuple[int, int]:
    """(year, month) of a measured value: 05/2026, 2026-05, Mai 2026, a date; a bare year is December."""
    parsed = parse_month_year(value)
    if parsed.year is None or parsed.open_ended:
        raise IndicatorError(f"„{value}“ ist kein Stichtag (Monat/Jahr, z. B. 05/2026).")
    return parsed.year, parsed.month or 12


# -- writes ---------------------------------------------------------------------------------------


def _renumber(s: Session, owner_kind: str, owner_id: int, ids: list[int]) -> None:
    for pos, iid in enumerate(ids):
        ind = s.get(Indicator, iid)
        if ind is not None and ind.position != pos:
            ind.position = pos


def _sibling_ids(s: Session, owner_kind: str, owner_id: int) -> list[int]:
    col = _owner_column(owner_kind)
    return list(
        s.scalars(select(Indicator.id).where(col == owner_id).order_by(Indicator.position, Indicator.id))
    )


def create_indicator(
    s: Session,
    owner_kind: str,
    owner_id: int,
    values: dict[str, Any],
    *,
    index: int | None = None,
    item_id: int | None = None,
    uid: str | None = None,
) -> tuple[int, ChangeSet]:
    """Add an indicator to a goal or measure (at index, default at the end)."""
    _check_owner(s, owner_kind, owner_id)
    clean = validate_indicator({"direction": "higher", **values})
    if not clean.get("name"):
        raise IndicatorError("Ein Indikator braucht einen Namen.")
    siblings = _sibling_ids(s, owner_kind, owner_id)
    index = len(siblings) if index is None else max(0, min(index, len(siblings)))
    ind = Indicator(**clean)
    if owner_kind == "goal":
        ind.goal_id = owner_id
    else:
        ind.measure_id = owner_id
    if item_id is not None:
        ind.id = item_id
    if uid is not None:
        ind.uid = uid
    s.add(ind)
    s.flush()
    siblings.insert(index, ind.id)
    _renumber(s, owner_kind, owner_id, siblings)
    s.flush()
    change = created("indicator", ind.id, owner_id, index, {"owner_kind": owner_kind, **clean})
    return int(ind.id), ChangeSet.of([change])


@dataclass(frozen=True)
class IndicatorUpdate:
    indicator_id: int
    old: dict[str, Any]
    new: dict[str, Any]
    changes: ChangeSet


def update_indicator(s: Session, indicator_id: int, values: dict[str, Any]) -> IndicatorUpdate:
    ind = s.get(Indicator, indicator_id)
    if ind is None:
        raise IndicatorError("Der Indikator existiert nicht mehr.")
    clean = validate_indicator(values)
    current = {a: getattr(ind, a) for a in INDICATOR_ATTRS}
    changed = {k: v for k, v in clean.items() if current[k] != v}
    for k, v in changed.items():
        setattr(ind, k, v)
    s.flush()
    cs = ChangeSet.of([updated("indicator", indicator_id, changed)] if changed else [])
    return IndicatorUpdate(indicator_id, {k: current[k] for k in changed}, changed, cs)


@dataclass(frozen=True)
class DeletedIndicator:
    """A deleted indicator with its values, to put back with the same ids."""

    row: dict[str, Any]
    values: tuple[dict[str, Any], ...]
    owner_kind: OwnerKind
    owner_id: int
    index: int


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def delete_indicator(s: Session, indicator_id: int) -> tuple[DeletedIndicator, ChangeSet]:
    ind = s.get(Indicator, indicator_id)
    if ind is None:
        raise IndicatorError("Der Indikator existiert nicht mehr.")
    row = _row(ind)
    siblings = _sibling_ids(s, row.owner_kind, row.owner_id)
    snap = DeletedIndicator(
        row=_columns(ind),
        values=tuple(_columns(v) for v in ind.values),
        owner_kind=row.owner_kind,
        owner_id=row.owner_id,
        index=siblings.index(indicator_id),
    )
    s.delete(ind)
    s.flush()
    siblings.remove(indicator_id)
    _renumber(s, row.owner_kind, row.owner_id, siblings)
    return snap, ChangeSet.of([deleted("indicator", indicator_id, row.owner_id)])


def restore_indicator(s: Session, snap: DeletedIndicator) -> ChangeSet:
    _check_owner(s, snap.owner_kind, snap.owner_id)
    s.execute(insert(Indicator), [snap.row])
    if snap.values:
        s.execute(insert(IndicatorValue), list(snap.values))
    iid = int(snap.row["id"])
    siblings = [i for i in _sibling_ids(s, snap.owner_kind, snap.owner_id) if i != iid]
    siblings.insert(min(snap.index, len(siblings)), iid)
    s.expire_all()
    _renumber(s, snap.owner_kind, snap.owner_id, siblings)
    s.flush()
    values = {k: v for k, v in snap.row.items() if k in INDICATOR_ATTRS}
    return ChangeSet.of([created("indicator", iid, snap.owner_id, snap.index, values)])


@dataclass(frozen=True)
class ValueEdit:
    """A measured value written for a month; ``previous`` is the value it replaced (for undo)."""

    indicator_id: int
    year: int
    month: int
    value_id: int
    previous: dict[str, Any] | None
    changes: ChangeSet


def set_value(
    s: Session,
    indicator_id: int,
    when: object,
    value: object,
    source: str = "",
    note: str = "",
) -> ValueEdit:
    """Record the measured value of a month (replacing an earlier value of the same month)."""
    if s.get(Indicator, indicator_id) is None:
        raise IndicatorError("Der Indikator existiert nicht mehr.")
    year, month = when if isinstance(when, tuple) else parse_value_date(when)
    number = parse_number(value)
    if number is None:
        raise IndicatorError("Ist-Wert fehlt.")
    existing = s.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.year == year,
            IndicatorValue.month == month,
        )
    )
    src, nt = clean_text(source or "").strip(), clean_text(note or "").strip()
    previous = _columns(existing) if existing is not None else None
    if existing is None:
        existing = IndicatorValue(
            indicator_id=indicator_id, year=year, month=month, value=number, source=src, note=nt
        )
        s.add(existing)
        s.flush()
        change = created(
            "indicator_value", existing.id, indicator_id, 0, {"value": number, "date": f"{month:02d}/{year}"}
        )
    else:
        existing.value, existing.source, existing.note = number, src, nt
        s.flush()
        change = updated("indicator_value", existing.id, {"value": number, "source": src, "note": nt})
    return ValueEdit(indicator_id, year, month, int(existing.id), previous, ChangeSet.of([change]))


def undo_value(s: Session, edit: ValueEdit) -> ChangeSet:
    """Take back a set_value: delete the new value or put the replaced one back."""
    if edit.previous is None:
        s.execute(delete(IndicatorValue).where(IndicatorValue.id == edit.value_id))
        return ChangeSet.of([deleted("indicator_value", edit.value_id, edit.indicator_id)])
    row = s.get(IndicatorValue, edit.value_id)
    if row is None:
        s.execute(insert(IndicatorValue), [edit.previous])
    else:
        row.value, row.source, row.note = (
            edit.previous["value"],
            edit.previous["source"],
            edit.previous["note"],
        )
    s.flush()
    return ChangeSet.of([updated("indicator_value", edit.value_id, {"value": edit.previous["value"]})])


def delete_value(s: Session, value_id: int) -> tuple[dict[str, Any], ChangeSet]:
    row = s.get(IndicatorValue, value_id)
    if row is None:
        raise IndicatorError("Der Messwert existiert nicht mehr.")
    data = _columns(row)
    s.delete(row)
    s.flush()
    return data, ChangeSet.of([deleted("indicator_value", value_id, data["indicator_id"])])


def restore_value(s: Session, data: dict[str, Any]) -> ChangeSet:
    s.execute(insert(IndicatorValue), [data])
    s.flush()
    return ChangeSet.of([created("indicator_value", int(data["id"]), int(data["indicator_id"]), 0)])


# -- "In Indikator umwandeln" -----------------------------------------------------------------------

_LOWER_WORDS = ("senk", "weniger", "reduz", "rückgang", "verringer", "abbau", "minimier", "sinken")
_NUMBER = re.compile(r"(?<![\w/])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s*(%|prozent\b)?", re.IGNORECASE)
_BY_DATE = re.compile(
    r"\b(?:bis|bis zum|bis Ende|zum|im Jahr|in)\s+((?:\d{1,2}\s*/\s*)?\d{4}|[A-Za-zäÄ]+\.?\s+\d{4})\b",
    re.IGNORECASE,
)


def split_indicator_text(text: str) -> list[str]:
    """The separate indicators of a free text: one per line or separated by semicolons."""
    out = []
    for part in re.split(r"[\n;]+", text or ""):
        part = part.strip().lstrip("-•*–").strip()
        if part:
            out.append(part)
    return out


def propose_indicator(text: str) -> dict[str, Any]:
    """A structured indicator read from a free text such as "10 Neuzugewanderte pro Treffen" or
    "Anteil der Kinder mit Sprachförderung auf 80 % bis 2025" (name, unit, target, date, direction)."""
    name = " ".join(text.split())
    proposal: dict[str, Any] = {"name": name, "direction": "higher"}
    rest = name
    m = _BY_DATE.search(rest)
    if m:
        parsed = parse_month_year(m.group(1))
        if parsed.year is not None:
            proposal["target_date"] = parsed.canonical()
            rest = (rest[: m.start()] + rest[m.end() :]).strip()
    m = _NUMBER.search(rest)
    if m:
        number = float(m.group(1).replace(".", "") + ("." + m.group(2) if m.group(2) else ""))
        proposal["target_value"] = number
        if m.group(3):
            proposal["unit"] = "%"
        else:
            unit = rest[m.end() :].strip(" .,:")
            unit = re.split(r"\b(?:bis|ab|im|in)\b", unit)[0].strip(" .,:")
            proposal["unit"] = unit[:80]
    if any(w in name.lower() for w in _LOWER_WORDS):
        proposal["direction"] = "lower"
    return proposal


def convert_text(s: Session, owner_kind: str, owner_id: int, text: str) -> tuple[list[int], ChangeSet]:
    """ "In Indikator umwandeln": one structured indicator per part of the free text (the text stays);
    parts that already are an indicator of this item (same name) are skipped."""
    _check_owner(s, owner_kind, owner_id)
    existing = {r.name.casefold() for r in list_indicators(s, owner_kind, owner_id)}
    ids: list[int] = []
    changes = ChangeSet()
    for part in split_indicator_text(text):
        proposal = propose_indicator(part)
        if proposal["name"].casefold() in existing:
            continue
        iid, cs = create_indicator(s, owner_kind, owner_id, proposal)
        existing.add(proposal["name"].casefold())
        ids.append(iid)
        changes = changes + cs
    if not ids and not split_indicator_text(text):
        raise IndicatorError("Der Indikatortext ist leer: nichts umzuwandeln.")
    return ids, changes


# -- the on-track rule ----------------------------------------------------------------------------


class Progress(Enum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    STALE = "stale"  # no measured value for more than STALE_MONTHS months
    NO_VALUE = "no_value"  # defined recently, nothing measured yet
    UNDEFINED = "undefined"  # baseline or target missing: no path to compare with


PROGRESS_LABELS = {
    Progress.ON_TRACK: "im Plan",
    Progress.BEHIND: "im Rückstand",
    Progress.STALE: f"seit über {STALE_MONTHS} Monaten ohne Wert",
    Progress.NO_VALUE: "noch kein Ist-Wert",
    Progress.UNDEFINED: "Ausgangs- oder Zielwert fehlt",
}


@dataclass(frozen=True)
class Assessment:
    progress: Progress
    actual: float | None = None
    expected: float | None = None
    at: tuple[int, int] | None = None  # (year, month) of the latest value

    @property
    def label(self) -> str:
        return PROGRESS_LABELS[self.progress]


def _months(text: str, *, last: bool) -> int | None:
    parsed = parse_month_year(text)
    ym = parsed.last_month() if last else parsed.first_month()
    return None if ym is None else month_index(*ym)


def expected_value(
    baseline: float, baseline_month: int, target: float, target_month: int, month: int
) -> float:
    """The value on the straight path from baseline to target at a month (flat before and after)."""
    if target_month <= baseline_month or month >= target_month:
        return target if month >= min(target_month, baseline_month) else baseline
    if month <= baseline_month:
        return baseline
    share = (month - baseline_month) / (target_month - baseline_month)
    return baseline + (target - baseline) * share


def path_of(ind: IndicatorRow) -> tuple[int, float, int, float] | None:
    """(baseline month, baseline, target month, target) or None when the path is not defined."""
    if ind.baseline_value is None or ind.target_value is None:
        return None
    b = _months(ind.baseline_date, last=False)
    t = _months(ind.target_date, last=True)
    if b is None or t is None:
        return None
    return b, ind.baseline_value, t, ind.target_value


def assess(ind: IndicatorRow, today: date) -> Assessment:
    """Is the indicator on track? The latest value against the path at its month, direction aware."""
    now = month_index(today.year, today.month)
    latest = ind.latest
    if latest is None:
        since = _months(ind.baseline_date, last=False)
        if since is None or now - since > STALE_MONTHS:
            return Assessment(Progress.STALE)
        return Assessment(Progress.NO_VALUE)
    at = (latest.year, latest.month)
    if now - latest.month_key > STALE_MONTHS:
        return Assessment(Progress.STALE, latest.value, None, at)
    path = path_of(ind)
    if path is None:
        return Assessment(Progress.UNDEFINED, latest.value, None, at)
    b, base, t, target = path
    expected = expected_value(base, b, target, t, latest.month_key)
    tolerance = 1e-9 * max(1.0, abs(base), abs(target))
    if ind.direction == "lower":
        ok = latest.value <= expected + tolerance
    else:
        ok = latest.value >= expected - tolerance
    return Assessment(Progress.ON_TRACK if ok else Progress.BEHIND, latest.value, expected, at)


@dataclass
class IndicatorStatusLists:
    """The board's lists: indicators on track, behind, and without a value for over 12 months."""

    on_track: list[tuple[str, IndicatorRow, Assessment]] = field(default_factory=list)
    behind: list[tuple[str, IndicatorRow, Assessment]] = field(default_factory=list)
    stale: list[tuple[str, IndicatorRow, Assessment]] = field(default_factory=list)


def indicator_lists(s: Session, today: date) -> IndicatorStatusLists:
    numbers = owner_numbers(s)
    out = IndicatorStatusLists()
    rows = all_indicators(s)
    rows.sort(key=lambda r: (_number_key(numbers.get((r.owner_kind, r.owner_id), "")), r.position))
    for r in rows:
        a = assess(r, today)
        number = numbers.get((r.owner_kind, r.owner_id), "")
        if a.progress is Progress.ON_TRACK:
            out.on_track.append((number, r, a))
        elif a.progress is Progress.BEHIND:
            out.behind.append((number, r, a))
        elif a.progress is Progress.STALE:
            out.stale.append((number, r, a))
    return out


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


# -- dump ------------------------------------------------------------------------------------------


def indicator_dict(r: IndicatorRow) -> dict[str, Any]:
    return {
        "uid": r.uid,
        "name": r.name,
        "unit": r.unit,
        "baseline": r.baseline_value,
        "baseline_date": r.baseline_date,
        "target": r.target_value,
        "target_date": r.target_date,
        "direction": r.direction,
        "measured_by": r.measured_by,
        "notes": r.notes,
        "values": [
            {"date": v.date_text, "value": v.value, "source": v.source, "note": v.note} for v in r.values
        ],
    }


def indicators_by_owner(s: Session) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Dump entries of every indicator, grouped by (owner kind, owner id), in order."""
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in all_indicators(s):
        out.setdefault((r.owner_kind, r.owner_id), []).append(indicator_dict(r))
    return out


def field_of_owner(s: Session, owner_kind: str, owner_id: int) -> int | None:
    """The field id a goal or measure belongs to."""
    if owner_kind == "goal":
        goal = s.get(Goal, owner_id)
        return None if goal is None else goal.field_id
    measure = s.get(Measure, owner_id)
    if measure is None:
        return None
    g = s.get(Goal, measure.goal_id)
    return None if g is None else g.field_id


__all__ = [
    "DIRECTIONS",
    "IndicatorError",
    "IndicatorRow",
    "Progress",
    "ValueRow",
    "assess",
    "convert_text",
    "create_indicator",
    "delete_indicator",
    "set_value",
    "update_indicator",
]
