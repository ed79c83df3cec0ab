"""Command line of the reporting dates: snapshot create/list/delete, status --since-snapshot, and the
veraenderungen and zeitplan printouts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from kik_desktop.cli import main
from kik_desktop.domain import indicators as ind
from kik_desktop.domain import plan
from kik_desktop.store import Document

pytestmark = pytest.mark.both_backends


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def doc_path(small_plan: Document) -> Path | str:
    """The small plan's file, or its postgresql:// URL (the commands take either as --db)."""
    location = small_plan.location if small_plan.is_server else small_plan.path
    small_plan.close()
    return location


def test_snapshot_create_list_delete(doc_path: Path | str, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(doc_path)
    code, out, _ = _run(
        capsys, "snapshot", "create", "Fachrunde Mai 2026", "--db", db, "--date", "2026-05-12"
    )
    assert code == 0 and "Fachrunde Mai 2026" in out and "6 Maßnahmen" in out
    code, _, err = _run(capsys, "snapshot", "create", "Fachrunde Mai 2026", "--db", db)
    assert code == 1 and "gibt es schon" in err
    code, out, _ = _run(capsys, "snapshot", "list", "--db", db, "--json")
    listed = json.loads(out)
    assert [(x["label"], x["date"], x["measures"]) for x in listed] == [
        ("Fachrunde Mai 2026", "2026-05-12", 6)
    ]
    code, _, err = _run(capsys, "snapshot", "delete", "Fachrunde Mai 2026", "--db", db)
    assert code == 1 and "--yes" in err
    code, _, err = _run(capsys, "snapshot", "delete", "Fachrunde Juni", "--db", db, "--yes")
    assert code == 1 and "gibt es nicht" in err
    code, out, _ = _run(capsys, "snapshot", "list", "--db", db)
    assert "Fachrunde Mai 2026" in out
    code, out, _ = _run(capsys, "snapshot", "delete", "Fachrunde Mai 2026", "--db", db, "--yes")
    assert code == 0 and "gelöscht" in out
    code, out, _ = _run(capsys, "snapshot", "list", "--db", db)
    assert "Keine Berichtsstände" in out


@pytest.mark.sqlite_only(reason="the lock file of a .kik document")
def test_snapshot_create_honours_the_document_lock(doc_path: Path) -> None:
    before = doc_path.read_bytes()
    # Another process holds the document (a child python keeps the lock while we try).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from kik_desktop.store.lock import DocumentLock; "
            f"l=DocumentLock({str(doc_path)!r}); l.acquire(); print('x', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "x"
        result = subprocess.run(
            [sys.executable, "-m", "kik_desktop", "snapshot", "create", "X", "--db", str(doc_path)],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert result.returncode == 1
    assert "bereits geöffnet" in result.stderr
    assert doc_path.read_bytes() == before


def test_status_since_snapshot_reports_changes(
    doc_path: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(doc_path)
    assert _run(capsys, "snapshot", "create", "Alt", "--db", db, "--date", "2026-01-10")[0] == 0
    from kik_desktop.store import open_document

    with open_document(doc_path) as doc, doc.transaction() as s:
        m1 = plan.find_by_number(s, "1.1.1")
        m5 = plan.find_by_number(s, "2.1.1")
        goal = plan.find_by_number(s, "1.1")
        assert m1 and m5 and goal
        plan.update_item(s, "measure", m1[1], {"status_key": "umgesetzt", "responsible": "Amt B"})
        plan.update_item(s, "measure", m5[1], {"end": "laufend"})
        iid, _ = ind.create_indicator(s, "goal", goal[1], {"name": "Quote", "unit": "%"})
        ind.set_value(s, iid, "02/2026", 12)
    code, out, _ = _run(
        capsys, "status", "--db", db, "--json", "--since-snapshot", "Alt", "--today", "2026-03-01"
    )
    assert code == 0
    changes = json.loads(out)["changes"]
    assert changes["status_moves"] == [
        {"number": "1.1.1", "title": "M1", "field": "1", "from": "anfang", "to": "umgesetzt"}
    ]
    assert changes["responsible"] == [{"number": "1.1.1", "title": "M1", "from": "", "to": "Amt B"}]
    assert changes["postponed"] == []  # M5 had no end date: nothing moved later
    assert [(i["name"], i["to"], i["new"]) for i in changes["indicators"]] == [("Quote", 12.0, True)]
    assert changes["new"] == [] and changes["removed"] == []
    code, out, _ = _run(capsys, "status", "--db", db, "--since-snapshot", "Alt")
    assert code == 0 and "Veränderungen seit Berichtsstand „Alt“" in out and "Anfang → umgesetzt" in out
    code, _, err = _run(capsys, "status", "--db", db, "--json", "--since-snapshot", "Gibt es nicht")
    assert code == 1 and "Vorhanden: „Alt“" in err


def test_print_veraenderungen_and_zeitplan(
    doc_path: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(doc_path)
    _run(capsys, "snapshot", "create", "Fachrunde Januar", "--db", db, "--date", "2026-01-10")
    from kik_desktop.store import open_document

    with open_document(doc_path) as doc, doc.transaction() as s:
        m1 = plan.find_by_number(s, "1.1.2")
        assert m1
        plan.update_item(
            s, "measure", m1[1], {"status_key": "gefaehrdet", "start": "03/2025", "end": "06/2026"}
        )
    out_pdf = tmp_path / "v.pdf"
    code, out, _ = _run(
        capsys, "print", "veraenderungen", str(out_pdf), "--db", db, "--seit", "Fachrunde Januar"
    )
    assert code == 0 and "geschrieben" in out
    text = "".join(page.extract_text() for page in PdfReader(out_pdf).pages)
    assert "Was hat sich seit „Fachrunde Januar“ getan?" in text
    assert "1 Feld Eins – 1 Statuswechsel" in text and "M2" in text
    assert "Statusverteilung über die Berichtsstände" in text
    code, _, err = _run(
        capsys, "print", "veraenderungen", str(tmp_path / "w.pdf"), "--db", db, "--seit", "Nein"
    )
    assert code == 1 and "gibt es nicht" in err and not (tmp_path / "w.pdf").exists()

    zp = tmp_path / "z.pdf"
    code, out, _ = _run(
        capsys, "print", "zeitplan", str(zp), "--db", db, "--field", "1", "--stand", "2026-02-01"
    )
    assert code == 0
    reader = PdfReader(zp)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    pages = [p.extract_text() for p in reader.pages]
    assert all("1 Feld Eins" in p for p in pages)  # labels repeated on every page
    assert all("Feld Zwei" not in p for p in pages)
    assert any("heute 01.02.2026" in p for p in pages)
    code, _, err = _run(capsys, "print", "zeitplan", str(tmp_path / "n.pdf"), "--db", db, "--field", "9")
    assert code == 1 and "Handlungsfeld 9" in err


def test_zeitplan_of_many_rows_spans_pages_with_labels_repeated(small_plan: Document, tmp_path: Path) -> None:
    from kik_desktop.reports.timeline_report import load_timeline_print, write_timeline_report

    with small_plan.transaction() as s:
        goal = plan.find_by_number(s, "2.1")
        assert goal
        for i in range(60):
            plan.create_item(
                s, "measure", goal[1], None, {"title": f"Lang {i}", "start": "2024", "end": "laufend"}
            )
    with small_plan.reading() as s:
        data = load_timeline_print(s, date(2026, 5, 1))
    pages = write_timeline_report(data, tmp_path / "z.pdf")
    reader = PdfReader(tmp_path / "z.pdf")
    assert pages == len(reader.pages) >= 4
    texts = [p.extract_text() for p in reader.pages]
    # Every page has its axis year labels and the legend.
    assert all("überfällig" in t for t in texts)
    assert any("2.1.60 Lang 57" in t for t in texts)


def test_bericht_has_an_indicator_section_per_goal(small_plan: Document, tmp_path: Path) -> None:
    from kik_desktop.reports import print_document
    from kik_desktop.reports.printouts import PrintOptions

    with small_plan.transaction() as s:
        goal = plan.find_by_number(s, "1.1")
        assert goal
        iid, _ = ind.create_indicator(
            s,
            "goal",
            goal[1],
            {
                "name": "Sprachkursquote",
                "unit": "%",
                "baseline_value": 0,
                "baseline_date": "01/2025",
                "target_value": 100,
                "target_date": "01/2027",
            },
        )
        ind.set_value(s, iid, "01/2026", 20)
    out = tmp_path / "b.pdf"
    print_document(small_plan, "bericht", out, PrintOptions(stand=date(2026, 2, 1)))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "Indikatoren:" in text
    assert "Sprachkursquote" in text and "20 % (01/2026)" in text and "im Rückstand" in text
    # Goals without structured indicators get no section.
    assert text.count("Indikatoren:") == 1
