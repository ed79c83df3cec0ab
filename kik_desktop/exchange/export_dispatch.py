"""The full export as a dispatch: the whole implementation table sent out, recorded with its base.

``export_as_dispatch(s, out)`` writes the workbook of ``excel_export.build_workbook`` and records it as
a dispatch (kind "export", scope "all") with the value of every field, goal and measure at that moment;
the workbook carries the dispatch id like a return workbook (very hidden sheet "_kik", workbook
properties). A full export is not waited for (no reminder), it is recorded so that importing it back
later never reverts what was edited in the program meanwhile.

``preview_full_export(s, path, grid, dispatch)`` reads such a workbook with the ordinary reader (every
sheet: an edit on "Alle Maßnahmen" or on a field's sheet, new rows) and puts
its value changes through the three-way merge (``domain.merge``): a value the file still has as it was
exported is *kept* where the document moved on, a value only the file changed is taken, a value both
changed is a *conflict* (the document keeps its value unless the person decides otherwise). New items,
moves and deletions of missing items are written as the ordinary import writes them. The sheet
"Indikatoren" is merged three-way as in a return workbook (``indicator_sheet.merge_indicator_sheet``
against the indicators' base the export recorded, ``domain.indicator_merge``); indicators the dispatch
has no base for (a full export made before it recorded one) are compared two-way. The result is a
``MergePreview`` (the same preview, JSON and dialog as a return workbook) whose ``prepare`` makes the
undoable write.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kik_desktop.domain import changes, dispatches, indicator_merge, plan
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dispatches import Key, ValueMap
from kik_desktop.domain.merge import Choice, resolve
from kik_desktop.domain.merge_apply import MergeBlocked, MergeIssue, MergePreview, NewItem, build_preview
from kik_desktop.exchange.excel_export import ExportResult, build_workbook, save_atomically
from kik_desktop.exchange.import_model import ImportPreview, Op, PMeasure
from kik_desktop.exchange.indicator_sheet import merge_indicator_sheet
from kik_desktop.exchange.matcher import Matcher
from kik_desktop.exchange.merge import ImportUndo, prepare_import
from kik_desktop.exchange.plan_parser import PlanParser
from kik_desktop.exchange.return_workbook import write_marker
from kik_desktop.exchange.workbook_reader import WorkbookGrid
from kik_desktop.models import Dispatch, ValueSource

SCOPE_LABEL = "Umsetzungstabelle (alle Handlungsfelder)"
# model attribute → the dump's key, per kind (status_key → status, a field's name → title)
_DUMP_KEY = {kind: {a: k for k, a in attrs.items()} for kind, attrs in dispatches.MERGE_ATTRS.items()}


@dataclass
class DispatchedExport:
    result: ExportResult
    dispatch: dispatches.DispatchInfo
    changes: ChangeSet


def export_as_dispatch(
    s: Session, out: str | os.PathLike[str], *, today: date | None = None, recipient: str = ""
) -> DispatchedExport:
    """Write the full export to out and record it as a dispatch, in the caller's transaction s.

    The record comes first (the workbook carries its id) and is rolled back with the transaction when
    the file cannot be written; the base is read in the same transaction as the workbook."""
    path = Path(out)
    document_uid = dispatches.document_uid(s, create=True)
    assert document_uid is not None
    info, recorded = dispatches.record_dispatch(
        s,
        kind=dispatches.FULL_EXPORT,
        scope="all",
        scope_label=SCOPE_LABEL,
        recipient=recipient,
        values={},
        file_name=path.name,
        now=datetime.combine(today, datetime.now().time()) if today else None,
    )
    wb, result = build_workbook(s, today=today)
    write_marker(wb, info.uid, document_uid, "all", "Umsetzungstabelle (vollständiger Export)")
    dispatches.add_base_values(s, info.id, dispatches.current_values(s))
    # The sheet "Indikatoren" of the full export shows every indicator (write_indicator_sheet unscoped).
    indicator_merge.record_base(s, info.id)
    save_atomically(wb.save, path)
    result.path = path
    return DispatchedExport(result, dispatches.find_dispatch(s, info.uid) or info, recorded)


def export_document_as_dispatch(
    doc: Any, out: str | os.PathLike[str], *, today: date | None = None
) -> DispatchedExport:
    """``export_as_dispatch`` in one write transaction of an open document."""
    with doc.transaction() as s:
        return export_as_dispatch(s, out, today=today)


# -- reading it back --------------------------------------------------------------------------------


def _uids(s: Session) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for kind in dispatches.MERGE_ATTRS:
        cls = plan.CLASS_OF[kind]
        out[kind] = {int(i): str(u) for i, u in s.execute(select(cls.id, cls.uid))}
    return out


def _base_aware(base: ValueMap) -> Callable[[Session, PlanParser, ImportPreview], Matcher]:
    """A matcher that settles disagreeing sheets by the base: our export shows a measure on "Alle
    Maßnahmen" and on its field's sheet; the value that differs from what was exported is the edit."""
    from kik_desktop.domain.merge_apply import model_values

    class BaseAwareMatcher(Matcher):
        def resolve_values(self, pm: PMeasure, doc: dict[str, Any] | None) -> dict[str, Any]:
            sent = base.get(("measure", pm.uid or ""))
            if doc is None or sent is None:
                return super().resolve_values(pm, doc)
            return super().resolve_values(pm, {**doc, **model_values("measure", sent)})

    return BaseAwareMatcher


