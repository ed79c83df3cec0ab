"""A three-way merge preview of the document (returned workbook or workshop copy) and writing it.

``build_preview`` runs ``domain.merge`` over (base, incoming, document) value maps keyed by (kind, uid)
and adds what a person needs to decide: numbers and titles, new items with their parent, missing items.
``MergeUndo`` writes a decided preview as one undoable step (values, new items, optional deletions), records
where every written value came from (``ValueSource``: file, dispatch, group) and marks the dispatch as
returned; ``redo``/``undo`` return ``ChangeSet``s.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from kik_desktop.domain import changes, dispatches, indicator_merge, plan
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dispatches import Key, ValueMap
from kik_desktop.domain.merge import Choice, MergeResult, ValueDecision, merge_items, resolve
from kik_desktop.models import Dispatch, Field, Goal, Measure, Status, ValueSource
from kik_desktop.store.changelog import latest_revision


@dataclass(frozen=True)
class MergeIssue:
    level: str  # error, warning, info
    message: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "message": self.message,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }

    def text(self) -> str:
        where = ", ".join(
            p
            for p in (
                f"Blatt ‚{self.sheet}‘" if self.sheet else "",
                f"Zeile {self.row}" if self.row else "",
            )
            if p
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass
class NewItem:
    kind: str  # goal, measure, indicator (values: indicator_merge's, parent: its goal or measure)
    uid: str | None  # kept from a workshop copy; None for a new row of a workbook
    parent: Key  # (kind, uid) of the parent, existing or new in the same preview
    values: dict[str, str]
    sheet: str | None = None
    row: int | None = None

    @property
    def title(self) -> str:
        return self.values.get("title") or self.values.get("name", "")


@dataclass
class MergePreview:
    source: Path
    base_known: bool
    result: MergeResult
    dispatch: dispatches.DispatchInfo | None = None
    numbers: dict[Key, str] = field(default_factory=dict)
    titles: dict[Key, str] = field(default_factory=dict)
    new_items: list[NewItem] = field(default_factory=list)
    issues: list[MergeIssue] = field(default_factory=list)
    group: str = ""
    # Set by a reader that writes in its own way (the full export: the ordinary import's operations);
    # ``prepare_merge`` hands the person's decisions to it. Called as
    # ``prepare(choices, take_sheet=…, delete_missing=…, accepted_new=…)`` → a ``MergeRecord``.
    prepare: Callable[..., MergeRecord] | None = None

    @property
    def has_errors(self) -> bool:
        return any(i.level == "error" for i in self.issues)

    @property
    def missing(self) -> list[Key]:
        return [k for k in self.result.missing if isinstance(k, tuple)]

    def _entry(self, d: ValueDecision) -> dict[str, Any]:
        key = d.key
        assert isinstance(key, tuple)
        return {
            "kind": key[0],
            "uid": key[1],
            "number": self.numbers.get(key, ""),
            "title": self.titles.get(key, ""),
            "attribute": d.attribute,
            "base": d.base if self.base_known else None,
            "sheet": d.sheet,
            "current": d.current,
        }

    def to_json(self) -> dict[str, Any]:
        """The machine-readable preview of issue #11 (``--dry-run --json``)."""
        return {
            "base_known": self.base_known,
            "new": [
                {
                    "kind": n.kind,
                    "uid": n.uid,
                    "parent": n.parent[1],
                    "parent_number": self.numbers.get(n.parent, ""),
                    "title": n.title,
                    "sheet": n.sheet,
                    "row": n.row,
                }
                for n in self.new_items
            ],
            "changed": [self._entry(d) for d in self.result.changed],
            "conflicts": [self._entry(d) for d in self.result.conflicts],
            "kept": [self._entry(d) for d in self.result.kept],
            "missing": [
                {
                    "kind": k[0],
                    "uid": k[1],
                    "number": self.numbers.get(k, ""),
                    "title": self.titles.get(k, ""),
                }
                for k in self.missing
            ],
            "issues": [i.to_json() for i in self.issues],
        }

    def summary(self) -> str:
        return (
            f"{len(self.new_items)} neu, {len(self.result.changed)} Werte geändert, "
            f"{len(self.result.conflicts)} Konflikte, {len(self.result.kept)} im Dokument neuer (bleiben), "
            f"{len(self.missing)} fehlen in der Datei"
        )

    def format_text(self) -> str:
        lines = [f"Vorschau der Rückmeldung aus „{self.source.name}“"]
        if self.dispatch is not None:
            lines.append(
                f"Versendung vom {self.dispatch.created_at:%d.%m.%Y}: {self.dispatch.scope_label} – "
                "Abgleich mit dem damaligen Stand (Dreiwege-Abgleich)."
            )
        elif not self.base_known:
            lines.append(
                "Keine bekannte Versendung: einfacher Vergleich mit dem Dokument (Werte der Datei gewinnen)."
            )
        lines += [self.summary(), ""]

        def label(d: ValueDecision) -> str:
            key = d.key
            assert isinstance(key, tuple)
            if key[0] == indicator_merge.KIND:
                return (
                    f"{self.numbers.get(key, '')} Indikator „{self.titles.get(key, '')}“ "
                    f"{indicator_merge.label(d.attribute)}"
                )
            return f"{self.numbers.get(key, '')} {d.attribute}"

        for title, items in (
            ("Übernommen wird", self.result.changed),
            ("Konflikte (beide Seiten geändert; das Dokument behält seinen Wert)", self.result.conflicts),
            ("Im Dokument inzwischen geändert (bleibt)", self.result.kept),
        ):
            if items:
                lines.append(f"{title} ({len(items)}):")
                for d in items:
                    base = f"Stand damals „{d.base}“, " if self.base_known else ""
                    current = "" if d.current is None else d.current  # a month the document has no value for
                    lines.append(f"  {label(d)}: {base}Datei „{d.sheet}“, Dokument „{current}“")
                lines.append("")
        if self.new_items:
            lines.append(f"Neu ({len(self.new_items)}):")
            lines += [f"  + {n.kind} „{n.title}“" for n in self.new_items]
            lines.append("")
        if self.missing:
            lines.append(f"Fehlen in der Datei (bleiben erhalten) ({len(self.missing)}):")
            lines += [f"  - {self.numbers.get(k, '')} „{self.titles.get(k, '')}“" for k in self.missing]
            lines.append("")
        if self.issues:
            lines.append("Hinweise und Fehler:")
            lines += [f"  {'!' if i.level == 'error' else '?'} {i.text()}" for i in self.issues]
        return "\n".join(lines).rstrip() + "\n"


