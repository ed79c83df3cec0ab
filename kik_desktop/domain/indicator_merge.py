"""Indicators in the three-way merge (``domain.merge``): their values as the merge compares them, the
base a dispatch records for them, and writing the decided values.

An indicator is the merge item ``("indicator", uid)``. Its attributes are texts under the dump's names
(``name``, ``unit``, ``baseline``, ``target``, ``target_date``) and one pair per measured month,
``value MM/YYYY`` and ``note MM/YYYY``: a measured value of a new month is a value whose base is empty,
so it is added when the document has none for that month, kept out when the document has the same value
(checking in twice changes nothing) and a conflict when the document has another value for that month.
Numbers are compared in their German display form (``indicators.format_number``), so 12 and 12,0 match.

``IndicatorWrite`` writes what ``merge.resolve`` decided (and new indicators) in the caller's transaction
with stable ids across redo, and takes it back.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import indicators as ind
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dispatches import Key, ValueMap, add_base_values, as_text
from kik_desktop.models import Goal, Indicator, IndicatorValue, Measure

KIND = "indicator"
# The merged attributes: merge/dump name → model attribute.
ATTRS: dict[str, str] = {
    "name": "name",
    "unit": "unit",
    "baseline": "baseline_value",
    "target": "target_value",
    "target_date": "target_date",
}
NUMBER_ATTRS = {"baseline", "target"}
LABELS = {
    "name": "Indikator",
    "unit": "Einheit",
    "baseline": "Ausgangswert",
    "target": "Zielwert",
    "target_date": "Zieldatum",
}
VALUE = "value"
NOTE = "note"


def value_attribute(year: int, month: int) -> str:
    return f"{VALUE} {month:02d}/{year:04d}"


def note_attribute(year: int, month: int) -> str:
    return f"{NOTE} {month:02d}/{year:04d}"


def month_attribute(attribute: str) -> tuple[str, tuple[int, int]] | None:
    """("value" | "note", (year, month)) of a month attribute, else None."""
    what, _sep, when = attribute.partition(" ")
    if what not in (VALUE, NOTE) or len(when) != 7 or when[2] != "/":
        return None
    try:
        return what, (int(when[3:]), int(when[:2]))
    except ValueError:
        return None


def label(attribute: str) -> str:
    """German label of an attribute for the preview ("Zielwert", "Ist-Wert 05/2026")."""
    month = month_attribute(attribute)
    if month is not None:
        what, (year, mon) = month
        return f"{'Ist-Wert' if what == VALUE else 'Bemerkung zum Ist-Wert'} {mon:02d}/{year}"
    return LABELS.get(attribute, attribute)


def number_text(value: Any) -> str:
    """A number in its German display form; "" for none (IndicatorError for what is no number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return ind.format_number(ind.parse_number(value))


def text(attribute: str, value: Any) -> str:
    """A value as the merge compares it: numbers in their German display form, the rest as text."""
    if attribute in NUMBER_ATTRS or attribute.startswith(VALUE + " "):
        return number_text(value)
    return as_text(value).strip()


def row_values(r: ind.IndicatorRow) -> dict[str, str]:
    """The merge's values of one indicator: its attributes and every measured month."""
    out = {key: text(key, getattr(r, attr)) for key, attr in ATTRS.items()}
    for v in r.values:
        out[value_attribute(v.year, v.month)] = number_text(v.value)
        out[note_attribute(v.year, v.month)] = v.note or ""
    return out


def current_values(s: Session, uids: Iterable[str] | None = None) -> ValueMap:
    """The document's indicators as the merge sees them (all, or those with these uids)."""
    wanted = None if uids is None else set(uids)
    return {(KIND, r.uid): row_values(r) for r in ind.all_indicators(s) if wanted is None or r.uid in wanted}


def base_of(rows: Iterable[ind.IndicatorRow]) -> ValueMap:
    """The base of the indicators a sheet shows (what a dispatch records for them)."""
    return {(KIND, r.uid): row_values(r) for r in rows}


def record_base(s: Session, dispatch_id: int, rows: Iterable[ind.IndicatorRow] | None = None) -> None:
    """Record the base of the indicators a dispatched workbook shows (None: all, as the full export's
    sheet "Indikatoren"); whatever writes a dispatch with that sheet calls it in its transaction."""
    add_base_values(s, dispatch_id, base_of(ind.all_indicators(s) if rows is None else rows))


def fill_new_months(base: ValueMap, incoming: ValueMap) -> None:
    """Give the months a sheet reports but the base does not know an empty base value (in ``base``):
    a month new in the sheet is then added, and a value the document has for it meanwhile is a
    conflict, not overwritten. Indicators without a base stay two-way."""
    for key, values in incoming.items():
        known = base.get(key)
        if known is None:
            continue
        for attr in values:
            if attr not in known and month_attribute(attr) is not None:
                known[attr] = ""


# -- writing ------------------------------------------------------------------------------------------


def _model(values: Mapping[str, Any]) -> dict[str, Any]:
    """Indicator attributes of the merge's values (month attributes left out)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        attr = ATTRS.get(key)
        if attr is not None:
            out[attr] = value
    return out


def _months(values: Mapping[str, Any]) -> dict[tuple[int, int], dict[str, Any]]:
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for key, value in values.items():
        month = month_attribute(key)
        if month is not None:
            out.setdefault(month[1], {})[month[0]] = value
    return out


@dataclass(frozen=True)
class NewIndicator:
    """An indicator a sheet creates: owner (kind, uid) and the merge's values (with month attributes)."""

    index: int  # stable key for redo (its place among the preview's new items)
    owner: Key
    values: dict[str, str]


@dataclass
class IndicatorWrite:
    """Decided indicator values (uid → attribute → text) and new indicators, as one undoable write."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    new: list[NewIndicator] = field(default_factory=list)
    _created_ids: dict[int, int] = field(default_factory=dict)
    _created_uids: dict[int, str] = field(default_factory=dict)
    _undo: list[tuple[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.values or self.new)

    @classmethod
    def decided(
        cls, values: Mapping[Hashable, Mapping[str, Any]], new_items: Sequence[Any]
    ) -> IndicatorWrite:
        """From ``merge.resolve``'s values (all kinds; the indicators' are taken) and a preview's new
        items (``merge_apply.NewItem``; those of kind "indicator", keyed by their place in the list)."""
        return cls(
            {
                key[1]: dict(attrs)
                for key, attrs in values.items()
                if isinstance(key, tuple) and key[0] == KIND
            },
            [
                NewIndicator(i, item.parent, item.values)
                for i, item in enumerate(new_items)
                if item.kind == KIND
            ],
        )

    def created_uid(self, index: int) -> str | None:
        """The uid of the new indicator ``index`` once written."""
        return self._created_uids.get(index)

    def _set_months(self, s: Session, indicator_id: int, values: Mapping[str, Any]) -> ChangeSet:
        out = ChangeSet()
        existing = {
            (v.year, v.month): v
            for v in s.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id))
        }
        for when, given in sorted(_months(values).items()):
            old = existing.get(when)
            number = ind.parse_number(given[VALUE]) if str(given.get(VALUE) or "").strip() else None
            if number is None:
                if old is None or NOTE not in given:
                    continue  # a note alone needs a measured value of its month
                number = old.value
            note = given.get(NOTE, old.note if old is not None else "")
            edit = ind.set_value(
                s, indicator_id, when, number, source=old.source if old is not None else "", note=note
            )
            self._undo.append(("value", edit))
            out = out + edit.changes
        return out

    def redo(self, s: Session) -> ChangeSet:
        self._undo = []
        out = ChangeSet()
        ids = {uid: int(i) for i, uid in s.execute(select(Indicator.id, Indicator.uid))}
        for uid, values in self.values.items():
            iid = ids.get(uid)
            if iid is None:
                continue
            model = _model(values)
            if model:
                upd = ind.update_indicator(s, iid, model)
                self._undo.append(("update", (iid, upd.old)))
                out = out + upd.changes
            out = out + self._set_months(s, iid, values)
        for item in self.new:
            owner_kind, owner_uid = item.owner
            cls = Goal if owner_kind == "goal" else Measure
            owner_id = s.scalar(select(cls.id).where(cls.uid == owner_uid))
            if owner_id is None:
                continue
            iid, cs = ind.create_indicator(
                s,
                owner_kind,
                int(owner_id),
                _model(item.values),
                item_id=self._created_ids.get(item.index),
                uid=self._created_uids.get(item.index),
            )
            self._created_ids[item.index] = iid
            self._created_uids[item.index] = ind.get_indicator(s, iid).uid
            self._undo.append(("create", iid))
            out = out + cs + self._set_months(s, iid, item.values)
        s.flush()
        return out

    def undo(self, s: Session) -> ChangeSet:
        out = ChangeSet()
        for what, data in reversed(self._undo):
            if what == "value":
                out = out + ind.undo_value(s, data)
            elif what == "update":
                iid, old = data
                if old and s.get(Indicator, iid) is not None:
                    out = out + ind.update_indicator(s, iid, old).changes
            elif what == "create" and s.get(Indicator, data) is not None:
                out = out + ind.delete_indicator(s, data)[1]
        self._undo = []
        s.flush()
        return out


__all__ = [
    "ATTRS",
    "KIND",
    "IndicatorWrite",
    "NewIndicator",
    "base_of",
    "current_values",
    "fill_new_months",
    "label",
    "month_attribute",
    "note_attribute",
    "number_text",
    "record_base",
    "row_values",
    "text",
    "value_attribute",
]
