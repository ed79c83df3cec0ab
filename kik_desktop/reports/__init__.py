"""PDF printouts with reportlab: report, handouts, homework booklet, status report; no Qt here.

``print_document(doc, kind, out, options)`` reads the open document and writes one printout atomically.
Kinds: ``bericht``, ``handout`` (``options.field``), ``hausaufgaben`` (``options.institution``),
``status`` (``options.since``), ``tabelle`` (``options.paper`` A3/A4).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kik_desktop.reports.data import ReportData, known_institution_names, load_report_data
from kik_desktop.reports.printouts import (
    KINDS,
    PrintOptions,
    PrintResult,
    ReportError,
    write_homework_set,
    write_pdf,
)

if TYPE_CHECKING:
    from kik_desktop.store import Document


def print_document(
    doc: Document, kind: str, out: str | os.PathLike[str], options: PrintOptions | None = None
) -> PrintResult:
    """Read the plan from `doc` and write printout `kind` to `out`."""
    with doc.reading() as s:
        data = load_report_data(s)
    return write_pdf(data, kind, out, options)


__all__ = [
    "KINDS",
    "PrintOptions",
    "PrintResult",
    "ReportData",
    "ReportError",
    "known_institution_names",
    "load_report_data",
    "print_document",
    "write_homework_set",
    "write_pdf",
]
