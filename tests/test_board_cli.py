"""``kik-desktop status``: the board's figures and lists on the command line, as text and JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from kik_desktop.cli import main
from kik_desktop.domain import plan
from kik_desktop.domain.defaults import create_default_document


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    doc = create_default_document(path)
    with doc.transaction() as s:
        found = plan.find_by_number(s, "2.1.4")
        assert found is not None
        plan.update_item(
            s,
            "measure",
            found[1],
            {"status_key": "gefaehrdet", "end": "09/2026"},
            now=datetime(2026, 10, 5, 14, 30),
        )
    doc.close()
    return path


def test_status_text(doc_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["status", "--db", str(doc_path), "--since", "01.10.2026", "--today", "25.11.2026"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Gesamtschau der Umsetzung – Stand 25.11.2026")
    lines = out.splitlines()
    assert lines[2].split()[:3] == ["Handlungsfeld", "umgesetzt", "Anfang"]
    arbeit = next(line for line in lines if line.startswith("2 Arbeit und Ausbildung "))
    assert arbeit.split()[-8:] == ["2", "0", "0", "0", "2", "0", "0", "4"]
    assert "4 von 27 Maßnahmen erfasst, 2 von 8 Zielen erfasst; umgesetzt 50 %" in out
    assert "Gefährdete Maßnahmen: 2" in out
    assert "Überfällige Maßnahmen: 1\n  2.1.4" in out
    assert "Beginnen bald (von 11/2026 bis 02/2027): 0" in out
    assert "Statusänderungen seit 01.10.2026: 1\n  05.10.2026 14:30  2.1.4" in out
    assert "Mitte → gefährdet" in out


def test_status_json(doc_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["status", "--db", str(doc_path), "--since", "2026-10-06", "--json", "--today", "2026-11-25"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["today"] == "2026-11-25" and data["since"] == "2026-10-06"
    assert data["fields"][1]["counts"]["gefaehrdet"] == 2
    assert data["fields"][1]["counts"]["ohne_status"] == 0
    assert data["totals"]["measures"] == 4 and data["totals"]["adopted_measures"] == 144
    assert [e["number"] for e in data["lists"]["overdue"]] == ["2.1.4"]
    assert data["changes"] == []  # the change was the day before


def test_status_bad_date(doc_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(doc_path), "--since", "gestern"]) == 1
    assert "ist kein Datum" in capsys.readouterr().err


def test_status_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(tmp_path / "fehlt.kik")]) == 1
    assert "Fehler:" in capsys.readouterr().err
