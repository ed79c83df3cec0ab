"""The full export's "Priorität" column: written as the return workbooks write it, read back by the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from kik_desktop.domain import plan
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import import_file, preview_document
from kik_desktop.exchange.headers import FIELD_LABELS
from kik_desktop.exchange.plan_parser import _priority_of
from kik_desktop.models import Measure
from kik_desktop.store import Document, create_document


def priorities(doc: Document) -> dict[str, int | None]:
    with doc.reading() as s:
        return {m.title: m.priority for m in s.query(Measure).order_by(Measure.id)}


def rows_by_title(ws: object) -> tuple[dict[str, int], int]:
    """Row of each measure (by the title in column C, without its number) and the priority column."""
    header = [c.value for c in ws[3]]  # type: ignore[index]
    prio_col = header.index("Priorität") + 1
    rows = {}
    for r in range(4, ws.max_row + 1):  # type: ignore[attr-defined]
        title = ws.cell(r, 3).value  # type: ignore[attr-defined]
        if title:
            rows[str(title).split(" ", 1)[1]] = r
    return rows, prio_col


def test_priority_round_trip(small_plan: Document, tmp_path: Path) -> None:
    with small_plan.transaction() as s:
        for title, prio in (("M2", 2), ("M3", 3)):
            m = s.query(Measure).filter_by(title=title).one()
            plan.update_item(s, "measure", m.id, {"priority": prio})
    out = tmp_path / "export.xlsx"
    export_document(small_plan, out)
    wb = load_workbook(out)
    ws = wb["Alle Maßnahmen"]
    rows, col = rows_by_title(ws)
    assert ws.cell(3, col).column_letter == "Q"
    assert [ws.cell(rows[t], col).value for t in ("M1", "M2", "M3")] == [None, "mittel", "niedrig"]
    # Unchanged export: no change, also into a fresh document the priorities arrive.
    preview = preview_document(small_plan, out)
    assert preview.changed == [] and preview.errors == []
    # The column is recognised, and the mapping of the preview can name it (not "not imported").
    guesses = [g for m in preview.header_matches.values() for g in m.guesses if g.text == "Priorität"]
    assert guesses and guesses[0].key == "priority" and guesses[0].confidence == "sicher"
    assert FIELD_LABELS["priority"] == "Priorität" and FIELD_LABELS["field"] == "Handlungsfeld"
    fresh = create_document(tmp_path / "fresh.kik")
    try:
        import_file(fresh, out)
        assert priorities(fresh) == priorities(small_plan)
    finally:
        fresh.close()

    # Set in the sheet: M1 high, M2 cleared, M3 unchanged.
    ws.cell(rows["M1"], col).value = "hoch"
    ws.cell(rows["M2"], col).value = None
    wb.save(out)
    preview = preview_document(small_plan, out)
    assert preview.errors == []
    shown = {item.title: [c.text() for c in item.changes] for item in preview.changed}
    assert shown == {"M1": ["Priorität: (leer) → „hoch“"], "M2": ["Priorität: „mittel“ → (leer)"]}, shown
    import_file(small_plan, out)
    after = priorities(small_plan)
    assert (after["M1"], after["M2"], after["M3"]) == (1, None, 3)


def test_unknown_priority_is_reported_and_changes_nothing(small_plan: Document, tmp_path: Path) -> None:
    out = tmp_path / "export.xlsx"
    export_document(small_plan, out)
    wb = load_workbook(out)
    ws = wb["Alle Maßnahmen"]
    rows, col = rows_by_title(ws)
    ws.cell(rows["M4"], col).value = "sehr dringend"
    wb.save(out)
    preview = preview_document(small_plan, out)
    assert preview.changed == []
    issue = next(i for i in preview.issues if "Priorität" in i.message)
    assert issue.level == "warning" and "„sehr dringend“" in issue.message
    assert (issue.sheet, issue.row, issue.column) == ("Alle Maßnahmen", rows["M4"], col)
    before = priorities(small_plan)
    import_file(small_plan, out)
    assert priorities(small_plan) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoch", 1),
        ("Mittel", 2),
        (" niedrig ", 3),
        ("1", 1),
        ("2.0", 2),
        ("3 – niedrig", 3),
        ("1 (hoch)", 1),
        ("2: mittel", 2),
        ("1 niedrig", None),  # digit and word disagree
        ("4", None),
        ("wichtig", None),
    ],
)
def test_priority_words(text: str, expected: int | None) -> None:
    assert _priority_of(text) == expected
