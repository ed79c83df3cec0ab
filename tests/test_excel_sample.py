"""The sample implementation table (tests/fixtures/xlsx, a copy of ../shared/samples) imports exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.excel_import import import_file, preview_document
from kik_desktop.store import Document

pytestmark = pytest.mark.both_backends

SAMPLE = Path(__file__).parent / "fixtures" / "xlsx" / "umsetzungstabelle_beispiel.xlsx"

# (title, description, target group, responsible, actors, needs, start, end, success indicator, status)
EXPECTED = {
    "Sprache und Bildung": [
        (
            "Schulen und Kitas kooperieren mit dem informellen Bildungsbereich",
            "Zahl der Kooperationsvereinbarungen",
            [
                (
                    "Kooperationsbörse",
                    "Kooperationen zwischen Schulen/KiTas und informellem Bildungsbereich "
                    "(offene Jugendarbeit, "
                    "Vereine) stärken",
                    "Kinder und Jugendliche",
                    "Amt für Kindertagesstätten, Schulen und Sport",
                    ["Stadtjugendring Kempten", "Staatliches Schulamt"],
                    "Koordination",
                    "10/2022",
                    "07/2023",
                    "5 neue Kooperationen",
                    "ende",
                ),
                (
                    "Elterncafé",
                    "Elterncafé in Kitas mit Sprachmittlung (→ Brücke zu Regelangeboten)",
                    "Eltern mit Migrationshintergrund",
                    "Familienzentrum WIR - Hand in Hand",
                    ["Kindertagesstätte Klecks", "Diakonie Kulturdolmetscher*innen"],
                    "Kaffee, Kulturdolmetscher*innen",
                    "04/2023",
                    "laufend",
                    "12 Eltern pro Termin",
                    "mitte",
                ),
            ],
        ),
    ],
    "Arbeit und Ausbildung": [
        (
            "Es bestehen niedrigschwellige Zugänge zu den Angeboten der Beratung und Orientierung",
            "Anzahl der Erstberatungen pro Jahr",
            [
                (
                    "Austauschtreffen",
                    'Treffen von "Alteingesessenen" mit rumänischen Wurzeln und neuzugewanderten Rumän*innen',
                    "Neuzugewanderte Rumän*innen",
                    "Amt für Integration",
                    ["Haus International e.V.", "Rumänisch-Orth. Gemeinde"],
                    "Raum, Dolmetscher*in",
                    "03/2022",
                    "laufend",
                    "10 Neuzugewanderte pro Treffen",
                    "umgesetzt",
                ),
                (
                    "Austauschtreffen Türkisch",
                    "Austauschtreffen nach dem Vorbild von 2.1.1 für neuzugewanderte Türk*innen",
                    "Neuzugewanderte Türk*innen",
                    "Dachverband türkischer Vereine in Kempten",
                    ["Amt für Integration"],
                    "Raum",
                    "09/2022",
                    "12/2023",
                    "8 Teilnehmende pro Treffen",
                    "umgesetzt",
                ),
                (
                    "Sprechstunde im Stadtteilbüro",
                    "Offene Sprechstunde der Migrationsberatung im Stadtteilbüro Sankt Mang",
                    "Neuzugewanderte",
                    "Migrationsberatung Caritas",
                    ["Stadtteilbüro Sankt Mang", "Diakonie Integrationslots*innen"],
                    "Personalstunden",
                    "01/2023",
                    "12/2024",
                    "2 Sprechstunden pro Monat",
                    "mitte",
                ),
            ],
        ),
        (
            "Neuzugewanderte Frauen kennen Wege in Ausbildung und Beruf",
            "",
            [
                (
                    "Vortragsreihe berufliche Qualifikation",
                    "Vorträge zur Anerkennung ausländischer Abschlüsse und zu beruflicher Qualifikation",
                    "Neuzugewanderte Frauen",
                    "Jobcenter Kempten",
                    ["Agentur für Arbeit", "Sozialdienst muslimischer Frauen e.V."],
                    "Referent*innen, Kinderbetreuung",
                    "2022",
                    "2023",
                    "15 neuzugewanderte Frauen pro Vortrag",
                    "gefaehrdet",
                ),
                (
                    "Zukunft bringt's",
                    "Berufsorientierung mit Agentur für Arbeit, Schulen und Vereinen",
                    "Jugendliche mit Migrationshintergrund",
                    "Unterausschuss „Zukunft bringt's“",
                    ["Agentur für Arbeit", "Berufsschule I", "Stadtjugendring Kempten"],
                    "Messestand, Flyer",
                    "Herbst 2022",
                    "laufend",
                    "3 Veranstaltungen pro Jahr",
                    "anfang",
                ),
                (
                    "Berufsbezogener Sprachkurs",
                    "Berufsbezogene Sprachkurse zielgruppenspezifisch ausbauen "
                    "(Bundes- und Landesprogramme nutzen)",
                    "Erwerbstätige mit Sprachbedarf",
                    "Bildungsträger vhs Kempten",
                    ["Jobcenter Kempten", "IHK Schwaben", "HWK Schwaben"],
                    "Fördermittel",
                    "01/2025",
                    "12/2026",
                    "2 zusätzliche Kurse pro Jahr",
                    "zukuenftig",
                ),
            ],
        ),
    ],
}


def test_sample_preview_lists_everything_new_and_flags_only_the_season(empty_doc: Document) -> None:
    preview = preview_document(empty_doc, SAMPLE)
    assert not preview.errors
    kinds = [item.kind for item in preview.new]
    assert kinds.count("field") == 2
    assert kinds.count("goal") == 3
    assert kinds.count("measure") == 8
    assert preview.changed == [] and preview.missing == [] and preview.unchanged == []
    # A season is a rough date: kept as text with a hint (issue #18), not a warning.
    assert preview.warnings == []
    rough = [i for i in preview.infos if "ungefähre Zeitangabe" in i.message]
    assert len(rough) == 1
    hint = rough[0]
    assert (hint.sheet, hint.row, hint.column) == ("Umsetzung", 9, 9)
    assert hint.text().startswith("Blatt ‚Umsetzung‘, Zeile 9, Spalte I: „Herbst 2022“")


def test_sample_imports_every_value(empty_doc: Document) -> None:
    import_file(empty_doc, SAMPLE)
    with empty_doc.reading() as s:
        data = dump_plan(s)
    # Fields in the order of their numbering in the file (goals 1.x before 2.x).
    assert [f["title"] for f in data["fields"]] == ["Sprache und Bildung", "Arbeit und Ausbildung"]
    for f in data["fields"]:
        expected_goals = EXPECTED[f["title"]]
        assert [g["title"] for g in f["goals"]] == [g[0] for g in expected_goals]
        for g, (_title, indicator, measures) in zip(f["goals"], expected_goals, strict=True):
            assert g["indicator"] == indicator
            got = [
                (
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
                for m in g["measures"]
            ]
            assert got == measures
    assert sum(len(g["measures"]) for f in data["fields"] for g in f["goals"]) == 8
    numbers = [m["number"] for f in data["fields"] for g in f["goals"] for m in g["measures"]]
    assert numbers == ["1.1.1", "1.1.2", "2.1.1", "2.1.2", "2.1.3", "2.2.1", "2.2.2", "2.2.3"]


def test_sample_import_twice_changes_nothing(empty_doc: Document) -> None:
    import_file(empty_doc, SAMPLE)
    again = preview_document(empty_doc, SAMPLE)
    assert again.new == [] and again.changed == [] and again.missing == []
    assert len(again.unchanged) == 11


def test_sample_into_default_document_matches_fields_by_name(default_doc: Document) -> None:
    preview = preview_document(default_doc, SAMPLE)
    assert not preview.errors
    assert [i for i in preview.new if i.kind == "field"] == []
