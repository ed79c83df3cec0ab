"""PDF printouts: content checked through the extracted text (pypdf), hostile text, layout limits."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from kik_desktop.domain import plan
from kik_desktop.reports import KINDS, PrintOptions, ReportError, load_report_data, print_document, write_pdf
from kik_desktop.reports.data import at_risk_measures, homework, is_overdue, overdue_measures, status_counts
from kik_desktop.store import Document

HOSTILE = (
    '<b>Fett</b> & <img src="/etc/hostname"> <a href="https://phish.example/login">klick</a> '
    '<font size="400">groß</font> <b>Entwurf'
)
STAND = date(2026, 4, 15)


def pdf_text(path: Path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(str(path))
    return [page.extract_text() or "" for page in reader.pages], reader


def flat(pages: list[str]) -> str:
    """All pages' text with whitespace collapsed (cells wrap, so compare without line breaks) and words
    hyphenated at a line end joined again (a hyphen before a lower-case letter on the next line)."""
    return " ".join(re.sub(r"(?<=\w)-\n(?=[a-zäöüß])", "", "\n".join(pages)).split())


def unhyphenated(pages: list[str]) -> str:
    """Like flat, with words that were broken at a line end (hyphen, newline) joined again."""
    return flat([re.sub(r"-\n", "", p) for p in pages])


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def plan_doc(empty_doc: Document) -> Document:
    """Two fields with distinctive measures, responsible parties, actors, dates and statuses."""
    with empty_doc.transaction() as s:
        f1 = plan.create_item(
            s, "field", None, None, {"name": "Sprache und Bildung", "working_group": "AG Sprache"}
        )
        f2 = plan.create_item(s, "field", None, None, {"name": "Arbeit und Ausbildung"})
        g1 = plan.create_item(
            s, "goal", f1, None, {"title": "Sprachkurse ausbauen", "indicator": "Teilnehmende"}
        )
        g2 = plan.create_item(s, "goal", f1, None, {"title": "Eltern einbinden"})
        g3 = plan.create_item(s, "goal", f2, None, {"title": "Ausbildung öffnen"})
        rows: list[tuple[int, dict[str, Any]]] = [
            (
                g1,
                {
                    "title": "Alphakurs Abendschule",
                    "responsible": "Volkshochschule Kempten",
                    "actors": "Jobcenter\nAmt für Integration",
                    "start": "01/2022",
                    "end": "03/2026",
                    "success_indicator": "10 Neuzugewanderte pro Treffen",
                    "status_key": "anfang",
                },
            ),
            (
                g1,
                {
                    "title": "Bravokurs Frauen",
                    "responsible": "amt für integration",
                    "actors": "Volkshochschule Kempten",
                    "end": "2026",
                    "status_key": "gefaehrdet",
                },
            ),
            (
                g2,
                {
                    "title": "Charlie Elterncafé",
                    "responsible": "Kita-Verbund",
                    "end": "01/2025",
                    "status_key": "umgesetzt",
                },
            ),
            (
                g2,
                {
                    "title": "Delta Lesepaten",
                    "responsible": "Stadtbibliothek",
                    "actors": "Amt für Integration; Jobcenter",
                    "end": "laufend",
                    "status_key": "mitte",
                },
            ),
            (
                g3,
                {
                    "title": "Echo Praktikumsbörse",
                    "responsible": "Jobcenter",
                    "end": "12/2025",
                    "status_key": "gefaehrdet",
                },
            ),
            (g3, {"title": "Foxtrot Mentoring", "responsible": "IHK Schwaben", "status_key": None}),
        ]
        for goal, values in rows:
            plan.create_item(s, "measure", goal, None, values)
    return empty_doc


def measure_id(doc: Document, title: str) -> int:
    from sqlalchemy import select

    from kik_desktop.models import Measure

    with doc.reading() as s:
        return int(s.scalar(select(Measure.id).where(Measure.title == title)))


def test_bericht_has_every_field_goal_and_measure(plan_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    result = print_document(plan_doc, "bericht", out, PrintOptions(stand=STAND))
    pages, reader = pdf_text(out)
    assert result.pages == len(pages) > 3
    text = flat(pages)
    for name in (
        "Sprache und Bildung",
        "Arbeit und Ausbildung",
        "Sprachkurse ausbauen",
        "Eltern einbinden",
        "Ausbildung öffnen",
        "Alphakurs Abendschule",
        "Bravokurs Frauen",
        "Charlie Elterncafé",
        "Delta Lesepaten",
        "Echo Praktikumsbörse",
        "Foxtrot Mentoring",
    ):
        assert name in text, name
    for column in (
        "Beschreibung der Maßnahme",
        "Zielgruppe",
        "verantwortlich (für die Umsetzung)",
        "Akteur*innen für die Umsetzung",
        "Was wird für die Umsetzung benötigt?",
        "Beginn der Umsetzung",
        "Umsetzung bis wann?",
        "Indikator (zu entwickeln)",
        "Inhalt",
        "Statuslegende",
    ):
        assert column in text, column
    assert "10 Neuzugewanderte pro Treffen" in text
    assert "in Umsetzung (Anfang)" in text  # status as label, not only colour
    for i, page in enumerate(pages, start=1):
        assert f"Seite {i} von {len(pages)}" in page
        assert "Stand: 15.04.2026" in page
    meta = reader.metadata
    assert meta is not None and meta.title and "Gesamtbericht" in meta.title
    assert meta.author and meta.subject
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Handlungsfeld 1: Sprache und Bildung" in outline
    assert "Handlungsfeld 2: Arbeit und Ausbildung" in outline
    # The bookmark of field 2 points at the page where field 2 starts.
    dest = next(
        o for o in reader.outline if not isinstance(o, list) and o.title.startswith("Handlungsfeld 2")
    )
    page_no = reader.get_destination_page_number(dest)
    assert "Handlungsfeld 2: Arbeit und Ausbildung" in pages[page_no]
    # Table of contents lists the fields with their page numbers.
    toc = next(p for p in pages if "Inhalt" in p and "Handlungsfeld 1" in p)
    after = toc[toc.index("Handlungsfeld 2: Arbeit und Ausbildung") :]
    assert re.search(rf"[ .]{page_no + 1}\n", after)


def test_default_concept_bericht(default_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    print_document(default_doc, "bericht", out)
    text = flat(pdf_text(out)[0])
    assert "Das Integrationsverständnis Kemptens (Allgäu)" in text
    assert "Zusammenleben aktiv gestalten" in text
    assert "Beschluss des Stadtrats 18.11.2021" in text
    assert "Integration = Marathon ≠ Sprint" in text
    assert "[Beispiel]" in text


def test_handout_has_that_field_only(plan_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    print_document(plan_doc, "handout", out, PrintOptions(field=1, stand=STAND))
    pages, reader = pdf_text(out)
    text = flat(pages)
    for title in ("Alphakurs Abendschule", "Bravokurs Frauen", "Charlie Elterncafé", "Delta Lesepaten"):
        assert title in text
    for title in ("Echo Praktikumsbörse", "Foxtrot Mentoring", "Arbeit und Ausbildung"):
        assert title not in text
    assert "Notizen" in text and "Volkshochschule Kempten" in text and "01/2022" in text
    assert "10 Neuzugewanderte pro Treffen" in text and "AG Sprache" in text
    assert "✗ gefährdet" in text
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    assert f"Seite 1 von {len(pages)}" in pages[0]


def test_handout_needs_an_existing_field(plan_doc: Document, tmp_path: Path) -> None:
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ReportError, match="Handlungsfeld 7"):
        print_document(plan_doc, "handout", tmp_path / "x.pdf", PrintOptions(field=7))
    with pytest.raises(ReportError):
        print_document(plan_doc, "handout", tmp_path / "x.pdf", PrintOptions())
    assert sorted(tmp_path.iterdir()) == before  # no temporary file left behind


def test_homework_matching_is_by_entry_and_case_insensitive(plan_doc: Document) -> None:
    with plan_doc.reading() as s:
        data = load_report_data(s)
    responsible, taking_part = homework(data, "Amt für Integration")
    assert [m.title for m in responsible] == ["Bravokurs Frauen"]
    assert [m.title for m in taking_part] == ["Alphakurs Abendschule", "Delta Lesepaten"]
    responsible, taking_part = homework(data, "jobcenter")
    assert [m.title for m in responsible] == ["Echo Praktikumsbörse"]
    assert [m.title for m in taking_part] == ["Alphakurs Abendschule", "Delta Lesepaten"]
    # Part of a name is not a match.
    assert homework(data, "Integration") == ([], [])


def test_hausaufgaben_booklet(plan_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "heft.pdf"
    print_document(
        plan_doc, "hausaufgaben", out, PrintOptions(institution="Amt für Integration", stand=STAND)
    )
    pages, _ = pdf_text(out)
    text = flat(pages)
    assert "Hausaufgabenheft" in text and "Amt für Integration" in text
    for title in ("Bravokurs Frauen", "Alphakurs Abendschule", "Delta Lesepaten"):
        assert title in text
    for title in ("Charlie Elterncafé", "Echo Praktikumsbörse", "Foxtrot Mentoring", "Arbeit und Ausbildung"):
        assert title not in text
    assert "Sie sind verantwortlich (1)" in text and "an denen Sie mitwirken (2)" in text
    assert "03/2026" in text and "10 Neuzugewanderte pro Treffen" in text
    assert "verantwortlich Volkshochschule Kempten" in text
    # Grouped by field: the field heading comes before its measures.
    assert text.index("Handlungsfeld 1: Sprache und Bildung") < text.index("Bravokurs Frauen")


def test_hausaufgaben_for_unknown_institution_writes_nothing(plan_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "heft.pdf"
    with pytest.raises(ReportError, match="Caritas"):
        print_document(plan_doc, "hausaufgaben", out, PrintOptions(institution="Caritas"))
    assert not out.exists() and not list(tmp_path.glob(".kik-*"))


def test_overdue_and_at_risk(plan_doc: Document) -> None:
    with plan_doc.reading() as s:
        data = load_report_data(s)
    overdue = {m.title for m in overdue_measures(data, STAND)}
    # 03/2026 before 04/2026 -> overdue; "2026" covers December; done, "laufend" and empty never are.
    assert overdue == {"Alphakurs Abendschule", "Echo Praktikumsbörse"}
    assert {m.title for m in at_risk_measures(data)} == {"Bravokurs Frauen", "Echo Praktikumsbörse"}
    m = next(x for x in data.measures() if x.title == "Alphakurs Abendschule")
    assert not is_overdue(m, date(2026, 3, 31))
    assert is_overdue(m, date(2026, 4, 1))
    assert status_counts(data.measures()) == {"anfang": 1, "gefaehrdet": 2, "umgesetzt": 1, "mitte": 1, "": 1}


def test_status_report(plan_doc: Document, tmp_path: Path) -> None:
    mid = measure_id(plan_doc, "Foxtrot Mentoring")
    with plan_doc.transaction() as s:
        plan.update_item(s, "measure", mid, {"status_key": "ende"}, now=datetime(2026, 3, 2, 10, 0))
    out = tmp_path / "status.pdf"
    print_document(plan_doc, "status", out, PrintOptions(since=date(2026, 3, 1), stand=STAND))
    pages, reader = pdf_text(out)
    text = flat(pages)
    assert "Gefährdete Maßnahmen (2)" in text
    assert "Überfällige Maßnahmen (2)" in text
    assert "Änderungen seit 01.03.2026" in text
    assert "Statusänderungen (1)" in text and "02.03.2026" in text
    assert "Bearbeitete Maßnahmen (6)" in text  # all were created (and so edited) after the date
    # The count table: per field and in total, in the status order (umgesetzt, anfang, mitte, ende,
    # gefaehrdet, zukuenftig), then the sum.
    assert "1. Sprache und Bildung 1 1 1 0 1 0 4" in text
    assert "2. Arbeit und Ausbildung 0 0 0 1 1 0 2" in text
    assert "Gesamt 1 1 1 1 2 0 6" in text
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Gefährdete Maßnahmen" in outline and "Überfällige Maßnahmen" in outline
    risk_part = text[text.index("Gefährdete Maßnahmen (2)") : text.index("Überfällige Maßnahmen (2)")]
    assert "Bravokurs Frauen" in risk_part and "Echo Praktikumsbörse" in risk_part
    assert "Alphakurs" not in risk_part


def test_tabelle_header_on_every_page(empty_doc: Document, tmp_path: Path) -> None:
    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld"})
        g = plan.create_item(s, "goal", f, None, {"title": "Ziel"})
        for i in range(60):
            plan.create_item(
                s,
                "measure",
                g,
                None,
                {"title": f"Maßnahme Nummer {i}", "description": "Text " * 30, "status_key": "mitte"},
            )
    for paper in ("A4", "A3"):
        out = tmp_path / f"tabelle-{paper}.pdf"
        result = print_document(empty_doc, "tabelle", out, PrintOptions(paper=paper))
        pages, reader = pdf_text(out)
        assert result.pages == len(pages) > 1
        for page in pages:
            words = flat([page])
            if "Maßnahme Nummer" not in words:
                continue  # the legend's page after the table
            assert words.count("Beschreibung der Maßnahme") == 1  # the header row, once per page
            assert "Akteur*innen für die Umsetzung" in words
        text = flat(pages)
        assert all(f"Maßnahme Nummer {i}" in text for i in range(60))
        box = reader.pages[0].mediabox
        assert float(box.width) > float(box.height)
    a3 = PdfReader(str(tmp_path / "tabelle-A3.pdf")).pages[0].mediabox
    assert round(float(a3.width)) == 1191


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_text_is_printed_literally(empty_doc: Document, tmp_path: Path, kind: str) -> None:
    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld <i>kursiv</i> & Co"})
        g = plan.create_item(s, "goal", f, None, {"title": "Ziel <br/> & mehr", "indicator": "x < 5 & y > 3"})
        plan.create_item(
            s,
            "measure",
            g,
            None,
            {
                "title": HOSTILE,
                "description": HOSTILE,
                "responsible": "Amt <Integration> & Co",
                "actors": "Jobcenter",
                "end": "01/2020",
                "status_key": "gefaehrdet",
            },
        )
    out = tmp_path / f"{kind}.pdf"
    opts = PrintOptions(field=1, institution="Amt <Integration> & Co", since=date(2000, 1, 1))
    print_document(empty_doc, kind, out, opts)
    pages, reader = pdf_text(out)
    text = squeeze(unhyphenated(pages))
    if kind == "poster":  # the poster's lists show titles shortened, but literally
        assert squeeze('<b>Fett</b> & <img src="/etc/hostname">') in text
    else:
        assert squeeze(HOSTILE) in text
    if kind in ("bericht", "handout", "status", "tabelle"):
        assert squeeze("Feld <i>kursiv</i> & Co") in text
    raw = out.read_bytes()
    assert b"/URI" not in raw  # no link annotation from user text
    for page in reader.pages:
        annots = page.get("/Annots")
        for a in annots or []:
            assert "/URI" not in str(a.get_object().get("/A", {}))
    assert b"/Subtype /Image" not in raw and b"/Subtype/Image" not in raw


def test_glyphs_print_and_missing_ones_are_reported(empty_doc: Document, tmp_path: Path) -> None:
    special = "Ärger Öl Übung ß „Anführung“ ‚halb‘ – — Mitarbeiter*innen → ≠ … € Łódź Gül Кемптен"
    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld"})
        g = plan.create_item(s, "goal", f, None, {"title": "Ziel"})
        plan.create_item(s, "measure", g, None, {"title": special, "description": "erledigt ✅ 中文"})
    out = tmp_path / "tabelle.pdf"
    result = print_document(empty_doc, "tabelle", out)
    assert result.missing_glyphs == {"✅", "中", "文"}
    text = flat(pdf_text(out)[0])
    assert special in text
    assert "erledigt \ufffd \ufffd\ufffd" in text
    reader = PdfReader(str(out))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("KIKSans" in f or "DejaVu" in f for f in fonts), fonts


@pytest.mark.parametrize("kind", ["bericht", "handout", "hausaufgaben", "tabelle"])
def test_huge_cells_split_instead_of_layout_error(empty_doc: Document, tmp_path: Path, kind: str) -> None:
    word = "Donaudampfschifffahrt" * 95  # one 2,000-character word
    long_text = ("Ein sehr langer Absatz mit vielen Wörtern. " * 900)[:32_000]  # the Excel cell limit
    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld"})
        g = plan.create_item(s, "goal", f, None, {"title": word})
        plan.create_item(
            s,
            "measure",
            g,
            None,
            {
                "title": "Lang",
                "description": long_text,
                "needs": word,
                "responsible": "Jobcenter",
                "success_indicator": word,
            },
        )
    out = tmp_path / f"{kind}.pdf"
    result = print_document(empty_doc, kind, out, PrintOptions(field=1, institution="Jobcenter"))
    assert result.pages >= 3
    pages = pdf_text(out)[0]
    text = flat(pages)
    # Nothing is lost: every sentence of the 32,000-character description is printed ("Wör-" may end a
    # page and "tern." continue after the repeated header on the next, so the word's head is counted).
    assert text.count("Wör") == long_text.count("Wörtern.")
    assert "Donaudampfschifffahrt" * 10 in squeeze(unhyphenated(pages))


def test_write_is_atomic(plan_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    out.write_bytes(b"old")
    with pytest.raises(ReportError):
        print_document(plan_doc, "handout", out, PrintOptions(field=99))
    assert out.read_bytes() == b"old"
    print_document(plan_doc, "status", out)
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".kik") == ["bericht.pdf"]


def test_unknown_kind(plan_doc: Document, tmp_path: Path) -> None:
    with plan_doc.reading() as s:
        data = load_report_data(s)
    with pytest.raises(ReportError, match="Unbekannte Druckart"):
        write_pdf(data, "plakat", tmp_path / "x.pdf")


def test_cli_print(plan_doc: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kik_desktop.cli import main

    db = str(plan_doc.path)
    plan_doc.close()
    cases = [
        ["bericht", "--stand", "15.04.2026"],
        ["handout", "--field", "2"],
        ["hausaufgaben", "--institution", "Jobcenter"],
        ["status", "--since", "2026-01-01"],
        ["tabelle", "--format", "A3"],
    ]
    for args in cases:
        out = tmp_path / f"{args[0]}.pdf"
        assert main(["print", args[0], str(out), "--db", db, *args[1:]]) == 0
        assert "Seite 1 von" in PdfReader(str(out)).pages[0].extract_text()
    printed = capsys.readouterr().out
    assert "Seiten geschrieben" in printed or "Seite geschrieben" in printed
    assert "Stand: 15.04.2026" in PdfReader(str(tmp_path / "bericht.pdf")).pages[0].extract_text()
    assert main(["print", "handout", str(tmp_path / "x.pdf"), "--db", db, "--field", "9"]) == 1
    assert "Handlungsfeld 9 gibt es nicht" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["print", "status", str(tmp_path / "x.pdf"), "--db", db, "--since", "gestern"])
