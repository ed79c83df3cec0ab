"""Issue #18, property: shuffling the column order, renaming the headers from the synonym lists, writing the
statuses, names and dates in the ways people do, and inserting title rows, notes and blank rows does not
change what the import reads."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.columns import BY_KEY
from kik_desktop.exchange.excel_import import import_file
from kik_desktop.exchange.headers import SYNONYMS
from kik_desktop.store import create_document, open_document

KEYS = (
    "goal",
    "title",
    "description",
    "target_group",
    "responsible",
    "actors",
    "needs",
    "start",
    "end",
    "success_indicator",
    "status",
)
# (goal, title, description, target group, responsible, actors, needs, start (y, m), end, indicator, status)
PLAN: list[tuple[Any, ...]] = [
    (
        "4.1 Vereine öffnen sich",
        "Vereinslotsen",
        "Lotsen begleiten",
        "Neuzugewanderte",
        "Sportamt",
        ["Kreissportbund", "Stadtjugendring"],
        "Honorare",
        (2023, 5),
        (2025, 12),
        "20 Vereine",
        "umgesetzt",
    ),
    (
        None,
        "Schnuppertage",
        "Offene Trainings",
        "Kinder",
        "Sportamt",
        ["Vereine"],
        "",
        (2024, 3),
        None,
        "",
        "mitte",
    ),
    (
        None,
        "Übungsleiterkurse",
        "",
        "Erwachsene",
        "Kreissportbund",
        ["Volkshochschule", "Caritas"],
        "Räume",
        (2024, 9),
        (2026, 6),
        "12 Kurse",
        "anfang",
    ),
    (
        "4.2 Ehrenamt wird anerkannt",
        "Ehrenamtskarte",
        "Vergünstigungen",
        "Ehrenamtliche",
        "Bürgerbüro",
        ["Freiwilligenagentur"],
        "Druckkosten",
        (2022, 1),
        (2022, 12),
        "500 Karten",
        "gefaehrdet",
    ),
    (
        None,
        "Dankeschön-Abend",
        "Jährlich",
        "Ehrenamtliche",
        "Integrationsbüro",
        [],
        "",
        (2025, 11),
        None,
        "",
        "zukuenftig",
    ),
]
STATUS_FORMS = {
    "umgesetzt": ["umgesetzt", "grün", "Grün", "✓"],
    "mitte": ["Mitte", "in Umsetzung (Mitte)", "gelb", "◑"],
    "anfang": ["Anfang", "in Umsetzung (Anfang)", "orange"],
    "gefaehrdet": ["gefährdet", "rot", "✗"],
    "zukuenftig": ["zukünftig", "zukünftiger Termin", "grau", "○"],
}
NOTES = [
    "Hinweis: Die Maßnahmen werden im Herbst neu bewertet.",
    "* vorläufige Angaben",
    "Stand: 01.02.2024",
    "Quelle: Arbeitsgruppe Teilhabe",
    "Anmerkung: Rückfragen an das Integrationsbüro",
    "grün = umgesetzt",
]
TITLE_ROWS = ["Umsetzungstabelle Handlungsfeld Teilhabe", "Stand: März 2024", "Rückmeldung der AG"]


def headers_for(key: str) -> list[str]:
    return [BY_KEY[key].header, *SYNONYMS.get(key, ())]


@st.composite
def layouts(draw: st.DrawFn) -> dict[str, Any]:
    order = draw(st.permutations(KEYS))
    names = {k: draw(st.sampled_from(headers_for(k))) for k in KEYS}
    statuses = [draw(st.sampled_from(STATUS_FORMS[row[10]])) for row in PLAN]
    separators = [draw(st.sampled_from(["\n", "; ", ", ", " und "])) for _ in PLAN]
    date_forms = [draw(st.sampled_from(["mm/yyyy", "excel", "dd.mm.yyyy", "monat"])) for _ in PLAN]
    title_rows = draw(st.lists(st.sampled_from(TITLE_ROWS), max_size=3))
    blank_before_goals = draw(st.booleans())
    notes_after = draw(st.lists(st.sampled_from(NOTES), max_size=3))
    notes_inside = draw(st.lists(st.integers(1, len(PLAN) - 1), max_size=2, unique=True))
    note_in_goal_column = draw(st.booleans())
    return {
        "note_in_goal_column": note_in_goal_column,
        "order": order,
        "names": names,
        "statuses": statuses,
        "separators": separators,
        "date_forms": date_forms,
        "title_rows": title_rows,
        "blank_before_goals": blank_before_goals,
        "notes_after": notes_after,
        "notes_inside": notes_inside,
    }


MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def date_cell(value: tuple[int, int] | None, form: str) -> Any:
    if value is None:
        return None
    y, m = value
    if form == "excel":
        return datetime(y, m, 1)
    if form == "dd.mm.yyyy":
        return f"01.{m:02d}.{y}"
    if form == "monat":
        return f"{MONTHS[m - 1]} {y}"
    return f"{m:02d}/{y}"


def write_layout(path: Path, layout: dict[str, Any]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "HF 4 Teilhabe"
    for text in layout["title_rows"]:
        ws.append([text])
    ws.append([])
    order = layout["order"]
    ws.append([layout["names"][k] for k in order])
    # Notes are written in column A or, harder, in the goal column (where they used to become goals).
    pad = [None] * (order.index("goal") if layout["note_in_goal_column"] else 0)
    for i, row in enumerate(PLAN):
        if i in layout["notes_inside"]:
            ws.append([*pad, "Hinweis: Zeile zur Information"])
        if row[0] is not None and i > 0 and layout["blank_before_goals"]:
            ws.append([])
        values = dict(zip(KEYS, row, strict=True))
        values["actors"] = layout["separators"][i].join(row[5])
        values["start"] = date_cell(row[7], layout["date_forms"][i])
        values["end"] = date_cell(row[8], layout["date_forms"][i])
        values["status"] = layout["statuses"][i]
        ws.append([values[k] for k in order])
        for c, k in enumerate(order, start=1):
            if k in ("start", "end") and isinstance(values[k], datetime):
                ws.cell(ws.max_row, c).number_format = "MM/YYYY"
    if layout["notes_after"]:
        ws.append([])
        for note in layout["notes_after"]:
            ws.append([*pad, note])
    wb.save(path)


def expected_plan() -> list[tuple[Any, ...]]:
    out = []
    goal = ""
    for row in PLAN:
        goal = row[0].split(" ", 1)[1] if row[0] else goal
        start = f"{row[7][1]:02d}/{row[7][0]}" if row[7] else ""
        end = f"{row[8][1]:02d}/{row[8][0]}" if row[8] else ""
        out.append((goal, row[1], row[2], row[3], row[4], row[5], row[6], start, end, row[9], row[10]))
    return out


def read_plan(path: Path) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    doc = open_document(path)
    try:
        with doc.reading() as s:
            data = dump_plan(s)
    finally:
        doc.close()
    rows = []
    goals = [g["title"] for f in data["fields"] for g in f["goals"]]
    for f in data["fields"]:
        for g in f["goals"]:
            for m in g["measures"]:
                rows.append(
                    (
                        g["title"],
                        m["title"],
                        m["description"],
                        m["target_group"],
                        m["responsible"],
                        m["actors"],
                        m["needs"],
                        m["start"],
                        m["end"],
                        m["success_indicator"],
                        m["status"],
                    )
                )
    return [f["title"] for f in data["fields"]], goals, rows


_TEMPLATE: dict[str, Path] = {}


def _template() -> Path:
    if "doc" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="kik-fidelity-"))
        doc = create_document(folder / "vorlage.kik")
        doc.close()
        _TEMPLATE["doc"] = folder / "vorlage.kik"
    return _TEMPLATE["doc"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts())
def test_layout_variations_import_the_same(layout: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = folder / "tabelle.xlsx"
        write_layout(book, layout)
        doc_path = folder / "doc.kik"
        shutil.copy(_template(), doc_path)
        doc = open_document(doc_path)
        try:
            preview, _record = import_file(doc, book)
        finally:
            doc.close()
        assert all(item.title.strip() for item in preview.new)
        fields, goals, rows = read_plan(doc_path)
        assert fields == ["Teilhabe"]
        assert goals == ["Vereine öffnen sich", "Ehrenamt wird anerkannt"], preview.format_text()
        assert rows == expected_plan(), preview.format_text()
