"""Edits of the concept itself: its page (document properties), the steering group, the cross-cutting
tasks, the funding sources and the status legend.

Every write works inside a session the caller opened with ``Document.transaction()`` and returns an
:class:`Edit`: the :class:`ChangeSet` it made and ``revert``, a function that undoes it in another
session (and itself returns the Edit that redoes it). So the window's undo stack alternates
``edit = edit.revert(session)`` and never needs to know what kind of edit it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import ChangeSet, created, deleted, moved, updated
from kik_desktop.domain.defaults import STATUS_KEYS
from kik_desktop.domain.plan import MAX_TEXT, PlanError, clean_text
from kik_desktop.models import (
    CrossCuttingTask,
    DocumentProperty,
    FundingSource,
    Status,
    SteeringMember,
    measure_task,
)

# The concept page: (property key, German label, multi-line). The order is the page's order.
CONCEPT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("concept_name", "Name des Konzepts", False),
    ("short_name", "Kurzname", False),
    ("city", "Stadt", False),
    ("motto", "Leitspruch", False),
    ("council_decision", "Stadtratsbeschluss", False),
    ("council_decision_date", "Datum des Beschlusses", False),
    ("commission", "Auftrag", True),
    ("participation", "Beteiligung", True),
    ("strategic_goal", "Strategisches Ziel", False),
    ("strategic_field", "Strategisches Handlungsfeld", False),
    ("understanding_title", "Überschrift Integrationsverständnis", False),
    ("understanding", "Integrationsverständnis", True),
    ("guiding_principles", "Leitgedanken", True),
)
CONCEPT_KEYS = tuple(k for k, _label, _multi in CONCEPT_FIELDS)
CONCEPT_LABELS = {k: label for k, label, _multi in CONCEPT_FIELDS}

# Written by the next edition (Fortschreibung): which document this one continues. Read-only here.
PREDECESSOR_KEYS: tuple[tuple[str, str], ...] = (
    ("edition", "Fassung"),
    ("predecessor_name", "Vorgängerfassung"),
    ("predecessor_edition", "Fassung des Vorgängers"),
    ("predecessor_file", "Datei der Vorgängerfassung"),
    ("predecessor_uid", "Kennung der Vorgängerfassung"),
    ("predecessor_created", "Fortgeschrieben am"),
)
PREDECESSOR_LABELS = dict(PREDECESSOR_KEYS)

STEERING_ATTRS = ("area", "role", "members")
FUNDING_ATTRS = ("name", "kind", "notes")
STATUS_ATTRS = ("label", "short", "color", "symbol")
MAX_SYMBOL = 3
_HEX = re.compile(r"^[0-9A-F]{6}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass
class Edit:
    """What one write changed, and how to undo it (``revert`` returns the Edit that redoes it)."""

    changes: ChangeSet
    revert: Callable[[Session], Edit]
    # The id of the row the write created (add_*), else None.
    item_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _nothing(_s: Session) -> Edit:
    return Edit(ChangeSet(), _nothing)


NO_EDIT = Edit(ChangeSet(), _nothing)


def _text(value: Any, what: str) -> str:
    text = clean_text("" if value is None else str(value))
    if len(text) > MAX_TEXT:
        raise PlanError(f"{what}: Der Text ist zu lang (höchstens {MAX_TEXT:,} Zeichen).".replace(",", "."))
    return text


def _check_keys(values: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    for key in values:
        if key not in allowed:
            raise PlanError(f"Unbekanntes Feld „{key}“ für {what}.")


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


# -- the concept page ------------------------------------------------------------------------------


def normalize_date(text: str) -> str:
    """A council date as ISO ``YYYY-MM-DD``; accepts ``18.11.2021`` too. Empty stays empty."""
    text = text.strip()
    if not text:
        return ""
    m = _GERMAN_DATE.match(text)
    if m:
        text = f"{int(m.group(3)):04d}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    m = _DATE.match(text)
    if m:
        import datetime as _dt

        try:
            _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            return text
    raise PlanError(f"„{text}“ ist kein Datum (TT.MM.JJJJ, z. B. 18.11.2021).")


def concept_values(s: Session) -> dict[str, str]:
    """The concept page: every key of CONCEPT_KEYS (empty where the document has none)."""
    props = {p.key: p.value for p in s.scalars(select(DocumentProperty))}
    return {k: props.get(k, "") for k in CONCEPT_KEYS}


def predecessor(s: Session) -> dict[str, str]:
    """What the document says about the edition it continues (empty if it is a first edition)."""
    keys = [k for k, _l in PREDECESSOR_KEYS]
    rows = s.scalars(select(DocumentProperty).where(DocumentProperty.key.in_(keys)))
    return {p.key: p.value for p in rows if p.value}


def _set_properties(s: Session, values: Mapping[str, str | None]) -> None:
    """Set properties; None removes the row (it did not exist before)."""
    for key, value in values.items():
        if value is None:
            s.execute(delete(DocumentProperty).where(DocumentProperty.key == key))
        else:
            s.merge(DocumentProperty(key=key, value=value))
    s.flush()


def update_concept(s: Session, values: Mapping[str, Any]) -> Edit:
    """Change texts of the concept page (keys of CONCEPT_KEYS)."""
    _check_keys(values, CONCEPT_KEYS, "die Konzeptseite")
    clean: dict[str, str] = {}
    for key, value in values.items():
        text = _text(value, CONCEPT_LABELS[key])
        if key == "council_decision_date":
            text = normalize_date(text)
        if key == "concept_name" and not text.strip():
            raise PlanError("Das Konzept braucht einen Namen.")
        clean[key] = text
    existing = {p.key: p.value for p in s.scalars(select(DocumentProperty))}
    changed = {k: v for k, v in clean.items() if existing.get(k, "") != v}
    if not changed:
        return NO_EDIT
    old: dict[str, str | None] = {k: existing.get(k) for k in changed}
    _set_properties(s, changed)
    return _property_edit(changed, old)


def _property_edit(new: Mapping[str, str | None], old: Mapping[str, str | None]) -> Edit:
    def revert(s: Session) -> Edit:
        _set_properties(s, old)
        return _property_edit(old, new)

    shown = {k: (v or "") for k, v in new.items()}
    return Edit(ChangeSet.of([updated("concept", 0, shown)]), revert)


# -- rows with a position (steering group, cross-cutting tasks) --------------------------------------


def _ordered_ids(s: Session, cls: Any) -> list[int]:
    return list(s.scalars(select(cls.id).order_by(cls.position, cls.id)))


def _renumber(s: Session, cls: Any, ids: list[int]) -> None:
    for pos, item_id in enumerate(ids):
        s.execute(update(cls).where(cls.id == item_id).values(position=pos))


def _get(s: Session, cls: Any, item_id: int, what: str) -> Any:
    obj = s.get(cls, item_id)
    if obj is None:
        raise PlanError(f"{what} ({item_id}) gibt es nicht mehr.")
    return obj


def _insert_row(s: Session, cls: Any, kind: str, row: dict[str, Any], index: int | None) -> Edit:
    """Insert a row (with its id if given) at index among the positioned rows; undo deletes it."""
    ids = _ordered_ids(s, cls) if hasattr(cls, "position") else []
    obj = cls(**{k: v for k, v in row.items() if k != "position"})
    s.add(obj)
    s.flush()
    item_id = int(obj.id)
    if hasattr(cls, "position"):
        index = len(ids) if index is None else max(0, min(index, len(ids)))
        ids.insert(index, item_id)
        _renumber(s, cls, ids)
    values = {k: v for k, v in row.items() if k not in ("id", "position")}

    def revert(s2: Session) -> Edit:
        return _delete_row(s2, cls, kind, item_id)

    return Edit(ChangeSet.of([created(kind, item_id, None, index or 0, values)]), revert, item_id)


def _delete_row(s: Session, cls: Any, kind: str, item_id: int) -> Edit:
    obj = _get(s, cls, item_id, _WHAT[kind])
    row = _row(obj)
    index = _ordered_ids(s, cls).index(item_id) if hasattr(cls, "position") else None
    s.delete(obj)
    s.flush()
    if hasattr(cls, "position"):
        _renumber(s, cls, _ordered_ids(s, cls))

    def revert(s2: Session) -> Edit:
        return _insert_row(s2, cls, kind, row, index)

    return Edit(ChangeSet.of([deleted(kind, item_id)]), revert, item_id)


def _update_row(s: Session, cls: Any, kind: str, item_id: int, clean: Mapping[str, Any]) -> Edit:
    obj = _get(s, cls, item_id, _WHAT[kind])
    changed = {k: v for k, v in clean.items() if getattr(obj, k) != v}
    if not changed:
        return NO_EDIT
    old = {k: getattr(obj, k) for k in changed}
    for key, value in changed.items():
        setattr(obj, key, value)
    s.flush()

    def revert(s2: Session) -> Edit:
        return _update_row(s2, cls, kind, item_id, old)

    return Edit(ChangeSet.of([updated(kind, item_id, changed)]), revert, item_id)


def _move_row(s: Session, cls: Any, kind: str, item_id: int, new_index: int) -> Edit:
    ids = _ordered_ids(s, cls)
    if item_id not in ids:
        raise PlanError(f"{_WHAT[kind]} ({item_id}) gibt es nicht mehr.")
    old_index = ids.index(item_id)
    ids.remove(item_id)
    new_index = max(0, min(new_index, len(ids)))
    if new_index == old_index:
        return NO_EDIT
    ids.insert(new_index, item_id)
    _renumber(s, cls, ids)

    def revert(s2: Session) -> Edit:
        return _move_row(s2, cls, kind, item_id, old_index)

    return Edit(ChangeSet.of([moved(kind, item_id, None, new_index)]), revert, item_id)


_WHAT = {
    "steering_member": "Der Sitz der Steuerungsgruppe",
    "cross_cutting_task": "Die Querschnittsaufgabe",
    "funding_source": "Die Förderquelle",
}


# -- steering group --------------------------------------------------------------------------------


def _steering_values(values: Mapping[str, Any]) -> dict[str, str]:
    _check_keys(values, STEERING_ATTRS, "die Steuerungsgruppe")
    labels = {"area": "Bereich", "role": "Funktion", "members": "Mitglieder"}
    return {k: _text(v, labels[k]).strip() for k, v in values.items()}


def steering_rows(s: Session) -> list[dict[str, Any]]:
    """The steering group's seats in order, as plain rows (id, position, area, role, members)."""
    q = select(SteeringMember).order_by(SteeringMember.position, SteeringMember.id)
    return [_row(r) for r in s.scalars(q)]