def numbering(s: Session) -> tuple[dict[Key, str], dict[Key, str]]:
    """Numbers and titles of every item by (kind, uid); three column queries, no ORM objects."""
    numbers: dict[Key, str] = {}
    titles: dict[Key, str] = {}
    field_no: dict[int, str] = {}
    goal_no: dict[int, str] = {}
    fields = s.execute(select(Field.id, Field.uid, Field.name).order_by(Field.position, Field.id))
    for fn, (fid, uid, name) in enumerate(fields, start=1):
        field_no[fid] = str(fn)
        numbers[("field", uid)] = str(fn)
        titles[("field", uid)] = name
    count: dict[int, int] = {}
    goals = s.execute(select(Goal.id, Goal.field_id, Goal.uid, Goal.title).order_by(Goal.position, Goal.id))
    for gid, fid, uid, title in goals:
        count[fid] = count.get(fid, 0) + 1
        goal_no[gid] = f"{field_no[fid]}.{count[fid]}"
        numbers[("goal", uid)] = goal_no[gid]
        titles[("goal", uid)] = title
    mcount: dict[int, int] = {}
    measures = s.execute(
        select(Measure.goal_id, Measure.uid, Measure.title).order_by(Measure.position, Measure.id)
    )
    for gid, uid, title in measures:
        mcount[gid] = mcount.get(gid, 0) + 1
        numbers[("measure", uid)] = f"{goal_no[gid]}.{mcount[gid]}"
        titles[("measure", uid)] = title
    return numbers, titles


def build_preview(
    s: Session,
    source: Path,
    base: ValueMap | None,
    incoming: ValueMap,
    *,
    dispatch: dispatches.DispatchInfo | None = None,
    new_items: list[NewItem] | None = None,
    issues: list[MergeIssue] | None = None,
    current: ValueMap | None = None,
) -> MergePreview:
    current = current if current is not None else dispatches.current_values(s)
    # Compare only what the document still has; the rest is "deleted in the document" or new.
    result = merge_items(base, incoming, current)
    if base is not None:
        result.missing = [k for k in base if k in current and k not in incoming and k[0] == "measure"]
    numbers, titles = numbering(s)
    preview = MergePreview(
        source,
        base is not None,
        result,
        dispatch,
        numbers,
        titles,
        list(new_items or []),
        list(issues or []),
        dispatch.recipient if dispatch is not None else "",
    )
    for key in result.deleted_in_document:
        assert isinstance(key, tuple)
        preview.issues.append(
            MergeIssue(
                "info", f"{key[0]} {key[1]} wurde inzwischen im Dokument gelöscht und bleibt gelöscht."
            )
        )
    return preview


