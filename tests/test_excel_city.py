"""The municipality's own workbooks as people make them: headers anywhere, merged goals, theme colours,
legends on other sheets, fields by sheet name or numbering, dates as people write them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.colors import Color

from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.colors import ColorResolver, apply_tint, nearest_status, parse_theme_colors
from kik_desktop.exchange.columns import match_header
from kik_desktop.exchange.excel_import import import_file, preview_document
from kik_desktop.store import Document

pytestmark = pytest.mark.both_backends

PALETTE = {
    "umgesetzt": "00B050",
    "anfang": "FFC000",
    "mitte": "FFFF00",
    "ende": "92D050",
    "gefaehrdet": "FF0000",
    "zukuenftig": "BFBFBF",
}


def solid(color: Color | str) -> PatternFill:
    return PatternFill(patternType="solid", fgColor=color)


def measures_of(doc: Document) -> dict[str, dict[str, Any]]:
    with doc.reading() as s:
        data = dump_plan(s)
    return {m["title"]: m for f in data["fields"] for g in f["goals"] for m in g["measures"]}


def build_health_workbook(path: Path) -> None:
    """Field by sheet name, header on row 5 in other words, goal merged over three rows, statuses as theme,
    indexed and RGB colours explained by a legend on its own sheet."""
    wb = Workbook()
    cover = wb.active
    cover.title = "Deckblatt"
    cover["A1"] = "Kommunales Integrationskonzept Kempten"
    ws = wb.create_sheet("HF 3 Gesundheit")
    ws["A1"] = "Umsetzungstabelle Handlungsfeld Gesundheit"
    ws["A1"].font = Font(bold=True)
    ws["A3"] = "Stand 05/2024"
    ws.append([])
    ws.append(
        [
            "Nr.",
            "Ziele",
            "Indikator",
            "Maßnahmen",
            "Beschreibung",
            "Zielgruppe(n)",
            "Verantwortlich",
            "Akteure",
            "Beginn",
            "Ende",
            "Erfolgsindikatoren",
            "Umsetzungsstand",
            "Bemerkung",
        ]
    )
    rows = [
        [
            "3.1.1",
            "3.1 Gesundheitsangebote sind bekannt",
            "Anzahl Beratungen",
            "Gesundheitslotsen",
            "Lotsen begleiten",
            "Neuzugewanderte",
            "Gesundheitsamt",
            "MiMi; Caritas",
            "3/22",
            "fortlaufend",
            "20 Begleitungen",
            None,
        ],
        [
            "3.1.2",
            None,
            None,
            "3.1.2 Mehrsprachige Infoblätter",
            "",
            "Alle",
            "Gesundheitsamt",
            "",
            datetime(2023, 5, 17),
            2024,
            "",
            "grün",
        ],
        [
            None,
            None,
            None,
            "Vorträge in Moscheen",
            "Vorträge",
            "Muslimische Gemeinden",
            "Gesundheitsamt",
            "",
            "März 2022",
            "dauerhaft",
            "4 Vorträge",
            None,
        ],
        [
            None,
            "3.2 Pflegeangebote öffnen sich",
            "",
            "3.2.1 Kultursensible Pflege",
            "",
            "Ältere",
            "Pflegestützpunkt",
            "",
            "bis Ende 2023",
            44927,
            "",
            None,
        ],
        [
            None,
            None,
            None,
            "3.2.2 Pflegeberatung",
            "",
            "",
            "Pflegestützpunkt",
            "",
            "2025",
            None,
            "",
            "in Umsetzung (Mitte)",
            "siehe Protokoll",
        ],
        [None, None, None, "3.2.3 Austausch", "", "", "", "", "", "", "", None],
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("B6:B8")
    ws.merge_cells("C6:C8")
    ws["L6"].fill = solid(Color(theme=9, tint=0.0))  # accent6 orange: the legend says "Anfang"
    ws["L8"].fill = solid(Color(indexed=10))  # legacy palette red
    ws["L9"].fill = solid(Color(theme=4, tint=0.3999755851924192))  # light blue: "zukünftig" here
    ws["L10"].fill = solid("FF00B050")  # green, but the text says Mitte: the text wins
    ws["L11"].fill = solid("FF7030A0")  # purple: nobody knows
    legend = wb.create_sheet("Legende")
    legend["A1"] = "Legende"
    entries = [
        (Color(theme=9, tint=0.0), "in Umsetzung (Anfang)"),
        (Color(indexed=10), "gefährdet"),
        (Color(theme=4, tint=0.3999755851924192), "zukünftiger Termin"),
        ("FF00B050", "umgesetzt"),
    ]
    for i, (color, label) in enumerate(entries, start=2):
        legend.cell(i, 1).fill = solid(color)
        legend.cell(i, 2).value = label
    wb.save(path)


def test_health_workbook_with_legend_sheet(empty_doc: Document, tmp_path: Path) -> None:
    path = tmp_path / "gesundheit.xlsx"
    build_health_workbook(path)
    preview = preview_document(empty_doc, path)
    assert not preview.errors
    warnings = sorted((w.sheet, w.row, w.column) for w in preview.warnings)
    assert warnings == [("HF 3 Gesundheit", 9, 10), ("HF 3 Gesundheit", 11, 12)], [
        w.text() for w in preview.warnings
    ]
    texts = {(w.row, w.column): w.text() for w in preview.warnings}
    # A rough date is kept as text with a hint (issue #18), not flagged as an error of the file.
    rough = {(i.row, i.column): i.text() for i in preview.infos}
    assert "„bis Ende 2023“ ist eine ungefähre Zeitangabe" in rough[(9, 9)]
    assert "44927" in texts[(9, 10)] and "01/2023" in texts[(9, 10)]
    assert "#7030A0" in texts[(11, 12)]
    infos = " ".join(i.text() for i in preview.infos)
    assert "Bemerkung" in infos and "Was wird für die Umsetzung benötigt?" in infos
    assert "widersprechen" in infos
    import_file(empty_doc, path)
    with empty_doc.reading() as s:
        data = dump_plan(s)
    assert [f["title"] for f in data["fields"]] == ["Gesundheit"]
    goals = data["fields"][0]["goals"]
    assert [(g["title"], g["indicator"]) for g in goals] == [
        ("Gesundheitsangebote sind bekannt", "Anzahl Beratungen"),
        ("Pflegeangebote öffnen sich", ""),
    ]
    assert [m["title"] for m in goals[0]["measures"]] == [
        "Gesundheitslotsen",
        "Mehrsprachige Infoblätter",
        "Vorträge in Moscheen",
    ]
    m = measures_of(empty_doc)
    expected = {
        "Gesundheitslotsen": ("03/2022", "laufend", "anfang"),
        "Mehrsprachige Infoblätter": ("05/2023", "2024", "umgesetzt"),
        "Vorträge in Moscheen": ("03/2022", "laufend", "gefaehrdet"),
        "Kultursensible Pflege": ("bis Ende 2023", "01/2023", "zukuenftig"),
        "Pflegeberatung": ("2025", "", "mitte"),
        "Austausch": ("", "", None),
    }
    assert {t: (v["start"], v["end"], v["status"]) for t, v in m.items()} == expected
    assert m["Gesundheitslotsen"]["actors"] == ["MiMi", "Caritas"]
    assert m["Vorträge in Moscheen"]["target_group"] == "Muslimische Gemeinden"


def test_field_by_numbering_and_matching_by_number_and_title(default_doc: Document, tmp_path: Path) -> None:
    with default_doc.reading() as s:
        field4 = dump_plan(s)["fields"][3]
    assert field4["title"] == "Bürgerschaftliches Engagement"
    goal1, goal2 = field4["goals"][0], field4["goals"][1]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    ws.append(
        [
            "Ziel",
            "Indikator (zu entwickeln)",
            "Maßnahme",
            "Beschreibung der Maßnahme",
            "Zielgruppe",
            "verantwortlich (für die Umsetzung)",
            "Akteur*innen für die Umsetzung",
            "Was wird für die Umsetzung benötigt?",
            "Beginn der Umsetzung (Termin Monat/Jahr)",
            "Umsetzung bis wann?",
            "Indikatoren (an denen sich der Erfolg festmachen lässt)",
            "Status",
        ]
    )
    ws.append([f"4.1 {goal1['title']}", goal1["indicator"], "4.1.1 Sprachpaten"])
    ws.append([None, None, "4.1.2 Lesepaten"])
    ws.append(["4.2 Ehrenamt wird begleitet", "", "4.2.1 Koordination"])
    ws.append(["4.3 Ganz neues Ziel", "", "4.3.1 Neues"])
    ws.append([None, None, "4.3.2 Rotes", None, None, None, None, None, None, None, None, "rot"])
    ws["L2"].fill = solid("FFFFFF00")
    ws["L3"].fill = solid(Color(indexed=13))  # legacy palette yellow
    ws["L4"].fill = solid("FFFFD966")  # light amber: a guess, flagged
    ws["L5"].fill = solid("FFD9D9D9")  # near grey
    path = tmp_path / "tabelle.xlsx"
    wb.save(path)
    preview = preview_document(default_doc, path)
    assert not preview.errors
    assert [i for i in preview.new if i.kind == "field"] == []
    assert [(i.kind, i.title) for i in preview.new if i.kind == "goal"] == [("goal", "Ganz neues Ziel")]
    assert [(i.number, i.title) for i in preview.unchanged if i.kind == "goal"] == [("4.1", goal1["title"])]
    changed = [i for i in preview.changed if i.kind == "goal"]
    assert len(changed) == 1 and changed[0].number == "4.2"
    assert [(c.old, c.new) for c in changed[0].changes] == [(goal2["title"], "Ehrenamt wird begleitet")]
    assert [(w.row, w.column) for w in preview.warnings] == [(4, 12)]
    assert "FFD966" in preview.warnings[0].message and "in Umsetzung (Anfang)" in preview.warnings[0].message
    import_file(default_doc, path)
    m = measures_of(default_doc)
    assert {t: m[t]["status"] for t in ("Sprachpaten", "Lesepaten", "Koordination", "Neues", "Rotes")} == {
        "Sprachpaten": "mitte",
        "Lesepaten": "mitte",
        "Koordination": "anfang",
        "Neues": "zukuenftig",
        "Rotes": "gefaehrdet",
    }
    assert m["Neues"]["number"] == "4.3.1"


def test_section_rows_merged_across_and_goal_continued_by_blanks(empty_doc: Document, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Gesamt"
    ws.append(["Ziel", "Maßnahme", "Verantwortlich", "Status", "Beginn"])
    ws.append(["Handlungsfeld 5: Gesellschaftliche Teilhabe"])
    ws.merge_cells("A2:E2")
    ws.append(["Begegnung fördern", "Stadtteilfest", "Quartiersmanagement", "gelb", "2023"])
    ws.append([None, "Sportfest", "Sportverein", "Gelb", "1.3.2024"])
    ws.append(["Sechs Interkulturelle Öffnung"])  # not a field: a goal without measures
    ws.append(["6 Interkulturelle Öffnung"])
    ws.append(["Verwaltung öffnet sich", "Schulungen", "Personalamt", "in umsetzung (ende)", "Q2 2024"])
    path = tmp_path / "gesamt.xlsx"
    wb.save(path)
    preview = preview_document(empty_doc, path)
    assert not preview.errors
    import_file(empty_doc, path)
    with empty_doc.reading() as s:
        data = dump_plan(s)
    assert [f["title"] for f in data["fields"]] == ["Gesellschaftliche Teilhabe", "Interkulturelle Öffnung"]
    assert [g["title"] for g in data["fields"][0]["goals"]] == [
        "Begegnung fördern",
        "Sechs Interkulturelle Öffnung",
    ]
    assert [m["title"] for m in data["fields"][0]["goals"][0]["measures"]] == ["Stadtteilfest", "Sportfest"]
    m = measures_of(empty_doc)
    assert (m["Sportfest"]["start"], m["Sportfest"]["status"]) == ("03/2024", "mitte")
    assert (m["Schulungen"]["start"], m["Schulungen"]["status"]) == ("Q2 2024", "ende")
    assert [(w.row, w.column) for w in preview.warnings] == []
    assert [(i.row, i.column) for i in preview.infos if "ungefähre Zeitangabe" in i.message] == [(7, 5)]


def test_header_matching_tolerates_wording() -> None:
    assert match_header("Beginn der Umsetzung\n(Termin Monat/Jahr)") == "start"
    assert match_header("Akteur:innen für die Umsetzung") == "actors"
    assert match_header("Verantwortlich für die Umsetzung") == "responsible"
    assert match_header("Indikatoren, an denen sich der Erfolg festmachen lässt") == "success_indicator"
    assert match_header("Indikator (zu entwickeln)") == "goal_indicator"
    assert match_header("Zielgruppe") == "target_group"
    assert match_header("ZIEL") == "goal"
    assert match_header("Massnahme") == "title"
    assert match_header("Maßnahmenbeschreibung") == "description"
    assert match_header("Umsetzung bis wann") == "end"
    assert match_header("Statuss") == "status"
    assert match_header("Einkaufsliste") is None
    assert match_header("KIK-ID Ziel") == "goal_uid"


def test_colour_resolution() -> None:
    theme = parse_theme_colors(None)
    resolver = ColorResolver(theme=theme)
    assert resolver.resolve(Color(rgb="FF92D050")) == "92D050"
    assert resolver.resolve(Color(indexed=10)) == "FF0000"
    assert resolver.resolve(Color(indexed=64)) is None
    assert resolver.resolve(Color(theme=9)) == "F79646"
    assert resolver.resolve(Color(theme=4, tint=0.3999755851924192)) == apply_tint(
        "4F81BD", 0.3999755851924192
    )
    assert apply_tint("4F81BD", 0.3999755851924192) == "95B3D7"  # Excel shows this light blue
    assert apply_tint("F79646", -0.249977111117893) == "E46C0A"
    custom = ColorResolver(theme=theme, indexed=["000000"] * 10 + ["123456"])
    assert custom.resolve(Color(indexed=10)) == "123456"
    for key, color in PALETTE.items():
        match = nearest_status(color, PALETTE)
        assert (match.key, match.sure) == (key, True)
    assert nearest_status("D9D9D9", PALETTE).sure
    unsure = nearest_status("FFC7CE", PALETTE)  # Excel's light red "bad" fill: red, but only a guess
    assert (unsure.key, unsure.sure) == ("gefaehrdet", False)
    assert nearest_status("7030A0", PALETTE).key is None