def add_steering_member(s: Session, values: Mapping[str, Any], index: int | None = None) -> Edit:
    clean = _steering_values(values)
    row = {a: clean.get(a, "") for a in STEERING_ATTRS}
    return _insert_row(s, SteeringMember, "steering_member", row, index)


def update_steering_member(s: Session, item_id: int, values: Mapping[str, Any]) -> Edit:
    return _update_row(s, SteeringMember, "steering_member", item_id, _steering_values(values))


def remove_steering_member(s: Session, item_id: int) -> Edit:
    return _delete_row(s, SteeringMember, "steering_member", item_id)


def move_steering_member(s: Session, item_id: int, new_index: int) -> Edit:
    return _move_row(s, SteeringMember, "steering_member", item_id, new_index)


# -- cross-cutting tasks ---------------------------------------------------------------------------


def task_rows(s: Session) -> list[dict[str, Any]]:
    """The cross-cutting tasks in order, as plain rows (id, position, title)."""
    q = select(CrossCuttingTask).order_by(CrossCuttingTask.position, CrossCuttingTask.id)
    return [_row(r) for r in s.scalars(q)]


def task_usage(s: Session) -> dict[int, int]:
    """How many measures carry each task (task id → count; tasks without measures are missing)."""
    rows = s.execute(select(measure_task.c.task_id, func.count()).group_by(measure_task.c.task_id)).all()
    return {int(r[0]): int(r[1]) for r in rows}