def preview_full_export(
    s: Session,
    path: Path,
    grid: WorkbookGrid,
    dispatch: dispatches.DispatchInfo,
    current: ValueMap | None = None,
) -> MergePreview:
    """The three-way preview of a full export that comes back (see the module docstring)."""
    from kik_desktop.exchange.preview import read_preview

    base = dispatches.base_values(s, dispatch.id)
    current = current if current is not None else dispatches.current_values(s)
    two = read_preview(s, grid, matcher=_base_aware(base))
    # The sheet "Indikatoren" three-way; the ordinary reader's two-way reading of it (its proposed
    # changes, items and problems) is dropped so that nothing is applied or reported twice.
    indicators = merge_indicator_sheet(s, grid, base, current)
    two = dataclasses.replace(
        two,
        indicator_changes=[],
        new=[i for i in two.new if i.kind != indicator_merge.KIND],
        changed=[i for i in two.changed if i.kind != indicator_merge.KIND],
        issues=[i for i in two.issues if indicators.sheet is None or i.sheet != indicators.sheet],
    )
    uids = _uids(s)
    incoming: ValueMap = {}
    for op in two.ops:
        if op.op != "update" or op.kind not in _DUMP_KEY or not isinstance(op.ref, int):
            continue
        uid = uids[op.kind].get(op.ref)
        if uid is None:
            continue
        for attr, value in op.values.items():
            key = _DUMP_KEY[op.kind].get(attr)
            if key is not None:
                incoming.setdefault((op.kind, uid), {})[key] = dispatches.as_text(value)
    incoming.update(indicators.incoming)
    issues = [MergeIssue(i.level, i.message, i.sheet, i.row, i.column) for i in two.issues]
    issues += indicators.issues
    unbased = [k for k in indicators.incoming if k not in base]
    if unbased:
        issues.append(
            MergeIssue(
                "info",
                f"Für {len(unbased)} Indikatoren im Blatt „{indicators.sheet}“ kennt die Versendung den "
                "damaligen Stand nicht (Export aus einer älteren Version): sie werden einfach verglichen, "
                "die Werte der Datei gewinnen.",
                indicators.sheet,
            )
        )
    # New items in the order of their operations (the reader lists them in the same order).
    plain_new = list(two.new)
    new_ops = [op for op in two.ops if op.op == "new"]
    kind_of_token = {op.ref: op.kind for op in new_ops}
    parent_kind = {"goal": "field", "measure": "goal"}
    new_items: list[NewItem] = []
    tokens: list[str] = []
    for op, item in zip(new_ops, plain_new, strict=False):
        parent: Key = ("", "")
        if op.kind in parent_kind:
            pk = parent_kind[op.kind]
            if isinstance(op.parent, int):
                parent = (pk, uids[pk].get(op.parent, ""))
            else:
                parent = (kind_of_token.get(op.parent, pk), str(op.parent))
        title = str(op.values.get("title") or op.values.get("name") or item.title)
        new_items.append(NewItem(op.kind, None, parent, {"title": title}, item.sheet, item.row))
        tokens.append(str(op.ref))
    preview = build_preview(s, path, base, incoming, dispatch=dispatch, current=current)
    preview.new_items = new_items + indicators.new_items  # tokens index the plan's new items only
    preview.issues = issues + preview.issues
    preview.numbers.update(indicators.numbers)
    preview.titles.update(indicators.titles)
    for op, item in zip(new_ops, plain_new, strict=False):
        preview.numbers[(op.kind, str(op.ref))] = item.number
    preview.result.missing = [
        (i.kind, uids[i.kind][i.item_id])
        for i in two.missing
        if i.kind in uids and i.item_id is not None and i.item_id in uids[i.kind]
    ]
    preview.prepare = _Preparer(two, preview, tokens, uids)
    return preview


