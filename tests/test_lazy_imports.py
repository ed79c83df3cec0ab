"""The start of the program does not pay for Excel and PDF: openpyxl and reportlab are imported when
something is exported, imported or printed, not when the window (with its Excel and print menus) is built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from kik_desktop.ui import excel_dialogs, extensions, main_window, print_dialog  # noqa: F401
from kik_desktop.exchange import excel_export, excel_import  # noqa: F401
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("openpyxl", "reportlab"))
print("HEAVY", " ".join(heavy[:5]))
"""


def test_window_modules_do_not_import_openpyxl_or_reportlab() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("HEAVY"))
    assert line.strip() == "HEAVY", f"imported at window build: {line}"


def test_export_still_loads_openpyxl_when_used(tmp_path: Path) -> None:
    from kik_desktop.domain import plan
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.exchange.excel_import import preview_document
    from kik_desktop.store import create_document

    doc = create_document(tmp_path / "d.kik")
    try:
        with doc.transaction() as s:
            f = plan.create_item(s, "field", None, values={"name": "Sprache"})
            g = plan.create_item(s, "goal", f, values={"title": "Ziel A"})
            plan.create_item(s, "measure", g, values={"title": "Sprachkurs"})
        out = tmp_path / "e.xlsx"
        result = export_document(doc, out)
        assert out.stat().st_size > 0 and result.sheets
        preview = preview_document(doc, out)
        assert not preview.has_errors, preview.format_text()
        assert {i.kind for i in preview.unchanged} == {"goal", "measure"}  # read back, nothing new
        assert not preview.new and not preview.changed
    finally:
        doc.close()


BUILT = """
import os, sys, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings
from kik_desktop.domain.defaults import create_default_document
from kik_desktop.ui.app import create_application
from kik_desktop.ui.main_window import MainWindow

app = create_application()
tmp = Path(tempfile.mkdtemp())
create_default_document(tmp / "k.kik").close()
window = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
window.show()
assert window.open_path(tmp / "k.kik")
app.processEvents()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("openpyxl", "reportlab", "pyphen"))
print("HEAVY", " ".join(heavy[:5]), flush=True)
os._exit(0)
"""


def test_built_window_with_document_has_no_excel_pdf_or_hyphenation_library() -> None:
    """The whole window, every extension installed and a document open, as the user sees it at start."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", BUILT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=180
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("HEAVY")), None)
    assert line is not None, proc.stderr[-2000:]
    assert line.strip() == "HEAVY", f"loaded by the time the window shows a document: {line}"
