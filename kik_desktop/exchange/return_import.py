"""Reading a returned workbook (Rückmeldebogen) into a three-way merge preview.

``dispatch_marker(grid, path)`` finds the dispatch id (hidden sheet "_kik", else the workbook's keywords),
so a renamed or re-saved file still finds its base. ``preview_return(s, path)`` reads the table sheet by
its headers, turns cells into the merge's values (status and priority labels to keys, dates canonical)
and compares base (the dispatch), sheet and document (``domain.merge_apply.build_preview``).
Workbooks without a marker return None: the caller falls back to the two-way import. A full export
(a dispatch of kind "export") is read by ``export_dispatch.preview_full_export``.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kik_desktop.domain import dispatches
from kik_desktop.domain.dates import parse_month_year
from kik_desktop.domain.merge_apply import MergeIssue, MergePreview, NewItem, build_preview
from kik_desktop.domain.plan import PRIORITIES, clean_text
from kik_desktop.domain.queries import statuses
from kik_desktop.exchange.csv_reader import read_table_file
from kik_desktop.exchange.import_model import ImportPreview, cell_text, normalize_name, parse_uid
from kik_desktop.exchange.indicator_sheet import merge_indicator_sheet
from kik_desktop.exchange.return_workbook import HEADER_OF, META_SHEET, TABLE_SHEET
from kik_desktop.exchange.status_reader import StatusReader
from kik_desktop.exchange.workbook_reader import SheetGrid, WorkbookGrid

_KEYWORD = re.compile(rb"kik-dispatch:([0-9a-f]{32})")
_DOC_KEYWORD = re.compile(rb"kik-document:([0-9a-f]{32})")


@dataclass(frozen=True)
class Marker:
    dispatch_uid: str
    document_uid: str | None


def dispatch_marker(grid: WorkbookGrid, path: Path) -> Marker | None:
    """The dispatch id the workbook carries, or None for a workbook we did not send."""
    meta = next((sh for sh in grid.sheets if sh.title == META_SHEET), None)
    if meta is not None:
        pairs = {
            cell_text(row.get(1, (None, 0))[0]): cell_text(row.get(2, (None, 0))[0])
            for row in meta.cells.values()
        }
        uid = parse_uid(pairs.get("dispatch"))
        if uid:
            return Marker(uid, parse_uid(pairs.get("document")))
    try:
        with zipfile.ZipFile(path) as zf, zf.open("docProps/core.xml") as fh:
            core = fh.read(200_000)
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    m = _KEYWORD.search(core)
    if m is None:
        return None
    d = _DOC_KEYWORD.search(core)
    return Marker(m.group(1).decode(), d.group(1).decode() if d else None)


def _table_sheet(grid: WorkbookGrid) -> tuple[SheetGrid, int, dict[str, int]] | None:
    """(sheet, header row, key → column) of the return table: by its name, else any sheet with our headers."""
    candidates = sorted(grid.sheets, key=lambda sh: sh.title != TABLE_SHEET)
    for sheet in candidates:
        for r in sorted(sheet.cells)[:20]:
            cols = {
                HEADER_OF[str(v).strip()]: c
                for c, (v, _s) in sheet.cells[r].items()
                if isinstance(v, str) and str(v).strip() in HEADER_OF
            }
            if "measure_uid" in cols and "title" in cols:
                return sheet, r, cols
    return None


class _CellReader:
    def __init__(self, s: Session, issues: list[MergeIssue], sheet: str) -> None:
        self.status = StatusReader(statuses(s))
        self.priority = {normalize_name(v): str(k) for k, v in PRIORITIES.items()}
        self.issues = issues
        self.sheet = sheet

    def value(self, key: str, raw: object, row: int, col: int) -> str | None:
        """The merge's text for a cell; None when the cell cannot be read (reported, value unchanged)."""
        text = clean_text(cell_text(raw)).strip() if key != "title" else clean_text(cell_text(raw))
        if key == "status":
            if not text:
                return ""
            found = self.status.from_text(text)
            if found is None:
                self.issues.append(
                    MergeIssue(
                        "warning", f"„{text[:40]}“ ist kein Status; der Status bleibt.", self.sheet, row, col
                    )
                )
            return found
        if key == "priority":
            if not text:
                return ""
            found = self.priority.get(normalize_name(text))
            if found is None:
                self.issues.append(
                    MergeIssue(
                        "warning",
                        f"„{text[:40]}“ ist keine Priorität (hoch, mittel, niedrig).",
                        self.sheet,
                        row,
                        col,
                    )
                )
            return found
        if key in ("start", "end") and text:
            parsed = parse_month_year(text)
            if not parsed.is_valid:
                self.issues.append(
                    MergeIssue(
                        "warning",
                        f"„{text[:40]}“ ist kein Monat/Jahr; übernommen als Text.",
                        self.sheet,
                        row,
                        col,
                    )
                )
                return text
            return parsed.canonical()
        return text