def _task_title(s: Session, title: Any, except_id: int | None = None) -> str:
    text = _text(title, "Querschnittsaufgabe").strip()
    if not text:
        raise PlanError("Eine Querschnittsaufgabe braucht einen Titel.")
    for other_id, other in s.execute(select(CrossCuttingTask.id, CrossCuttingTask.title)).all():
        if other_id != except_id and other.strip().casefold() == text.casefold():
            raise PlanError(f"Die Querschnittsaufgabe „{text}“ gibt es schon.")
    return text


def add_task(s: Session, title: str, index: int | None = None) -> Edit:
    return _insert_row(s, CrossCuttingTask, "cross_cutting_task", {"title": _task_title(s, title)}, index)


def rename_task(s: Session, task_id: int, title: str) -> Edit:
    _get(s, CrossCuttingTask, task_id, _WHAT["cross_cutting_task"])
    clean = {"title": _task_title(s, title, except_id=task_id)}
    return _update_row(s, CrossCuttingTask, "cross_cutting_task", task_id, clean)


def move_task(s: Session, task_id: int, new_index: int) -> Edit:
    return _move_row(s, CrossCuttingTask, "cross_cutting_task", task_id, new_index)


def remove_task(s: Session, task_id: int, replacement_id: int | None = None) -> Edit:
    """Remove a task. Measures tagged with it get ``replacement_id`` instead; a task in use cannot be
    removed without a replacement (PlanError)."""
    task = _get(s, CrossCuttingTask, task_id, _WHAT["cross_cutting_task"])
    users = sorted(
        int(m) for m in s.scalars(select(measure_task.c.measure_id).where(measure_task.c.task_id == task_id))
    )
    if users and replacement_id is None:
        n = len(users)
        raise PlanError(
            f"„{task.title}“ ist {n} {'Maßnahme' if n == 1 else 'Maßnahmen'} zugeordnet. "
            "Bitte eine andere Querschnittsaufgabe wählen, die sie stattdessen erhalten."
        )
    if replacement_id == task_id:
        raise PlanError("Die Ersatzaufgabe muss eine andere Querschnittsaufgabe sein.")
    retagged: list[int] = []
    if users and replacement_id is not None:
        _get(s, CrossCuttingTask, replacement_id, "Die Ersatzaufgabe")
        have = set(
            s.scalars(select(measure_task.c.measure_id).where(measure_task.c.task_id == replacement_id))
        )
        retagged = [m for m in users if m not in have]
        if retagged:
            s.execute(insert(measure_task), [{"measure_id": m, "task_id": replacement_id} for m in retagged])
    s.execute(delete(measure_task).where(measure_task.c.task_id == task_id))
    removal = _delete_row(s, CrossCuttingTask, "cross_cutting_task", task_id)
    changes = list(removal.changes) + [updated("measure", m, {"tasks": replacement_id}) for m in users]

    def revert(s2: Session) -> Edit:
        back = removal.revert(s2)
        if users:
            s2.execute(insert(measure_task), [{"measure_id": m, "task_id": task_id} for m in users])
        if retagged and replacement_id is not None:
            s2.execute(
                delete(measure_task).where(
                    measure_task.c.task_id == replacement_id, measure_task.c.measure_id.in_(retagged)
                )
            )

        def redo(s3: Session) -> Edit:
            return remove_task(s3, task_id, replacement_id)

        restored = list(back.changes) + [updated("measure", m, {"tasks": task_id}) for m in users]
        return Edit(ChangeSet.of(restored), redo, task_id)

    return Edit(ChangeSet.of(changes), revert, task_id, {"retagged": users})