# -- writing ------------------------------------------------------------------------------------------


def model_values(kind: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The merge's texts (dump keys) as model attributes and values (status "" → None, priority int)."""
    attrs = dispatches.MERGE_ATTRS[kind]
    out: dict[str, Any] = {}
    for key, value in values.items():
        attr = attrs.get(key)
        if attr is None:
            continue
        if attr == "status_key":
            out[attr] = value or None
        elif attr == "priority":
            out[attr] = int(value) if str(value).strip() else None
        else:
            out[attr] = value
    return out


def _id_of(s: Session, kind: str, uid: str) -> int | None:
    cls = plan.CLASS_OF[kind]
    found = s.scalar(select(cls.id).where(cls.uid == uid))
    return None if found is None else int(found)


def _ids_by_uid(s: Session) -> dict[Key, int]:
    """(kind, uid) → id of every item, in three column queries."""
    out: dict[Key, int] = {}
    for kind in plan.KINDS:
        cls = plan.CLASS_OF[kind]
        for item_id, uid in s.execute(select(cls.id, cls.uid)):
            out[(kind, uid)] = int(item_id)
    return out


def _preload(s: Session, values: Mapping[Hashable, Any], known: dict[Key, int]) -> list[Any]:
    """The items of VALUES, loaded into the session in chunks; the list keeps them there."""
    ids: dict[str, list[int]] = {}
    for key in values:
        item_id = known.get(key)  # type: ignore[call-overload]
        if item_id is not None:
            ids.setdefault(key[0], []).append(item_id)  # type: ignore[index]
    # The statuses too: update_item checks a status with session.get, then found without a query.
    loaded: list[Any] = list(s.scalars(select(Status)))
    for kind, item_ids in ids.items():
        cls = plan.CLASS_OF[kind]
        for start in range(0, len(item_ids), 500):
            query = select(cls).where(cls.id.in_(item_ids[start : start + 500]))
            if cls is Measure:  # update_item reads a measure's tasks: with it, not one query each
                query = query.options(selectinload(Measure.tasks))
            loaded.extend(s.scalars(query))
    return loaded


@dataclass
class MergeUndo:
    """The decided merge as one undoable change."""

    preview: MergePreview
    values: dict[Hashable, dict[str, Any]]
    delete_missing: bool = False
    now: datetime | None = None
    description: str = ""
    _done: list[tuple[str, Any]] = field(default_factory=list)
    _created_ids: dict[int, int] = field(default_factory=dict)  # index in new_items → id
    _created_uids: dict[int, str] = field(default_factory=dict)
    _indicators: indicator_merge.IndicatorWrite | None = None

    def redo(self, s: Session) -> ChangeSet:
        self._done = []
        out: list[changes.Change] = []
        stamp = self.now or datetime.now()
        p = self.preview
        dispatch_uid = p.dispatch.uid if p.dispatch else None
        # Looked up once, not per value: with thousands of changed values a scan each was quadratic.
        currents: dict[tuple[Hashable, str], Any] = {}
        for dec in p.result.changed + p.result.conflicts:
            currents.setdefault((dec.key, dec.attribute), dec.current)
        known = _ids_by_uid(s) if len(self.values) > 20 else None
        # Many changed items: load them in a few queries (update_item then finds each in the session
        # instead of a query that first flushes the previous item), and add the value sources after the
        # loop, so each item's own flush writes only its own row.
        loaded = _preload(s, self.values, known) if known is not None else []
        sources: list[ValueSource] = []
        revision = latest_revision(s)  # the same for every item of this transaction: read once
        for key, attrs in self.values.items():
            assert isinstance(key, tuple)
            kind, uid = key
            if kind == indicator_merge.KIND:
                continue  # written, with their provenance, by _write_indicators
            item_id = known.get(key) if known is not None else _id_of(s, kind, uid)
            if item_id is None:
                continue
            model = model_values(kind, attrs)
            result = plan.update_item(s, kind, item_id, model, now=stamp, since=revision)
            self._done.append(("update", (kind, item_id, result)))
            if result.new:
                out.append(changes.updated(kind, item_id, result.new))
            for attr, value in attrs.items():
                decision_current = currents.get((key, attr))
                sources.append(
                    ValueSource(
                        changed_at=stamp,
                        kind=kind,
                        item_uid=uid,
                        attribute=attr,
                        old_value=decision_current,
                        new_value=str(value),
                        source_file=p.source.name,
                        dispatch_uid=dispatch_uid,
                        group_name=p.group,
                    )
                )
        s.add_all(sources)
        del loaded
        new_uids: dict[Key, str] = {}
        for index, item in enumerate(p.new_items):
            if item.kind == indicator_merge.KIND:
                continue  # written with the indicators' values below
            parent_kind, parent_uid = item.parent
            parent_uid = new_uids.get(item.parent, parent_uid)
            parent_id = _id_of(s, parent_kind, parent_uid)
            if parent_id is None:
                continue
            model = model_values(item.kind, item.values)
            item_id = plan.create_item(
                s, item.kind, parent_id, None, model, item_id=self._created_ids.get(index)
            )
            cls = plan.CLASS_OF[item.kind]
            obj = cast("Field | Goal | Measure | None", s.get(cls, item_id))
            assert obj is not None
            uid = item.uid or self._created_uids.get(index)
            if uid:
                obj.uid = uid
            self._created_uids[index] = obj.uid
            self._created_ids[index] = item_id
            if item.uid:
                new_uids[(item.kind, item.uid)] = obj.uid
            s.add(
                ValueSource(
                    changed_at=stamp,
                    kind=item.kind,
                    item_uid=obj.uid,
                    attribute="created",
                    old_value=None,
                    new_value=item.values.get("title", ""),
                    source_file=p.source.name,
                    dispatch_uid=dispatch_uid,
                    group_name=p.group,
                )
            )
            self._done.append(("new", (item.kind, item_id)))
            out.append(
                changes.created(item.kind, item_id, parent_id, len(plan.child_ids(s, item.kind, parent_id)))
            )
        out.extend(self._write_indicators(s, stamp))
        if self.delete_missing:
            for kind, uid in p.missing:
                item_id = _id_of(s, kind, uid)
                if item_id is not None:
                    snap = plan.delete_item(s, kind, item_id)  # type: ignore[arg-type]
                    self._done.append(("delete", snap))
                    out.append(changes.deleted(kind, item_id))
        if p.dispatch is not None:
            d = s.get(Dispatch, p.dispatch.id)
            if d is not None:
                self._done.append(("returned", (d.id, d.returned_at, d.returned_file)))
                out.extend(dispatches.mark_returned(s, d.id, p.source.name, stamp))
        self._stamp = stamp
        s.flush()
        return ChangeSet.of(out)

    def _write_indicators(self, s: Session, stamp: datetime) -> ChangeSet:
        """The decided values of indicators and the new ones (domain.indicator_merge)."""
        p = self.preview
        if self._indicators is None:
            self._indicators = indicator_merge.IndicatorWrite.decided(self.values, p.new_items)
        if not self._indicators:
            return ChangeSet()
        written = self._indicators.redo(s)
        currents = {(d.key, d.attribute): d.current for d in p.result.changed + p.result.conflicts}
        rows = [
            (uid, attr, currents.get(((indicator_merge.KIND, uid), attr)), str(value))
            for uid, attrs in self._indicators.values.items()
            for attr, value in attrs.items()
        ]
        for item in self._indicators.new:
            uid = self._indicators.created_uid(item.index)
            if uid is not None:
                rows.append((uid, "created", None, item.values.get("name", "")))
        s.add_all(
            ValueSource(
                changed_at=stamp,
                kind=indicator_merge.KIND,
                item_uid=uid,
                attribute=attr,
                old_value=old,
                new_value=new,
                source_file=p.source.name,
                dispatch_uid=p.dispatch.uid if p.dispatch else None,
                group_name=p.group,
            )
            for uid, attr, old, new in rows
        )
        return written

    def undo(self, s: Session) -> ChangeSet:
        out: list[changes.Change] = []
        if self._indicators:
            out.extend(self._indicators.undo(s))
        for what, data in reversed(self._done):
            if what == "update":
                kind, item_id, result = data
                if result.old and s.get(plan.CLASS_OF[kind], item_id) is not None:
                    plan.update_item(s, kind, item_id, result.old, record_history=False)
                    out.append(changes.updated(kind, item_id, result.old))
                if result.history_id is not None:
                    plan.delete_history(s, result.history_id)
            elif what == "new":
                kind, item_id = data
                if s.get(plan.CLASS_OF[kind], item_id) is not None:
                    plan.delete_item(s, kind, item_id)
                    out.append(changes.deleted(kind, item_id))
            elif what == "delete":
                plan.restore_item(s, data)
                out.append(changes.reset("plan"))
            elif what == "returned":
                dispatch_id, returned_at, returned_file = data
                d = s.get(Dispatch, dispatch_id)
                if d is not None:
                    d.returned_at, d.returned_file = returned_at, returned_file
        stamp = getattr(self, "_stamp", None)
        if stamp is not None:
            s.execute(
                delete(ValueSource).where(
                    ValueSource.changed_at == stamp, ValueSource.source_file == self.preview.source.name
                )
            )
        self._done = []
        s.flush()
        return ChangeSet.of(out)


class MergeRecord(Protocol):
    """An undoable write of a decided preview: ``redo``/``undo`` in the caller's transaction."""

    description: str

    def redo(self, s: Session) -> ChangeSet: ...

    def undo(self, s: Session) -> ChangeSet: ...


def prepare_merge(
    preview: MergePreview,
    choices: Mapping[tuple[Hashable, str], Choice | tuple[Choice, Any]] | None = None,
    *,
    take_sheet: bool = False,
    delete_missing: bool = False,
    accepted_new: set[int] | None = None,
) -> MergeRecord:
    """The undoable write of a decided preview; raises MergeBlocked (German) when it has errors."""
    if preview.prepare is not None:
        return preview.prepare(
            choices, take_sheet=take_sheet, delete_missing=delete_missing, accepted_new=accepted_new
        )
    if preview.has_errors:
        raise MergeBlocked(
            "Die Rückmeldung kann nicht übernommen werden:\n"
            + "\n".join(i.text() for i in preview.issues if i.level == "error")
        )
    values = resolve(preview.result, choices, take_sheet_on_conflict=take_sheet)
    if accepted_new is not None:
        preview.new_items = [n for i, n in enumerate(preview.new_items) if i in accepted_new]
    return MergeUndo(
        preview, values, delete_missing=delete_missing, description=f"Rückmeldung aus {preview.source.name}"
    )


class MergeBlocked(Exception):
    """A merge preview with errors cannot be written."""


def last_import_source(s: Session, item_uid: str) -> ValueSource | None:
    """The newest recorded import of a value of this item (for "zuletzt geändert am … (Import …)")."""
    return s.scalar(
        select(ValueSource)
        .where(ValueSource.item_uid == item_uid)
        .order_by(ValueSource.changed_at.desc(), ValueSource.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class StaleMeasure:
    id: int
    number: str
    title: str
    updated_at: datetime | None


def not_updated_since(s: Session, months: int = 6, today: datetime | None = None) -> list[StaleMeasure]:
    """Measures whose last change is older than ``months`` months (or unknown), in plan order."""
    now = today or datetime.now()
    year, month = now.year, now.month - months
    while month <= 0:
        month += 12
        year -= 1
    limit = now.replace(year=year, month=month, day=min(now.day, 28))
    numbers, titles = numbering(s)
    out = []
    for m in s.scalars(select(Measure)):
        if m.updated_at is None or m.updated_at < limit:
            key = ("measure", m.uid)
            out.append(StaleMeasure(m.id, numbers.get(key, ""), titles.get(key, ""), m.updated_at))
    out.sort(key=lambda r: tuple(int(p) for p in r.number.split(".") if p.isdigit()))
    return out


def provenance(s: Session, measure_id: int) -> tuple[str, ValueSource | None]:
    """ "zuletzt geändert am … (Import Rückmeldung AG …)" for the editor, "… (im Programm)" when the last
    change was not an import, "" when nothing is known; with the import's record when it was one."""
    m = s.get(Measure, measure_id)
    if m is None or m.updated_at is None:
        return "", None
    text = f"zuletzt geändert am {m.updated_at:%d.%m.%Y}"
    source = last_import_source(s, m.uid)
    # The import's record is written with (or just after) the changes it made, so the measure's last
    # change is that import unless it changed again later; an edit in the program after the import is
    # newer than the record, however soon it came.
    if source is not None and m.updated_at <= source.changed_at:
        if source.dispatch_uid:
            text += f" (Import Rückmeldung{' ' + source.group_name if source.group_name else ''})"
        else:
            text += f" (Import aus „{source.source_file}“)"
        return text, source
    return text + " (im Programm)", None


def provenance_text(s: Session, measure_id: int) -> str:
    """The editor's line of ``provenance``."""
    return provenance(s, measure_id)[0]


__all__ = [
    "Goal",
    "MergeBlocked",
    "MergeIssue",
    "MergePreview",
    "MergeRecord",
    "MergeUndo",
    "NewItem",
    "build_preview",
    "last_import_source",
    "model_values",
    "not_updated_since",
    "prepare_merge",
    "provenance",
    "provenance_text",
]