def preview_return(
    s: Session, path: str | os.PathLike[str], grid: WorkbookGrid | None = None
) -> MergePreview | None:
    """The three-way preview of a returned workbook; None when it carries no dispatch id."""
    p = Path(path)
    grid = grid or read_table_file(p)  # a CSV (fidelity #18) carries no dispatch id: None below
    marker = dispatch_marker(grid, p)
    if marker is None:
        return None
    issues: list[MergeIssue] = []
    own_uid = dispatches.document_uid(s)
    current = dispatches.current_values(s)
    empty = build_preview(s, p, {}, {}, current=current)
    if marker.document_uid and marker.document_uid != own_uid:
        empty.issues.append(
            MergeIssue(
                "error",
                "Diese Arbeitsmappe wurde aus einem anderen KIK-Dokument versandt; sie wird hier nicht "
                "übernommen. Bitte das Dokument öffnen, aus dem sie stammt.",
            )
        )
        return empty
    info = dispatches.find_dispatch(s, marker.dispatch_uid)
    if info is None:
        empty.issues.append(
            MergeIssue(
                "error",
                f"Die Versendung {marker.dispatch_uid} ist in diesem Dokument nicht verzeichnet; ohne ihren "
                "Stand kann nicht sicher abgeglichen werden. Nichts wurde übernommen.",
            )
        )
        return empty
    if info.kind == dispatches.FULL_EXPORT:  # the whole table: the ordinary reader, then three-way
        from kik_desktop.exchange.export_dispatch import preview_full_export

        return preview_full_export(s, p, grid, info, current)
    found = _table_sheet(grid)
    if found is None:
        empty.issues.append(
            MergeIssue("error", f"Das Blatt „{TABLE_SHEET}“ mit den Spalten der Rückmeldung fehlt.")
        )
        empty.dispatch = info
        return empty
    sheet, header_row, cols = found
    reader = _CellReader(s, issues, sheet.title)
    base = dispatches.base_values(s, info.id)
    incoming: dispatches.ValueMap = {}
    new_items: list[NewItem] = []
    goal_by_label: dict[str, str] = {}
    seen: dict[str, int] = {}
    rows = [(r, sheet.cells[r]) for r in sorted(sheet.cells) if r > header_row]
    for _r, row in rows:
        goal_uid = parse_uid(row.get(cols.get("goal_uid", -1), (None, 0))[0])
        goal_text = cell_text(row.get(cols.get("goal", -1), (None, 0))[0]).strip()
        if goal_uid and goal_text:
            goal_by_label.setdefault(normalize_name(goal_text), goal_uid)
    for r, row in rows:

        def raw(key: str, row: dict[int, tuple[object, int]] = row) -> object:
            c = cols.get(key)
            return None if c is None else row.get(c, (None, 0))[0]

        uid = parse_uid(raw("measure_uid"))
        values: dict[str, str] = {}
        for key in dispatches.MEASURE_MERGE_ATTRS:
            if key in cols:
                v = reader.value(key, raw(key), r, cols[key])
                if v is not None:
                    values[key] = v
        if uid is None:
            if not values.get("title", "").strip():
                continue
            label = normalize_name(cell_text(raw("goal")))
            goal_uid = goal_by_label.get(label)
            if goal_uid is None:
                issues.append(
                    MergeIssue(
                        "warning",
                        "Die neue Maßnahme hat kein Ziel aus der Liste; sie wird nicht übernommen.",
                        sheet.title,
                        r,
                        cols.get("goal"),
                    )
                )
                continue
            if _exists_under(s, goal_uid, values["title"]):
                issues.append(
                    MergeIssue(
                        "info",
                        f"Die neue Maßnahme „{values['title'][:50]}“ gibt es unter diesem Ziel schon "
                        "(früher übernommen); sie wird nicht noch einmal angelegt.",
                        sheet.title,
                        r,
                    )
                )
                continue
            new_items.append(NewItem("measure", None, ("goal", goal_uid), values, sheet.title, r))
            continue
        if uid in seen:
            issues.append(
                MergeIssue(
                    "error", f"Die KIK-ID {uid} steht doppelt (auch in Zeile {seen[uid]}).", sheet.title, r
                )
            )
            continue
        seen[uid] = r
        if ("measure", uid) not in base:
            issues.append(
                MergeIssue(
                    "warning",
                    "Diese Zeile gehört nicht zu der Versendung; sie wird nicht übernommen.",
                    sheet.title,
                    r,
                )
            )
            continue
        incoming[("measure", uid)] = values
        goal_uid = parse_uid(raw("goal_uid"))
        if goal_uid and "indicator" in cols:
            indicator = reader.value("indicator", raw("indicator"), r, cols["indicator"])
            if indicator is not None:
                prior = incoming.get(("goal", goal_uid))
                base_ind = base.get(("goal", goal_uid), {}).get("indicator", "")
                # One goal on many rows: the row that changed the indicator wins.
                if prior is None or (prior["indicator"].strip() == base_ind.strip()):
                    incoming[("goal", goal_uid)] = {"indicator": indicator}
    indicators = merge_indicator_sheet(s, grid, base, current)
    incoming.update(indicators.incoming)
    preview = build_preview(
        s,
        p,
        base,
        incoming,
        dispatch=info,
        new_items=new_items + indicators.new_items,
        issues=issues + indicators.issues,
        current=current,
    )
    preview.numbers.update(indicators.numbers)
    preview.titles.update(indicators.titles)
    return preview


