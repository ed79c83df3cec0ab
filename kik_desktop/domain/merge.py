"""The three-way merge of values: what was sent (base), what came back (sheet), what the document has now.

Qt-free and independent of Excel: values in, decisions out. Used by the import of returned workbooks
and by the check-in of workshop copies; meant to be reused for colliding saves (PostgreSQL) and for other
sheets (indicators). Items are identified by any hashable key (here: the item's uid), attributes by name.

Rules per value (``decide``), with ``equal`` deciding sameness (blanks and surrounding spaces ignored):

* sheet = document            → ``SAME``      (nothing to do; also when both changed to the same value)
* sheet = base                → ``KEEP``      the document moved on, the sheet did not: never revert
* document = base             → ``TAKE``      only the sheet changed: take the sheet's value
* all three differ            → ``CONFLICT``  a person decides; the default keeps the document's value
* base unknown                → two-way: ``TAKE`` when sheet ≠ document (the preview says so)

Per item (``merge_items``): keys in the sheet but not in the base nor the document are **new**; keys in
base and document but not in the sheet are **missing** (never deleted without an explicit choice); keys in
base and sheet but no longer in the document were **deleted in the document** (not recreated).

``resolve`` turns a ``MergeResult`` plus the person's choices into the values to write.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Outcome(Enum):
    SAME = "same"
    KEEP = "kept"
    TAKE = "changed"
    CONFLICT = "conflict"


class Choice(Enum):
    """What a person decided for one value (a conflict, or any change they reject)."""

    TAKE_SHEET = "take_sheet"
    KEEP_DOCUMENT = "keep_document"
    EDIT = "edit"


Equal = Callable[[str, Any, Any], bool]


def _norm(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return value


def default_equal(_attribute: str, a: Any, b: Any) -> bool:
    """Same value: None and "" are the same, surrounding blanks do not count."""
    return bool(_norm(a) == _norm(b))


def decide(
    base: Any,
    sheet: Any,
    current: Any,
    *,
    base_known: bool = True,
    attribute: str = "",
    equal: Equal = default_equal,
) -> Outcome:
    """The outcome for one value (see the module docstring)."""
    if equal(attribute, sheet, current):
        return Outcome.SAME
    if not base_known:
        return Outcome.TAKE
    if equal(attribute, sheet, base):
        return Outcome.KEEP
    if equal(attribute, current, base):
        return Outcome.TAKE
    return Outcome.CONFLICT


@dataclass(frozen=True)
class ValueDecision:
    key: Hashable
    attribute: str
    base: Any
    sheet: Any
    current: Any
    outcome: Outcome


@dataclass
class MergeResult:
    base_known: bool
    changed: list[ValueDecision] = field(default_factory=list)
    conflicts: list[ValueDecision] = field(default_factory=list)
    kept: list[ValueDecision] = field(default_factory=list)
    new: list[Hashable] = field(default_factory=list)
    missing: list[Hashable] = field(default_factory=list)
    deleted_in_document: list[Hashable] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.changed or self.conflicts or self.new)


Values = Mapping[str, Any]


def merge_items(
    base: Mapping[Any, Values] | None,
    sheet: Mapping[Any, Values],
    current: Mapping[Any, Values],
    *,
    attributes: Iterable[str] | None = None,
    equal: Equal = default_equal,
) -> MergeResult:
    """Decide every value of every item. ``base`` None: no known base, the two-way comparison.

    Only the attributes the sheet gives are compared (a sheet without a column changes nothing there);
    ``attributes`` restricts them further. A base that lacks an attribute counts as unknown for it."""
    base_known = base is not None
    result = MergeResult(base_known)
    wanted = set(attributes) if attributes is not None else None
    for key, sheet_values in sheet.items():
        if key not in current:
            if base is not None and key in base:
                result.deleted_in_document.append(key)
            else:
                result.new.append(key)
            continue
        doc_values = current[key]
        base_values = base.get(key) if base is not None else None
        for attribute, sheet_value in sheet_values.items():
            if wanted is not None and attribute not in wanted:
                continue
            known = base_values is not None and attribute in base_values
            base_value = base_values.get(attribute) if base_values is not None else None
            outcome = decide(
                base_value,
                sheet_value,
                doc_values.get(attribute),
                base_known=known,
                attribute=attribute,
                equal=equal,
            )
            if outcome is Outcome.SAME:
                continue
            decision = ValueDecision(
                key, attribute, base_value, sheet_value, doc_values.get(attribute), outcome
            )
            {Outcome.TAKE: result.changed, Outcome.KEEP: result.kept, Outcome.CONFLICT: result.conflicts}[
                outcome
            ].append(decision)
    if base is not None:
        result.missing = [k for k in base if k in current and k not in sheet]
    return result


def resolve(
    result: MergeResult,
    choices: Mapping[tuple[Hashable, str], Choice | tuple[Choice, Any]] | None = None,
    *,
    take_sheet_on_conflict: bool = False,
) -> dict[Hashable, dict[str, Any]]:
    """The values to write: every ``changed`` value unless a choice keeps the document's; every conflict
    kept unless chosen otherwise (or ``take_sheet_on_conflict``). A choice is ``Choice`` or
    ``(Choice.EDIT, value)``; ``kept`` values are never written."""
    choices = choices or {}
    out: dict[Hashable, dict[str, Any]] = {}

    def apply(d: ValueDecision, default: Choice) -> None:
        choice = choices.get((d.key, d.attribute), default)
        value: Any = d.sheet
        if isinstance(choice, tuple):
            choice, value = choice
        if choice is Choice.KEEP_DOCUMENT:
            return
        out.setdefault(d.key, {})[d.attribute] = value

    for d in result.changed:
        apply(d, Choice.TAKE_SHEET)
    for d in result.conflicts:
        apply(d, Choice.TAKE_SHEET if take_sheet_on_conflict else Choice.KEEP_DOCUMENT)
    return out