# -- funding sources -------------------------------------------------------------------------------


def funding_rows(s: Session) -> list[dict[str, Any]]:
    """The funding sources by name, as plain rows (id, name, kind, notes)."""
    return [_row(r) for r in s.scalars(select(FundingSource).order_by(FundingSource.name))]


def _funding_values(s: Session, values: Mapping[str, Any], except_id: int | None = None) -> dict[str, str]:
    _check_keys(values, FUNDING_ATTRS, "die Förderquelle")
    labels = {"name": "Name", "kind": "Art", "notes": "Hinweise"}
    clean = {k: _text(v, labels[k]).strip() for k, v in values.items()}
    if "name" in clean:
        if not clean["name"]:
            raise PlanError("Eine Förderquelle braucht einen Namen.")
        for other_id, other in s.execute(select(FundingSource.id, FundingSource.name)).all():
            if other_id != except_id and other.casefold() == clean["name"].casefold():
                raise PlanError(f"Die Förderquelle „{clean['name']}“ gibt es schon.")
    return clean


def add_funding_source(s: Session, values: Mapping[str, Any]) -> Edit:
    clean = _funding_values(s, values)
    if "name" not in clean:
        raise PlanError("Eine Förderquelle braucht einen Namen.")
    row = {a: clean.get(a, "") for a in FUNDING_ATTRS}
    return _insert_row(s, FundingSource, "funding_source", row, None)


