"""Issue 14: printouts for the council and the institutions (totals, status lists, booklet, handout)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from kik_desktop.domain.board import LIST_TITLES, compute_board
from kik_desktop.reports import PrintOptions, load_report_data, print_document
from kik_desktop.reports.data import action_lists
from kik_desktop.reports.wording import count, entered, num, of_adopted
from kik_desktop.store import Document

STAND = date(2026, 11, 30)


def flat(path: Path) -> str:
    reader = PdfReader(str(path))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


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
