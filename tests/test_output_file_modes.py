"""PDFs and workbooks are written with the same file mode: what the umask allows (0644 with umask 022)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kik_desktop.exchange.excel_export import export_document
from kik_desktop.reports import load_report_data, write_pdf
from kik_desktop.store import Document

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture(params=[0o022, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield int(request.param)
    os.umask(old)


def test_pdf_and_workbook_get_the_same_mode(small_plan: Document, tmp_path: Path, umask: int) -> None:
    with small_plan.reading() as s:
        data = load_report_data(s)
    pdf = write_pdf(data, "bericht", tmp_path / "bericht.pdf").path
    xlsx = tmp_path / "tabelle.xlsx"
    export_document(small_plan, xlsx)
    expected = 0o666 & ~umask
    assert stat.S_IMODE(pdf.stat().st_mode) == expected
    assert stat.S_IMODE(xlsx.stat().st_mode) == expected