def update_funding_source(s: Session, item_id: int, values: Mapping[str, Any]) -> Edit:
    _get(s, FundingSource, item_id, _WHAT["funding_source"])
    clean = _funding_values(s, values, except_id=item_id)
    return _update_row(s, FundingSource, "funding_source", item_id, clean)


def remove_funding_source(s: Session, item_id: int) -> Edit:
    """Remove a funding source from the list; measures keep their funding text."""
    return _delete_row(s, FundingSource, "funding_source", item_id)


# -- status legend ---------------------------------------------------------------------------------


def normalize_color(value: Any) -> str:
    """A colour as six upper-case hex digits (``#00b050`` → ``00B050``)."""
    text = str(value or "").strip().lstrip("#").upper()
    if not _HEX.match(text):
        raise PlanError(f"„{value}“ ist keine Farbe (sechs Hex-Ziffern RRGGBB, z. B. 00B050).")
    return text


def update_status(s: Session, key: str, values: Mapping[str, Any]) -> Edit:
    """Change label, short name, colour or symbol of one of the six statuses (the keys are fixed)."""
    if key not in STATUS_KEYS:
        raise PlanError(f"Unbekannter Status „{key}“ (die sechs Schlüssel sind fest).")
    _check_keys(values, STATUS_ATTRS, "den Status")
    status = s.get(Status, key)
    if status is None:
        raise PlanError(f"Den Status „{key}“ gibt es in diesem Dokument nicht.")
    clean: dict[str, str] = {}
    for attr, value in values.items():
        if attr == "color":
            clean[attr] = normalize_color(value)
            continue
        text = _text(value, "Status").strip()
        if attr == "label" and not text:
            raise PlanError("Ein Status braucht eine Bezeichnung.")
        if attr == "symbol" and len(text) > MAX_SYMBOL:
            raise PlanError(f"Das Symbol ist höchstens {MAX_SYMBOL} Zeichen lang (z. B. ✓ oder A).")
        if "\n" in text:
            raise PlanError("Bezeichnung, Kurzname und Symbol sind einzeilig.")
        clean[attr] = text
    for attr in ("label", "short"):
        if clean.get(attr):
            for other in s.scalars(select(Status).where(Status.key != key)):
                if getattr(other, attr).casefold() == clean[attr].casefold():
                    what = "Bezeichnung" if attr == "label" else "Kurzname"
                    raise PlanError(f"Die {what} „{clean[attr]}“ hat schon der Status „{other.key}“.")
    return _update_status(s, key, clean)


def _update_status(s: Session, key: str, clean: Mapping[str, str]) -> Edit:
    status = s.get_one(Status, key)
    changed = {k: v for k, v in clean.items() if getattr(status, k) != v}
    if not changed:
        return NO_EDIT
    old = {k: getattr(status, k) for k in changed}
    for attr, value in changed.items():
        setattr(status, attr, value)
    s.flush()

    def revert(s2: Session) -> Edit:
        return _update_status(s2, key, old)

    position = STATUS_KEYS.index(key)
    return Edit(ChangeSet.of([updated("status", position, {"key": key, **changed})]), revert)


__all__ = [
    "CONCEPT_FIELDS",
    "CONCEPT_KEYS",
    "CONCEPT_LABELS",
    "NO_EDIT",
    "PREDECESSOR_KEYS",
    "Edit",
    "add_funding_source",
    "add_steering_member",
    "add_task",
    "concept_values",
    "funding_rows",
    "move_steering_member",
    "move_task",
    "normalize_color",
    "normalize_date",
    "predecessor",
    "remove_funding_source",
    "remove_steering_member",
    "remove_task",
    "rename_task",
    "steering_rows",
    "task_rows",
    "task_usage",
    "update_concept",
    "update_funding_source",
    "update_status",
    "update_steering_member",
]