@dataclass
class _Preparer:
    """``MergePreview.prepare`` of a full export: the person's decisions → one undoable write."""

    two: ImportPreview
    preview: MergePreview
    tokens: list[str]
    uids: dict[str, dict[int, str]]

    def __call__(
        self,
        choices: Mapping[tuple[Hashable, str], Choice | tuple[Choice, Any]] | None,
        *,
        take_sheet: bool,
        delete_missing: bool,
        accepted_new: set[int] | None,
    ) -> FullExportMerge:
        from kik_desktop.domain.merge_apply import model_values

        if self.preview.has_errors:
            raise MergeBlocked(
                "Die Datei kann nicht übernommen werden:\n"
                + "\n".join(i.text() for i in self.preview.issues if i.level == "error")
            )
        values = resolve(self.preview.result, choices, take_sheet_on_conflict=take_sheet)
        uids = self.uids
        rejected: set[Any] = set()
        if accepted_new is not None:
            rejected = {t for i, t in enumerate(self.tokens) if i not in accepted_new}
        ops: list[Op] = []
        for op in self.two.ops:
            if op.op == "new":
                if op.ref in rejected or op.parent in rejected:
                    rejected.add(str(op.ref))  # a rejected goal takes its new measures with it
                    continue
                ops.append(op)
            elif op.op == "move":
                if op.parent in rejected:
                    continue
                ops.append(op)
            elif op.op == "update" and op.kind in _DUMP_KEY and isinstance(op.ref, int):
                uid = uids.get(op.kind, {}).get(op.ref)
                decided = values.get((op.kind, uid), {}) if uid is not None else {}
                kept: dict[str, Any] = {}
                for attr, value in op.values.items():
                    key = _DUMP_KEY[op.kind].get(attr)
                    if key is None:
                        kept[attr] = value  # not part of the merge (no base): as the plain import
                    elif key in decided:
                        text = decided[key]
                        same = text == dispatches.as_text(value)
                        kept[attr] = value if same else model_values(op.kind, {key: text})[attr]
                if kept:
                    ops.append(dataclasses.replace(op, values=kept))
            else:
                ops.append(op)
        two = dataclasses.replace(self.two, ops=ops)
        record = prepare_import(two, delete_missing=delete_missing)
        new_indicators = [
            n
            for i, n in enumerate(self.preview.new_items)
            if n.kind == indicator_merge.KIND and (accepted_new is None or i in accepted_new)
        ]
        return FullExportMerge(
            self.preview,
            record,
            values,
            description=f"Import aus {self.preview.source.name}",
            indicators=indicator_merge.IndicatorWrite.decided(values, new_indicators),
        )


@dataclass
class FullExportMerge:
    """The decided import of a full export: the ordinary import's write, the decided values and new
    items of the sheet "Indikatoren", provenance of the merged values and the dispatch marked as
    returned; one undo step."""

    preview: MergePreview
    record: ImportUndo
    values: dict[Hashable, dict[str, Any]]
    description: str = ""
    indicators: indicator_merge.IndicatorWrite = field(default_factory=indicator_merge.IndicatorWrite)
    now: datetime | None = None
    _returned: tuple[int, datetime | None, str] | None = None
    _stamp: datetime | None = field(default=None, repr=False)

    def redo(self, s: Session) -> ChangeSet:
        out = list(self.record.redo(s))
        if self.indicators:
            out.extend(self.indicators.redo(s))
        stamp = self.now or datetime.now()
        p = self.preview
        dispatch_uid = p.dispatch.uid if p.dispatch else None
        currents = {(d.key, d.attribute): d.current for d in p.result.changed + p.result.conflicts}
        created = [
            (uid, item.values.get("name", ""))
            for item in self.indicators.new
            if (uid := self.indicators.created_uid(item.index)) is not None
        ]
        s.add_all(
            ValueSource(
                changed_at=stamp,
                kind=indicator_merge.KIND,
                item_uid=uid,
                attribute="created",
                old_value=None,
                new_value=name,
                source_file=p.source.name,
                dispatch_uid=dispatch_uid,
                group_name=p.group,
            )
            for uid, name in created
        )
        s.add_all(
            ValueSource(
                changed_at=stamp,
                kind=key[0],
                item_uid=key[1],
                attribute=attr,
                old_value=currents.get((key, attr)),
                new_value=str(value),
                source_file=p.source.name,
                dispatch_uid=dispatch_uid,
                group_name=p.group,
            )
            for key, attrs in self.values.items()
            if isinstance(key, tuple)
            for attr, value in attrs.items()
        )
        if p.dispatch is not None:
            d = s.get(Dispatch, p.dispatch.id)
            if d is not None:
                self._returned = (d.id, d.returned_at, d.returned_file)
                out.extend(dispatches.mark_returned(s, d.id, p.source.name, stamp))
        self._stamp = stamp
        s.flush()
        return ChangeSet.of(out)

    def undo(self, s: Session) -> ChangeSet:
        if self._stamp is not None:
            s.execute(
                delete(ValueSource).where(
                    ValueSource.changed_at == self._stamp, ValueSource.source_file == self.preview.source.name
                )
            )
        if self._returned is not None:
            dispatch_id, returned_at, returned_file = self._returned
            d = s.get(Dispatch, dispatch_id)
            if d is not None:
                d.returned_at, d.returned_file = returned_at, returned_file
        out = list(self.indicators.undo(s)) if self.indicators else []
        out.extend(self.record.undo(s))
        if self._returned is not None:
            out.append(changes.updated("dispatch", self._returned[0], {"returned_file": self._returned[2]}))
        s.flush()
        return ChangeSet.of(out)
