"""Messy workbooks and CSV files as the city's offices make them (issue #18), built at test time.

``build_messy_corpus(folder)`` writes every case and returns them with what the import must read: per
measure title the expected values (only the keys given are checked), the goals, and hints the preview must
give. Run as a script to write the corpus into a folder: ``python tests/corpus/messy.py OUTDIR``.
Each case is a different office's layout; no two are alike.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.colors import Color
from openpyxl.worksheet.worksheet import Worksheet


@dataclass
class MessyCase:
    name: str
    what: str
    path: Path
    measures: dict[str, dict[str, Any]]  # title → expected values (dump_plan keys)
    goals: list[str]  # every goal title the import must create, in any order
    hints: list[str] = field(default_factory=list)  # texts that must appear among warnings/infos
    absent: list[str] = field(default_factory=list)  # texts that must not become a goal or measure


def solid(color: str | Color) -> PatternFill:
    return PatternFill(fill_type="solid", fgColor=color)


def _widths(ws: Worksheet, widths: list[float]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + i)].width = w


def _wrap(ws: Worksheet) -> None:
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# ----------------------------------------------------------------------------------------------
# 1. The reply workbook of the issue: title block, group header row, renamed columns, goals merged
#    down, real Excel dates MM/YYYY, multi-line actors, colour words and a fill-only status, legend block
#    and footnote below the table on the same sheet.
# ----------------------------------------------------------------------------------------------


def reply_workbook(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Rückmeldung AG Bildung"
    ws["A1"] = "Kommunales Integrationskonzept Kempten – Rückmeldung der AG Bildung"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:J1")
    ws["A2"] = "Handlungsfeld 1: Sprache und Bildung"
    ws["A3"] = "Stand: 15.03.2024"
    top = {
        "A": "Ziel",
        "B": "Maßnahme",
        "D": "Zuständig",
        "E": "Beteiligte",
        "F": "Bedarf",
        "G": "Zeitraum der Umsetzung",
        "I": "Erfolgskriterien",
        "J": "Ampel",
    }
    for col, text in top.items():
        ws[f"{col}5"] = text
        ws[f"{col}5"].font = Font(bold=True)
    for col in "ADEFIJ":
        ws.merge_cells(f"{col}5:{col}6")
    ws.merge_cells("B5:C5")
    ws.merge_cells("G5:H5")
    for cell, text in {"B6": "Nr.", "C6": "Titel", "G6": "von", "H6": "bis"}.items():
        ws[cell] = text
        ws[cell].font = Font(bold=True)
    rows = [
        [
            "1.1 Kinder lernen früh Deutsch",
            "1.1.1",
            "Sprachkitas ausbauen",
            "Amt für Kindertagesstätten",
            "Kita-Träger\nFachberatung",
            "Personal",
            datetime(2023, 9, 1),
            datetime(2025, 7, 31),
            "10 Sprachkitas",
            "grün",
        ],
        [
            None,
            "1.1.2",
            "Vorlesepaten",
            "Stadtbibliothek",
            "Ehrenamtliche\nVolkshochschule",
            "",
            datetime(2024, 1, 15),
            None,
            "30 Paten",
            "hellgrün",
        ],
        [
            None,
            "1.1.3",
            "Elternkurse Sprache",
            "Volkshochschule",
            "Familienstützpunkte",
            "Räume",
            datetime(2024, 3, 1),
            datetime(2024, 12, 1),
            "",
            None,
        ],
        [
            "1.2 Der Übergang Schule–Beruf gelingt",
            "1.2.1",
            "Berufsorientierung mehrsprachig",
            "Agentur für Arbeit",
            "Mittelschulen\nJobcenter",
            "Dolmetscher",
            datetime(2022, 10, 1),
            datetime(2023, 6, 30),
            "200 Jugendliche",
            "gelb",
        ],
        [
            None,
            "1.2.2",
            "Ausbildungspaten",
            "Bildungsbüro",
            "IHK Schwaben",
            "",
            datetime(2023, 2, 1),
            None,
            "",
            "rot",
        ],
        [
            None,
            "1.2.3",
            "Praktikumsbörse",
            "Bildungsbüro",
            "",
            "",
            datetime(2025, 1, 1),
            datetime(2025, 12, 1),
            "",
            "grau",
        ],
    ]
    for i, values in enumerate(rows):
        r = 7 + i
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c, v)
            if isinstance(v, datetime):
                cell.number_format = "MM/YYYY"
    ws.merge_cells("A7:A9")
    ws.merge_cells("A10:A12")
    ws["J9"].fill = solid("FFFF00")  # fill only, no text
    ws["A14"] = "Legende"
    ws["A14"].font = Font(bold=True)
    legend = [
        ("00B050", "umgesetzt"),
        ("92D050", "Ende"),
        ("FFFF00", "Mitte"),
        ("FFC000", "Anfang"),
        ("FF0000", "gefährdet"),
        ("BFBFBF", "zukünftig"),
    ]
    for i, (rgb, label) in enumerate(legend):
        ws.cell(15 + i, 1).fill = solid(rgb)
        ws.cell(15 + i, 2, label)
    ws["A22"] = "* Termine vorläufig; die Abstimmung mit dem Schulamt läuft noch."
    _widths(ws, [30, 7, 26, 22, 22, 12, 10, 10, 16, 10])
    _wrap(ws)
    wb.save(path)
    return MessyCase(
        "antwort_ag_bildung.xlsx",
        "Rückmeldung mit Titelblock, Gruppenkopf, umbenannten Spalten, verbundenen Zielen, Farbwörtern",
        path,
        {
            "Sprachkitas ausbauen": {
                "goal": "Kinder lernen früh Deutsch",
                "responsible": "Amt für Kindertagesstätten",
                "actors": ["Kita-Träger", "Fachberatung"],
                "needs": "Personal",
                "start": "09/2023",
                "end": "07/2025",
                "success_indicator": "10 Sprachkitas",
                "status": "umgesetzt",
                "number": "1.1.1",
            },
            "Vorlesepaten": {
                "actors": ["Ehrenamtliche", "Volkshochschule"],
                "start": "01/2024",
                "end": "",
                "status": "ende",
            },
            "Elternkurse Sprache": {"start": "03/2024", "end": "12/2024", "status": "mitte"},
            "Berufsorientierung mehrsprachig": {
                "goal": "Der Übergang Schule–Beruf gelingt",
                "status": "mitte",
                "actors": ["Mittelschulen", "Jobcenter"],
                "start": "10/2022",
                "end": "06/2023",
            },
            "Ausbildungspaten": {"status": "gefaehrdet", "actors": ["IHK Schwaben"]},
            "Praktikumsbörse": {"status": "zukuenftig", "start": "01/2025", "end": "12/2025"},
        },
        ["Kinder lernen früh Deutsch", "Der Übergang Schule–Beruf gelingt"],
        hints=["Fußnote"],
        absent=["Legende", "Termine vorläufig", "Stand: 15.03.2024"],
    )


# ----------------------------------------------------------------------------------------------
# 2. A plain table followed by a blank row, a "Hinweis:" note and a loose sentence in the goal column.
# ----------------------------------------------------------------------------------------------


def note_after_blank(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "HF 2 Arbeit"
    ws.append(["Ziel", "Maßnahme", "Beschreibung", "Verantwortlich", "Beginn", "Ende", "Status"])
    ws.append(
        [
            "2.1 Zugewanderte finden Arbeit",
            "Jobmesse",
            "Jährliche Messe",
            "Jobcenter",
            "04/2023",
            "laufend",
            "umgesetzt",
        ]
    )
    ws.append(
        [None, "Bewerbungstraining", "Kurse", "Jobcenter", "09/2023", "12/2024", "in Umsetzung (Mitte)"]
    )
    ws.append([None, "Anerkennungsberatung", "", "IQ-Netzwerk", "2024", "", "zukünftiger Termin"])
    ws.append([])
    ws.append(["Hinweis: Die Maßnahmen werden im Herbst neu bewertet."])
    ws.append(["Bitte die Tabelle bis Ende Mai an das Integrationsbüro zurücksenden."])
    _widths(ws, [34, 24, 20, 16, 10, 10, 22])
    wb.save(path)
    return MessyCase(
        "hinweis_nach_leerzeile.xlsx",
        "Tabelle, Leerzeile, „Hinweis: …“ und ein loser Satz in der Zielspalte",
        path,
        {
            "Jobmesse": {
                "goal": "Zugewanderte finden Arbeit",
                "start": "04/2023",
                "end": "laufend",
                "status": "umgesetzt",
            },
            "Bewerbungstraining": {"start": "09/2023", "end": "12/2024", "status": "mitte"},
            "Anerkennungsberatung": {"start": "2024", "status": "zukuenftig", "responsible": "IQ-Netzwerk"},
        },
        ["Zugewanderte finden Arbeit"],
        hints=["Anmerkung", "steht unter der Tabelle"],
        absent=["Hinweis", "Bitte die Tabelle"],
    )


# ----------------------------------------------------------------------------------------------
# 3.–5. CSV files: German Excel (semicolons, Windows-1252, TT.MM.JJJJ), UTF-8 with BOM and commas, UTF-8
#        without BOM with a title line and rough dates.
# ----------------------------------------------------------------------------------------------


def csv_german_excel(path: Path) -> MessyCase:
    text = (
        "Ziel;Maßnahme;Zuständig;Partner;Beginn;Ende;Ampel\r\n"
        "3.1 Gesundheitsangebote sind bekannt;Gesundheitslotsen;Gesundheitsamt;MiMi, Caritas und Diakonie;"
        "01.03.2023;31.12.2024;grün\r\n"
        ";Mehrsprachige Infoblätter;Gesundheitsamt;Ärztekammer;15.05.2023;;Mitte\r\n"
        "3.2 Pflege öffnet sich;Kultursensible Pflege;Pflegestützpunkt;Seniorenbeirat;"
        "01.01.2024;;gefährdet\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    return MessyCase(
        "excel_de.csv",
        "CSV aus deutschem Excel: Semikolon, Windows-1252, TT.MM.JJJJ",
        path,
        {
            "Gesundheitslotsen": {
                "goal": "Gesundheitsangebote sind bekannt",
                "responsible": "Gesundheitsamt",
                "actors": ["MiMi", "Caritas", "Diakonie"],
                "start": "03/2023",
                "end": "12/2024",
                "status": "umgesetzt",
            },
            "Mehrsprachige Infoblätter": {"actors": ["Ärztekammer"], "start": "05/2023", "status": "mitte"},
            "Kultursensible Pflege": {
                "goal": "Pflege öffnet sich",
                "start": "01/2024",
                "status": "gefaehrdet",
            },
        },
        ["Gesundheitsangebote sind bekannt", "Pflege öffnet sich"],
        hints=["Trennzeichen „;“", "Windows-1252"],
    )


def csv_utf8_bom_comma(path: Path) -> MessyCase:
    text = (
        "Ziel,Maßnahme,Beschreibung,Verantwortlich,Akteur*innen,Beginn,Umsetzung bis wann?,Status\n"
        '"4.1 Ehrenamt ist vielfältig","Ehrenamtsbörse","Vermittlung, Beratung und Fortbildung",'
        '"Freiwilligenagentur","Vereine\nMigrantenorganisationen","03/2024","März 2025",'
        '"in Umsetzung (Anfang)"\n'
        ',"Dankeschön-Abend","","Integrationsbüro","Oberbürgermeister","11/2024","11/2024","Ende"\n'
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return MessyCase(
        "utf8_bom_komma.csv",
        "CSV mit Komma, UTF-8 mit BOM, Zeilenumbrüche in Anführungszeichen",
        path,
        {
            "Ehrenamtsbörse": {
                "goal": "Ehrenamt ist vielfältig",
                "description": "Vermittlung, Beratung und Fortbildung",
                "actors": ["Vereine", "Migrantenorganisationen"],
                "start": "03/2024",
                "end": "03/2025",
                "status": "anfang",
            },
            "Dankeschön-Abend": {"start": "11/2024", "end": "11/2024", "status": "ende"},
        },
        ["Ehrenamt ist vielfältig"],
        hints=["Trennzeichen „,“", "UTF-8 (mit BOM)"],
    )


def csv_utf8_title(path: Path) -> MessyCase:
    text = (
        "Umsetzungstabelle Handlungsfeld 6 – Wohnen;;;;;\n"
        ";;;;;\n"
        "Ziele;Maßnahmen;Verantwortlichkeit;Beginn;Ende;Umsetzungsstand\n"
        "6.1 Wohnraum ist erreichbar;Wohnungsbörse;Amt für Wohnen;Q2/2024;2. Hj. 2025;Anfang\n"
        ";Mietführerschein;Caritas;ab 2023;Herbst 2025;umgesetzt\n"
        ";;;;;\n"
        "Stand: 01.04.2024;;;;;\n"
    )
    path.write_text(text, encoding="utf-8")
    return MessyCase(
        "utf8_titel.csv",
        "CSV UTF-8 ohne BOM mit Titelzeile, ungefähren Terminen und Stand-Zeile",
        path,
        {
            "Wohnungsbörse": {
                "goal": "Wohnraum ist erreichbar",
                "start": "Q2/2024",
                "end": "2. Hj. 2025",
                "status": "anfang",
            },
            "Mietführerschein": {"start": "ab 2023", "end": "Herbst 2025", "status": "umgesetzt"},
        },
        ["Wohnraum ist erreichbar"],
        hints=["ungefähre Zeitangabe", "UTF-8"],
        absent=["Stand"],
    )


# ----------------------------------------------------------------------------------------------
# 6. Fill-only statuses in theme colours with tint and in the legacy indexed palette, explained by a legend
#    on its own sheet in the same colours.
# ----------------------------------------------------------------------------------------------


def theme_and_indexed(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Maßnahmen"
    colours = {
        "anfang": Color(theme=9),  # orange accent 6
        "ende": Color(theme=6, tint=0.3999755851924192),  # light olive green
        "gefaehrdet": Color(indexed=10),  # red
        "umgesetzt": Color(indexed=17),  # dark green 008000
        "zukuenftig": Color(theme=0, tint=-0.249977111117893),  # grey
        "mitte": Color(rgb="FFFFFF00"),
    }
    ws.append(["Teilziel", "Maßnahmentitel", "Zielgruppe", "Federführung", "Start", "Abschluss", "Stand"])
    titles = {
        "anfang": "Interkulturelle Schulungen",
        "ende": "Mehrsprachige Website",
        "gefaehrdet": "Beschwerdestelle",
        "umgesetzt": "Leitbild Vielfalt",
        "zukuenftig": "Vielfaltscheck Personal",
        "mitte": "Dolmetscherpool",
    }
    first = True
    for key, title in titles.items():
        ws.append(
            [
                "5.1 Die Verwaltung öffnet sich" if first else None,
                title,
                "Verwaltung",
                "Personalamt",
                "2024",
                "2026",
                None,
            ]
        )
        ws.cell(ws.max_row, 7).fill = solid(colours[key])
        first = False
    leg = wb.create_sheet("Legende")
    leg["A1"] = "Farben der Spalte „Stand“"
    labels = {
        "umgesetzt": "umgesetzt",
        "anfang": "in Umsetzung (Anfang)",
        "mitte": "in Umsetzung (Mitte)",
        "ende": "in Umsetzung (Ende)",
        "gefaehrdet": "gefährdet",
        "zukuenftig": "zukünftiger Termin",
    }
    for i, (key, label) in enumerate(labels.items(), start=3):
        leg.cell(i, 1).fill = solid(colours[key])
        leg.cell(i, 2, label)
    _widths(ws, [30, 28, 12, 14, 8, 10, 10])
    wb.save(path)
    return MessyCase(
        "theme_indexed.xlsx",
        "Status nur als Füllfarbe (Design-Farbe mit Aufhellung, indizierte Farben), "
        "Legende auf eigenem Blatt",
        path,
        {title: {"status": key, "goal": "Die Verwaltung öffnet sich"} for key, title in titles.items()},
        ["Die Verwaltung öffnet sich"],
    )


# ----------------------------------------------------------------------------------------------
# 7. Colour words that the file's own text legend defines differently from the palette.
# ----------------------------------------------------------------------------------------------


def text_legend(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle"
    ws["A1"] = "Arbeitsgruppe Teilhabe"
    ws.append([])
    ws.append(
        [
            "Ziele",
            "Maßnahmen",
            "Zielgruppe",
            "Federführung",
            "Kooperationspartner",
            "Start",
            "Abschluss",
            "Umsetzungsstand",
        ]
    )
    data = [
        [
            "7.1 Vereine öffnen sich",
            "Vereinslotsen",
            "Vereine",
            "Sportamt",
            "Stadtjugendring; Kreissportbund",
            "05/2023",
            "05/2025",
            "gelb",
        ],
        [None, "Schnuppertage", "Kinder", "Sportamt", "Vereine", "2024", "", "Hellgrün"],
        [None, "Übungsleiterausbildung", "Erwachsene", "Kreissportbund", "", "2023", "2024", "GRÜN"],
        [None, "Vereinsfest", "alle", "Sportamt", "", "2025", "", "grau"],
    ]
    for row in data:
        ws.append(row)
    notes = wb.create_sheet("Erläuterung")
    notes["A1"] = "Legende zur Spalte Umsetzungsstand:"
    notes["A2"] = "grün = umgesetzt"
    notes["A3"] = "hellgrün = in Umsetzung (Mitte)"
    notes["A4"] = "gelb = in Umsetzung (Anfang)"
    notes["A5"] = "rot = gefährdet"
    notes["A6"] = "grau = zukünftig"
    wb.save(path)
    return MessyCase(
        "legende_als_text.xlsx",
        "Farbwörter mit eigener Text-Legende auf einem eigenen Blatt (gelb = Anfang, hellgrün = Mitte)",
        path,
        {
            "Vereinslotsen": {"status": "anfang", "actors": ["Stadtjugendring", "Kreissportbund"]},
            "Schnuppertage": {"status": "mitte"},
            "Übungsleiterausbildung": {"status": "umgesetzt"},
            "Vereinsfest": {"status": "zukuenftig"},
        },
        ["Vereine öffnen sich"],
    )


# ----------------------------------------------------------------------------------------------
# 8. Strikethrough title (cancelled), hidden row and column, comments.
# ----------------------------------------------------------------------------------------------


def struck_hidden_comments(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "HF 8 Kultur"
    ws.append(["Ziel", "Maßnahme", "Bedarf", "Verantwortlich", "Beginn", "Ende", "Status"])
    ws.append(
        [
            "8.1 Kultur für alle",
            "Interkulturelle Woche",
            "Budget",
            "Kulturamt",
            "09/2024",
            "09/2024",
            "umgesetzt",
        ]
    )
    ws.append([None, "Festival der Kulturen", "Sponsoren", "Kulturamt", "2023", "", "gefährdet"])
    ws.append([None, "Lesungen mehrsprachig", "Honorare", "Stadtbibliothek", "2024", "", "Mitte"])
    ws.append([None, "Theaterprojekt", "", "Theater in der Stadt", "2025", "", "zukünftig"])
    ws["B3"].font = Font(strike=True)
    ws.row_dimensions[4].hidden = True
    ws.column_dimensions["C"].hidden = True
    ws["G5"].comment = Comment("Termin hängt von der Förderung ab", "Frau Beispiel")
    wb.save(path)
    return MessyCase(
        "gestrichen_ausgeblendet.xlsx",
        "Durchgestrichene Maßnahme, ausgeblendete Zeile und Spalte, Kommentar",
        path,
        {
            "Interkulturelle Woche": {"status": "umgesetzt", "needs": "Budget"},
            "Lesungen mehrsprachig": {"status": "mitte", "needs": "Honorare"},
            "Theaterprojekt": {"status": "zukuenftig"},
        },
        ["Kultur für alle"],
        hints=[
            "durchgestrichen",
            "Zeile ist in Excel ausgeblendet",
            "Spalte C ist in Excel ausgeblendet",
            "Termin hängt von der Förderung ab",
        ],
        absent=["Festival der Kulturen"],
    )


# ----------------------------------------------------------------------------------------------
# 9. Statuses coloured by conditional formats.
# ----------------------------------------------------------------------------------------------


def conditional_formats(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Ampel"
    ws.append(["Ziel", "Maßnahme", "Verantwortlich", "Beginn", "Ende", "Ampel"])
    ws.append(["9.1 Begegnung im Quartier", "Nachbarschaftscafé", "Quartiersmanagement", "2023", "", "ok"])
    ws.append([None, "Stadtteilspaziergang", "Quartiersmanagement", "2024", "", "im Verzug"])
    ws.append([None, "Gemeinschaftsgarten", "Gartenamt", "2024", "", 3])
    ws.conditional_formatting.add(
        "F2:F40",
        CellIsRule(operator="equal", formula=['"ok"'], fill=PatternFill(bgColor="00B050", fill_type="solid")),
    )
    ws.conditional_formatting.add(
        "F2:F40",
        CellIsRule(operator="equal", formula=["3"], fill=PatternFill(bgColor="FFFF00", fill_type="solid")),
    )
    rule = FormulaRule(
        formula=['NOT(ISERROR(SEARCH("Verzug",F2)))'], fill=PatternFill(bgColor="FF0000", fill_type="solid")
    )
    rule.type = "containsText"
    rule.operator = "containsText"
    rule.text = "Verzug"
    ws.conditional_formatting.add("F2:F40", rule)
    wb.save(path)
    return MessyCase(
        "bedingte_formatierung.xlsx",
        "Ampel über bedingte Formatierung (Zellwert gleich, Text enthält)",
        path,
        {
            "Nachbarschaftscafé": {"status": "umgesetzt"},
            "Stadtteilspaziergang": {"status": "gefaehrdet"},
            "Gemeinschaftsgarten": {"status": "mitte"},
        },
        ["Begegnung im Quartier"],
    )


# ----------------------------------------------------------------------------------------------
# 10. "Nr. / Titel" in one column, section rows merged across, number prefixes, a superscript footnote.
# ----------------------------------------------------------------------------------------------


def numbered_sections(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Gesamtübersicht"
    ws["A1"] = "Stand: März 2024"
    ws.append([])
    ws.append(["Ziel (Bezeichnung)", "Nr. / Titel", "Zielgruppe", "Zuständigkeit", "Bis wann?", "Status"])
    ws.append(["Handlungsfeld 5: Wohnen"])
    ws.merge_cells("A4:F4")
    ws["A4"].font = Font(bold=True)
    ws.append(
        [
            "5.1 Wohnraum ist zugänglich",
            "5.1.1 Wohnungsbörse",
            "Geflüchtete",
            "Amt für Wohnen",
            "12/2024",
            "Ende",
        ]
    )
    ws.append([None, "2) Mietführerschein", "Neuzugewanderte", "Caritas", "06/2025", "Anfang"])
    ws.append(["Handlungsfeld 6: Sport"])
    ws.merge_cells("A7:F7")
    ws.append(
        [
            "6.1 Sport verbindet",
            "Nr. 4: Schwimmkurse für Frauen",
            "Frauen",
            "Bäderbetriebe",
            "2025",
            "zukünftig",
        ]
    )
    ws.append([])
    ws.append(["¹ Angaben ohne Gewähr"])
    wb.save(path)
    return MessyCase(
        "nummern_abschnitte.xlsx",
        "„Nr. / Titel“ in einer Spalte, Abschnittszeilen über die ganze Breite, Nummern vor dem Titel, "
        "Fußnote",
        path,
        {
            "Wohnungsbörse": {"goal": "Wohnraum ist zugänglich", "end": "12/2024", "status": "ende"},
            "Mietführerschein": {"goal": "Wohnraum ist zugänglich", "status": "anfang"},
            "Schwimmkurse für Frauen": {"goal": "Sport verbindet", "status": "zukuenftig", "end": "2025"},
        },
        ["Wohnraum ist zugänglich", "Sport verbindet"],
        hints=["Fußnote"],
        absent=["Angaben ohne Gewähr", "2) Mietführerschein"],
    )


# ----------------------------------------------------------------------------------------------
# 11. A macro workbook (.xlsm) with yet other header words.
# ----------------------------------------------------------------------------------------------


def macro_workbook(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Daten"
    ws.append(
        ["Ziel", "Bezeichnung", "Verantwortlich", "Partner", "Ressourcen", "Kennzahl", "von", "bis", "Stand"]
    )
    ws.append(
        [
            "10.1 Medien erreichen alle",
            "Mehrsprachiger Newsletter",
            "Pressestelle",
            "Migrationsbeirat",
            "Übersetzungen",
            "4 Ausgaben",
            "01/2024",
            "12/2024",
            "umgesetzt",
        ]
    )
    ws.append(
        [
            None,
            "Radio-Sprechstunde",
            "Pressestelle",
            "Lokalradio und Integrationsbeirat",
            "",
            "12 Sendungen",
            "2025",
            "",
            "zukünftig",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(512))
    path.write_bytes(out.getvalue())
    return MessyCase(
        "makros.xlsm",
        "Arbeitsmappe mit Makros (.xlsm), Kopf „Bezeichnung/Partner/Ressourcen/Kennzahl/Stand“",
        path,
        {
            "Mehrsprachiger Newsletter": {
                "goal": "Medien erreichen alle",
                "actors": ["Migrationsbeirat"],
                "needs": "Übersetzungen",
                "success_indicator": "4 Ausgaben",
                "start": "01/2024",
                "end": "12/2024",
                "status": "umgesetzt",
            },
            "Radio-Sprechstunde": {"actors": ["Lokalradio", "Integrationsbeirat"], "status": "zukuenftig"},
        },
        ["Medien erreichen alle"],
        hints=["Makros"],
    )


# ----------------------------------------------------------------------------------------------
# 12. One sheet per field with a cover sheet, short status names, rough dates, Excel dates in "MMM YY",
#     actors separated by commas and "und", responsible on several lines.
# ----------------------------------------------------------------------------------------------


def sheet_per_field(path: Path) -> MessyCase:
    wb = Workbook()
    cover = wb.active
    cover.title = "Deckblatt"
    cover["A1"] = "Integrationskonzept – Fortschreibung 2024"
    cover["A3"] = "Erstellt vom Integrationsbüro"
    for name, goal, rows in (
        (
            "HF 1 Sprache",
            "1.1 Deutschkurse sind erreichbar",
            [
                [
                    "Kursfinder online",
                    "Volkshochschule\nIntegrationsbüro",
                    "Jobcenter, BAMF und Träger",
                    datetime(2023, 3, 14),
                    "2. Hj. 2024",
                    "Anfang",
                ],
                ["Kinderbetreuung bei Kursen", "Volkshochschule", "", "ab 2023", "", "Ende"],
            ],
        ),
        (
            "HF 2 Arbeit",
            "2.1 Abschlüsse werden anerkannt",
            [
                [
                    "Anerkennungslotsen",
                    "IQ-Netzwerk",
                    "Handwerkskammer, IHK",
                    "Herbst 2022",
                    datetime(2024, 11, 30),
                    "Mitte",
                ],
            ],
        ),
    ):
        ws = wb.create_sheet(name)
        ws["A1"] = f"Umsetzung {name}"
        ws["A1"].font = Font(bold=True)
        ws.append([])
        ws.append(["Ziel", "Maßnahme", "verantwortlich", "Akteure", "Beginn", "Ende", "Status"])
        for i, row in enumerate(rows):
            ws.append([goal if i == 0 else None, *row])
            for c in (5, 6):
                if isinstance(ws.cell(ws.max_row, c).value, datetime):
                    ws.cell(ws.max_row, c).number_format = "MMM YY"
    wb.save(path)
    return MessyCase(
        "blatt_je_feld.xlsx",
        "Ein Blatt je Handlungsfeld mit Deckblatt, Kurznamen, ungefähren Terminen, Excel-Daten „MMM YY“",
        path,
        {
            "Kursfinder online": {
                "goal": "Deutschkurse sind erreichbar",
                "responsible": "Volkshochschule\nIntegrationsbüro",
                "actors": ["Jobcenter", "BAMF", "Träger"],
                "start": "03/2023",
                "end": "2. Hj. 2024",
                "status": "anfang",
            },
            "Kinderbetreuung bei Kursen": {"start": "ab 2023", "status": "ende"},
            "Anerkennungslotsen": {
                "goal": "Abschlüsse werden anerkannt",
                "actors": ["Handwerkskammer", "IHK"],
                "start": "Herbst 2022",
                "end": "11/2024",
                "status": "mitte",
            },
        },
        ["Deutschkurse sind erreichbar", "Abschlüsse werden anerkannt"],
        hints=["ungefähre Zeitangabe"],
    )


# ----------------------------------------------------------------------------------------------
# 13. A landscape layout: goal indicator column, status symbols, empty rows between goal blocks,
#     a question row with only a remark.
# ----------------------------------------------------------------------------------------------


def symbols_and_gaps(path: Path) -> MessyCase:
    wb = Workbook()
    ws = wb.active
    ws.title = "Monitoring"
    ws.append(["Ziel", "Indikator", "Maßnahme", "Zielgruppen", "Zuständige Stelle", "Status"])
    ws.append(
        ["11.1 Beratung ist bekannt", "Anzahl Beratungen", "Beratungsführer", "alle", "Integrationsbüro", "✓"]
    )
    ws.append([None, None, "Sprechstunde im Rathaus", "alle", "Bürgerbüro", "◑"])
    ws.append([])
    ws.append(
        [
            "11.2 Beratung ist mehrsprachig",
            "Sprachen im Angebot",
            "Dolmetscherdienst",
            "alle",
            "Integrationsbüro",
            "◔",
        ]
    )
    ws.append([None, None, "Video-Dolmetschen", "Ämter", "IT-Amt", "✗"])
    ws.append([])
    ws.append(["Quelle: Jahresbericht 2023"])
    wb.save(path)
    return MessyCase(
        "symbole_luecken.xlsx",
        "Status als Symbole, Leerzeilen zwischen den Zielen, Quellenangabe",
        path,
        {
            "Beratungsführer": {"goal": "Beratung ist bekannt", "status": "umgesetzt"},
            "Sprechstunde im Rathaus": {"goal": "Beratung ist bekannt", "status": "mitte"},
            "Dolmetscherdienst": {"goal": "Beratung ist mehrsprachig", "status": "anfang"},
            "Video-Dolmetschen": {"status": "gefaehrdet"},
        },
        ["Beratung ist bekannt", "Beratung ist mehrsprachig"],
        absent=["Quelle"],
    )


BUILDERS: tuple[Callable[[Path], MessyCase], ...] = (
    reply_workbook,
    note_after_blank,
    csv_german_excel,
    csv_utf8_bom_comma,
    csv_utf8_title,
    theme_and_indexed,
    text_legend,
    struck_hidden_comments,
    conditional_formats,
    numbered_sections,
    macro_workbook,
    sheet_per_field,
    symbols_and_gaps,
)
FILE_NAMES = (
    "antwort_ag_bildung.xlsx",
    "hinweis_nach_leerzeile.xlsx",
    "excel_de.csv",
    "utf8_bom_komma.csv",
    "utf8_titel.csv",
    "theme_indexed.xlsx",
    "legende_als_text.xlsx",
    "gestrichen_ausgeblendet.xlsx",
    "bedingte_formatierung.xlsx",
    "nummern_abschnitte.xlsx",
    "makros.xlsm",
    "blatt_je_feld.xlsx",
    "symbole_luecken.xlsx",
)


def build_messy_corpus(folder: Path) -> list[MessyCase]:
    folder.mkdir(parents=True, exist_ok=True)
    return [build(folder / name) for build, name in zip(BUILDERS, FILE_NAMES, strict=True)]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "messy-corpus")
    for case in build_messy_corpus(out):
        print(f"{case.path}: {case.what}")
