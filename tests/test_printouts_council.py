"""Issue 14: printouts for the council and the institutions (totals, status lists, booklet, handout)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from kik_desktop.domain.board import LIST_TITLES, compute_board
from kik_desktop.reports import PrintOptions, load_report_data, print_document
from kik_desktop.reports.data import action_lists
from kik_desktop.reports.wording import count, entered, num, of_adopted
from kik_desktop.store import Document

STAND = date(2026, 11, 30)


def flat(path: Path) -> str:
    reader = PdfReader(str(path))
    pages = [re.sub(r"(?<=\w)-\n(?=[a-zäöüß])", "", p.extract_text() or "") for p in reader.pages]
    return " ".join(" ".join(p.split()) for p in pages)


def test_german_numbers_and_plurals() -> None:
    assert num(1000) == "1.000" and num(10000) == "10.000" and num(999) == "999"
    assert count(1, "Ziel") == "1 Ziel" and count(2, "Ziel") == "2 Ziele"
    assert count(1, "Hinweis") == "1 Hinweis" and count(1, "Maßnahme") == "1 Maßnahme"
    assert of_adopted(11, 43, "Ziel") == "11 von 43 Zielen"
    assert entered(4, 144, "Maßnahme") == "4 von 144 Maßnahmen erfasst"
    assert entered(4, None, "Maßnahme") == "4 Maßnahmen erfasst"


def test_adopted_totals_in_report_and_status(default_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    print_document(default_doc, "bericht", out, PrintOptions(stand=STAND))
    text = flat(out)
    # The cover: adopted against entered, not "4 Maßnahmen" alone.
    assert "6 Handlungsfelder, 43 Ziele, 144 Maßnahmen" in text
    assert "11 von 43 Zielen, 4 von 144 Maßnahmen" in text
    # Field pages: per field, what the council adopted (2: 8 goals, 27 measures).
    assert "4 von 27 Maßnahmen erfasst, 2 von 8 Zielen erfasst" in text
    assert "0 von 30 Maßnahmen erfasst, 1 von 8 Zielen erfasst" in text
    out = tmp_path / "status.pdf"
    print_document(default_doc, "status", out, PrintOptions(stand=STAND))
    text = flat(out)
    assert "4 von 144" in text and "11 von 43" in text and "4 von 27" in text


def test_status_printout_has_the_lists_of_the_status_command(default_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "status.pdf"
    print_document(default_doc, "status", out, PrintOptions(stand=STAND))
    text = flat(out)
    with default_doc.reading() as s:
        board = compute_board(s, STAND)
        data = load_report_data(s)
    lists = action_lists(data, STAND)
    for name, entries in board.lists().items():
        assert [e.number for e in lists[name]] == [e.number for e in entries], name
        assert f"{LIST_TITLES[name]}" in text
        assert f"({len(entries)})" in text
    assert len(board.without_responsible) == 3
    # Nothing addressed to the operator; the long status label once (the legend), short names in rows.
    assert "Option" not in text and "Vergleichsdatum" not in text
    assert text.count("Umsetzung nicht möglich / gefährdet / bisher nicht umgesetzt") == 1
    assert "✗ gefährdet" in text


def test_booklet_sections_for_a_field_level_actor(default_doc: Document, tmp_path: Path) -> None:
    """Jobcenter Kempten has no measure but field 2 names "Jobcenter": the booklet says so, politely."""
    out = tmp_path / "heft.pdf"
    print_document(
        default_doc, "hausaufgaben", out, PrintOptions(institution="Jobcenter Kempten", stand=STAND)
    )
    text = flat(out)
    assert "Ihre Aufgaben im Kommunalen Integrationskonzept" in text
    parts = [
        "Ihre Maßnahmen: Sie sind verantwortlich (0)",
        "Maßnahmen, an denen Sie mitwirken (0)",
        "Handlungsfelder, die Sie als Akteur*in nennen (1)",
        "Handlungsfeld 2: Arbeit und Ausbildung",
    ]
    positions = [text.index(p) for p in parts]
    assert positions == sorted(positions)
    assert "für keine Maßnahme als verantwortlich eingetragen" in text
    assert "Genannt als „Jobcenter“" in text
    assert "Tipp" not in text  # nothing addressed to the operator


def test_booklet_of_a_responsible_institution(tmp_path: Path, default_doc: Document) -> None:
    from kik_desktop.domain import plan

    with default_doc.reading() as s:
        data = load_report_data(s)
    m = data.measures()[0]
    with default_doc.transaction() as s:
        found = plan.find_by_number(s, m.number)
        assert found is not None
        mid = found[1]
        plan.update_item(
            s,
            "measure",
            mid,
            {
                "responsible": "Jobcenter Kempten",
                "actors": "Agentur für Arbeit",
                "needs": "Räume und Dolmetscher*innen",
                "end": "11/2022",
                "status_key": "zukuenftig",
            },
        )
    out = tmp_path / "heft.pdf"
    print_document(
        default_doc, "hausaufgaben", out, PrintOptions(institution="jobcenter kempten", stand=STAND)
    )
    text = flat(out)
    assert "Ihre Maßnahmen: Sie sind verantwortlich (1)" in text
    assert "Was wird benötigt? Räume und Dolmetscher*innen" in text
    assert "Partner*innen Agentur für Arbeit" in text
    assert "Überfällig: geplant bis 11/2022, seit 4 Jahren nicht abgeschlossen" in text
    assert "(davon 1 überfällig)" in text
    assert m.number in text


def test_unknown_institution_exits_1_with_closest_names(
    default_doc: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kik_desktop.cli import main

    out = tmp_path / "heft.pdf"
    code = main(
        [
            "print",
            "hausaufgaben",
            str(out),
            "--db",
            str(default_doc.path),
            "--institution",
            "Jobcentr Kempten",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "„Jobcentr Kempten“" in err and "Meinten Sie: „Jobcenter Kempten“" in err
    assert list(tmp_path.glob("*.pdf")) == [] and not any(
        p.name.startswith(".kik-") for p in tmp_path.iterdir()
    )


def test_all_booklets_and_overview(
    default_doc: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kik_desktop.cli import main
    from kik_desktop.reports.data import known_institution_names

    with default_doc.reading() as s:
        names = known_institution_names(load_report_data(s))
    folder = tmp_path / "hefte"
    folder.mkdir()
    code = main(["print", "hausaufgaben", "--alle", str(folder), "--db", str(default_doc.path)])
    assert code == 0
    files = sorted(p.name for p in folder.iterdir())
    assert "Hausaufgabenhefte – Übersicht.pdf" in files
    assert len(files) == len(names) + 1
    assert "Hausaufgabenheft Jobcenter Kempten.pdf" in files
    overview = flat(folder / "Hausaufgabenhefte – Übersicht.pdf")
    assert f"{len(names)} Institutionen" in overview and "Jobcenter Kempten" in overview


def test_hyphenation_breaks_only_where_the_dictionary_allows() -> None:
    import pyphen

    from kik_desktop.reports.fonts import FONT, register_fonts
    from kik_desktop.reports.layout import TextStyle, hyphenation_points, wrap_lines

    register_fonts()
    dic = pyphen.Pyphen(lang="de_DE")
    words = ["Austauschtreffen", "Neuzugewanderte", "Unterstützungsangebote", "Bürgerschaftliches"]
    for word in words:
        assert hyphenation_points(word) == tuple(dic.positions(word))
    # Punctuation around a word does not move the points; addresses get no dictionary breaks.
    assert hyphenation_points("(Austauschtreffen),") == tuple(
        p + 1 for p in dic.positions("Austauschtreffen")
    )
    assert hyphenation_points("www.austauschtreffen.de/kempten") == ()
    style = TextStyle(FONT, 7, 8.4)
    text = " ".join(words)
    for width in (35.0, 45.0, 60.0, 80.0):
        lines = wrap_lines(text, style, width)
        # Every break inside a word is one the dictionary allows.
        # Rebuild each word from its pieces and check every break position against the dictionary.
        word, breaks = "", []
        rebuilt: list[tuple[str, list[int]]] = []
        for line in lines:
            tokens = line.split(" ")
            for k, token in enumerate(tokens):
                at_end = k == len(tokens) - 1
                if at_end and token.endswith("-"):
                    word += token[:-1]
                    breaks.append(len(word))
                else:
                    rebuilt.append((word + token, breaks))
                    word, breaks = "", []
        assert [w for w, _ in rebuilt] == words
        for w, points in rebuilt:
            assert set(points) <= set(dic.positions(w)), (w, points)
    # The wrong breaks the review found do not happen.
    assert "Austauschtreff-" not in wrap_lines("Austauschtreffen", style, 52.0)
    # A word without an allowed break that fits is not broken at all (it is drawn narrower).
    assert wrap_lines("Xqzwrtzplkmnbvcxy", style, 20.0) == ["Xqzwrtzplkmnbvcxy"]


def _pages(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    return [
        " ".join(re.sub(r"(?<=\w)-\n(?=[a-zäöüß])", "", p.extract_text() or "").split()) for p in reader.pages
    ]


def test_handout_columns_priority_boxes_and_goal_on_continuation_pages(
    empty_doc: Document, tmp_path: Path
) -> None:
    from kik_desktop.domain import plan

    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Sprache", "adopted_measures": 30})
        g1 = plan.create_item(s, "goal", f, None, {"title": "Kurse ausbauen"})
        g2 = plan.create_item(s, "goal", f, None, {"title": "Eltern einbinden"})
        plan.create_item(s, "measure", g1, None, {"title": "Kurs A", "priority": 2, "needs": "Räume"})
        plan.create_item(s, "measure", g2, None, {"title": "Elterncafé", "actors": "Jobcenter"})
        for i in range(25):
            plan.create_item(
                s,
                "measure",
                g2,
                None,
                {"title": f"Lesepaten {i}", "description": "Vorlesen im Stadtteil " * 12},
            )
    out = tmp_path / "handout.pdf"
    print_document(empty_doc, "handout", out, PrintOptions(field=1, stand=STAND))
    pages = _pages(out)
    first = pages[0]
    for column in (
        "Nr.",
        "verantwortlich",
        "Akteur*innen",
        "Bedarfe",
        "Beginn",
        "Indikator",
        "Priorität",
        "Notizen",
    ):
        assert column in first
    # Goals flow: both goals start on the first page; the measure with priority 2 has that box ticked.
    assert "Ziel 1.1: Kurse ausbauen" in first and "Ziel 1.2: Eltern einbinden" in first
    assert "☐ 1 ☒ 2 ☐ 3" in first and "☐ 1 ☐ 2 ☐ 3" in first
    assert "2 Ziele erfasst, 27 von 30 Maßnahmen erfasst" in first
    # Every page that continues goal 1.2's measures names the goal again.
    continued = [p for p in pages[1:] if "Lesepaten" in p]
    assert continued
    assert all("Ziel 1.2: Eltern einbinden (Fortsetzung)" in p for p in continued)
    assert "Neue Maßnahmen" in pages[-1] and "☐ 1 ☐ 2 ☐ 3" in pages[-1]


def test_sheet_names_are_cut_at_word_boundaries() -> None:
    from kik_desktop.exchange.excel_export import field_sheet_title, safe_sheet_title

    used: set[str] = set()
    title = safe_sheet_title(field_sheet_title("4", "Bürgerschaftliches Engagement"), used)
    assert title == "HF 4 Bürgerschaftliches"
    again = safe_sheet_title(field_sheet_title("4", "Bürgerschaftliches Engagement"), used)
    assert again == "HF 4 Bürgerschaftliches (2)" and len(again) <= 31


def _outline_titles(reader: PdfReader) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []

    def walk(items: list, depth: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title))

    walk(reader.outline, 0)
    return out


def test_pdfs_carry_title_author_language_and_outline(default_doc: Document, tmp_path: Path) -> None:
    for kind, options in (
        ("bericht", PrintOptions(stand=STAND)),
        ("tabelle", PrintOptions(stand=STAND)),
        ("handout", PrintOptions(field=2, stand=STAND)),
    ):
        out = tmp_path / f"{kind}.pdf"
        print_document(default_doc, kind, out, options)
        reader = PdfReader(str(out))
        meta = reader.metadata
        assert meta is not None and meta.title and "Kemptens" in meta.title
        assert meta.author and "Amt für Integration" in meta.author
        assert reader.trailer["/Root"]["/Lang"] == "de-DE"
        outline = _outline_titles(reader)
        assert (0, "Handlungsfeld 2: Arbeit und Ausbildung") in outline, kind
        goals = [title for depth, title in outline if depth == 1 and title.startswith("Ziel 2.")]
        assert len(goals) == 2, (kind, outline)


def test_poster_from_the_command_line(default_doc: Document, tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A3

    from kik_desktop.cli import main

    for size, scale in (("A3", 1), ("a1", 2)):
        out = tmp_path / f"poster-{size}.pdf"
        assert main(["print", "poster", str(out), "--db", str(default_doc.path), "--format", size]) == 0
        reader = PdfReader(str(out))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert round(float(box.width)) == round(A3[1] * scale) and float(box.width) > float(box.height)
        text = flat(out)
        assert "4 von 144 Maßnahmen erfasst" in text and "11 von 43 Zielen erfasst" in text
        assert "Gefährdete Maßnahmen: 1" in text and "Maßnahmen ohne Verantwortliche: 3" in text
        assert "Stand " in text and "✗ gefährdet" in text


def test_nested_quotes_print_as_single_quotes_but_the_export_keeps_them(
    default_doc: Document, tmp_path: Path
) -> None:
    """„Beispiel „Austauschtreffen …““ prints as „Beispiel ‚Austauschtreffen …‘“ (German rule for quotes
    inside quotes); the document and the Excel export keep the text as entered."""
    from openpyxl import load_workbook

    from kik_desktop.domain.concept import update_concept
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.reports.wording import nest_quotes

    assert nest_quotes("„Beispiel „Austauschtreffen …““") == "„Beispiel ‚Austauschtreffen …‘“"
    assert nest_quotes("„A „B“ und „C““ sowie „D“") == "„A ‚B‘ und ‚C‘“ sowie „D“"
    assert nest_quotes("„a „b „c“ d“ e“") == "„a ‚b „c“ d‘ e“"  # the third level double again
    assert nest_quotes("Beispiel „Vorträge …“") == "Beispiel „Vorträge …“"  # one level stays
    assert nest_quotes("„offen und „zu“") == "„offen und ‚zu‘"
    assert nest_quotes("nur zu“ und „nur auf") == "nur zu“ und „nur auf"

    with default_doc.transaction() as s:
        update_concept(s, {"concept_name": "KIK „Kempten 2030“"})
    out = tmp_path / "heft.pdf"
    print_document(
        default_doc, "hausaufgaben", out, PrintOptions(institution="Jobcenter Kempten", stand=STAND)
    )
    text = flat(out)
    # The letter quotes the concept's name, which has quotes of its own.
    assert "das Konzept „KIK ‚Kempten 2030‘“" in text
    assert "„Kempten 2030““" not in text
    # A measure title the user wrote with nested quotes prints the same way in every printout.
    with default_doc.reading() as s:
        data = load_report_data(s)
    m = data.measures()[0]
    from kik_desktop.domain import plan

    raw = "„Beispiel „Austauschtreffen …““"
    with default_doc.transaction() as s:
        found = plan.find_by_number(s, m.number)
        assert found is not None
        plan.update_item(s, "measure", found[1], {"title": raw})
    for kind in ("bericht", "tabelle"):
        out = tmp_path / f"{kind}.pdf"
        print_document(default_doc, kind, out, PrintOptions(stand=STAND))
        text = flat(out)
        assert "„Beispiel ‚Austauschtreffen …‘“" in text, kind
        assert "Austauschtreffen …““" not in text, kind
    book = tmp_path / "export.xlsx"
    export_document(default_doc, book)
    ws = load_workbook(book)["Alle Maßnahmen"]
    titles = [ws.cell(r, 3).value for r in range(4, ws.max_row + 1)]
    assert f"{m.number} {raw}" in titles