def _exists_under(s: Session, goal_uid: str, title: str) -> bool:
    from sqlalchemy import select

    from kik_desktop.models import Goal, Measure

    wanted = normalize_name(title)
    titles = s.scalars(
        select(Measure.title).join(Goal, Measure.goal_id == Goal.id).where(Goal.uid == goal_uid)
    )
    return any(normalize_name(t) == wanted for t in titles)


def legacy_json(s: Session, preview: ImportPreview) -> dict[str, object]:
    """The JSON shape of the three-way preview for a two-way import (no known base)."""
    from sqlalchemy import select

    from kik_desktop.domain.merge_apply import numbering
    from kik_desktop.domain.plan import CLASS_OF, get_values

    numbers, titles = numbering(s)
    reverse = {kind: {a: k for k, a in attrs.items()} for kind, attrs in dispatches.MERGE_ATTRS.items()}
    changed = []
    for op in preview.ops:
        if op.op != "update" or not isinstance(op.ref, int):
            continue
        cls = CLASS_OF[op.kind]
        uid = s.scalar(select(cls.uid).where(cls.id == op.ref))
        current = get_values(s, op.kind, op.ref)
        for attr, value in op.values.items():
            changed.append(
                {
                    "kind": op.kind,
                    "uid": uid,
                    "number": numbers.get((op.kind, str(uid)), ""),
                    "title": titles.get((op.kind, str(uid)), ""),
                    "attribute": reverse.get(op.kind, {}).get(attr, attr),
                    "base": None,
                    "sheet": dispatches.as_text(value),
                    "current": dispatches.as_text(current.get(attr)),
                }
            )
    return {
        "base_known": False,
        "new": [
            {
                "kind": i.kind,
                "uid": None,
                "number": i.number,
                "title": i.title,
                "sheet": i.sheet,
                "row": i.row,
            }
            for i in preview.new
        ],
        "changed": changed,
        "conflicts": [],
        "kept": [],
        "missing": [
            {"kind": i.kind, "uid": None, "number": i.number, "title": i.title} for i in preview.missing
        ],
        "issues": [
            {"level": i.level, "message": i.message, "sheet": i.sheet, "row": i.row, "column": i.column}
            for i in preview.issues
        ],
    }
