"""Issue 14: 1,000 measures of the Excel export print on at most 100 A4 landscape pages (LibreOffice)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.excel_pages import TARGET_PAGES, export_pages
from bench.synthetic import make_synthetic_document

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("soffice") is None and shutil.which("libreoffice") is None,
        reason="LibreOffice (soffice) is not installed",
    ),
]


def test_thousand_measures_print_on_at_most_100_pages(tmp_path: Path) -> None:
    doc_path = tmp_path / "synth-1000.kik"
    make_synthetic_document(doc_path, 1000).close()
    total, per_sheet, _pdf = export_pages(doc_path, tmp_path)
    assert total <= TARGET_PAGES, per_sheet
    # Every measure is printed once: one table sheet, the rest (legend, institutions, indicators,
    # concept, steering group) a page each here.
    tables = {name: n for name, n in per_sheet.items() if name.startswith("KIK Umsetzungstabelle")}
    assert list(tables) == ["KIK Umsetzungstabelle – Alle Maßnahmen"], per_sheet
    assert total - tables["KIK Umsetzungstabelle – Alle Maßnahmen"] <= 8
