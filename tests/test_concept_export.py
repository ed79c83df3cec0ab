"""The full Excel export's sheets "Konzept" and "Steuerungsgruppe"; the report names the predecessor."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kik_desktop.domain import concept
from kik_desktop.domain.edition import write_next_edition
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.store import Document, open_document

pytestmark = pytest.mark.both_backends


def test_export_has_concept_and_steering_sheets(default_doc: Document, tmp_path: Path) -> None:
    with default_doc.transaction() as s:
        concept.update_concept(s, {"motto": "=1+1 bleibt Text"})
        concept.add_steering_member(s, {"area": "Ehrenamt", "role": "Sprecherin", "members": "A. B."})
        seats = concept.steering_rows(s)
        values = concept.concept_values(s)
    out = tmp_path / "export.xlsx"
    result = export_document(default_doc, out)
    assert result.sheets[-2:] == ["Konzept", "Steuerungsgruppe"]
    wb = openpyxl.load_workbook(out)
    rows = {r[0]: r[1] for r in wb["Konzept"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Name des Konzepts"] == values["concept_name"]
    assert rows["Datum des Beschlusses"] == "18.11.2021"
    assert rows["Integrationsverständnis"] == values["understanding"]
    motto = next(c for c in wb["Konzept"]["B"] if c.value == "=1+1 bleibt Text")
    assert motto.data_type == "s"  # text, never a formula
    assert "Vorgängerfassung" not in rows
    steering = [r for r in wb["Steuerungsgruppe"].iter_rows(min_row=5, values_only=True) if any(r)]
    assert [tuple(x or "" for x in r[:3]) for r in steering] == [
        (x["area"], x["role"], x["members"]) for x in seats
    ]


@pytest.mark.sqlite_only(reason="the next edition is written from a .kik file (test_edition.py)")
def test_export_and_report_of_next_edition_name_the_predecessor(
    default_doc: Document, tmp_path: Path
) -> None:
    source = default_doc.path
    default_doc.close()
    result = write_next_edition(source, tmp_path / "zwei.kik", name="Zweites KIK")
    with open_document(result.path) as doc:
        out = tmp_path / "zwei.xlsx"
        export_document(doc, out)
        wb = openpyxl.load_workbook(out)
        rows = {r[0]: r[1] for r in wb["Konzept"].iter_rows(values_only=True) if r and r[0]}
        assert rows["Vorgängerfassung"] == "Das 1. Kommunale Integrationskonzept Kemptens (KIK)"
        assert rows["Fassung"] == "2" and rows["Name des Konzepts"] == "Zweites KIK"


@pytest.mark.sqlite_only(reason="the next edition is written from a .kik file (test_edition.py)")
def test_report_title_page_names_the_predecessor(default_doc: Document, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from kik_desktop.reports import PrintOptions, print_document

    source = default_doc.path
    first = tmp_path / "eins.pdf"
    print_document(default_doc, "bericht", first, PrintOptions())
    assert "Fortschreibung von" not in (PdfReader(first).pages[0].extract_text() or "")
    default_doc.close()
    result = write_next_edition(source, tmp_path / "zwei.kik")
    out = tmp_path / "zwei.pdf"
    with open_document(result.path) as doc:
        print_document(doc, "bericht", out, PrintOptions())
    cover = " ".join((PdfReader(out).pages[0].extract_text() or "").split())
    assert "Fortschreibung von" in cover
    assert "„Das 1. Kommunale Integrationskonzept Kemptens (KIK)“ (Fassung 1)" in cover
    assert "Das 2. Kommunale Integrationskonzept" in cover


def test_legend_edit_reaches_the_export_drop_down_and_fills(default_doc: Document, tmp_path: Path) -> None:
    with default_doc.transaction() as s:
        concept.update_status(s, "gefaehrdet", {"label": "kritisch", "color": "C00000"})
    out = tmp_path / "legende.xlsx"
    export_document(default_doc, out)
    wb = openpyxl.load_workbook(out)
    legend = wb["Legende"]
    # The drop-down of the status column lists the legend sheet's B4:B9.
    dv = wb["Alle Maßnahmen"].data_validations.dataValidation[0]
    assert "Legende" in dv.formula1 and "$B$4" in dv.formula1
    row = next(r for r in legend.iter_rows(min_row=4, max_row=9) if r[2].value == "gefaehrdet")
    assert row[1].value == "kritisch"
    assert row[0].fill.fgColor.rgb.endswith("C00000")
