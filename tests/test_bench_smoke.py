"""The benchmark command runs and its table has every case (no time is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = (
    "Start bis erstes gezeichnetes Fenster",
    "Öffnen von 144 Maßnahmen bis der Baum gezeichnet ist",
    "Spitzenspeicher des Prozesses",
    "Tastendruck im Suchfeld",
    "Gesamtschau neu berechnet nach einer Statusänderung",
    "Excel-Export der Umsetzungstabelle",
    "Excel-Import (Lesen + Vorschau)",
    "neuen Maßnahmen in ein leeres Dokument",
    "Rückmeldebogen mit 144 Maßnahmen",
    "PDF „bericht“ des Konzepts",
    "PDF „tabelle“",
)


@pytest.mark.slow
def test_bench_run_quick_has_every_case(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    args = ["--quick", "--sizes", "144", "--no-libreoffice", "--output", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for case in CASES:
        assert any(case in row for row in rows), f"Zeile fehlt: {case}\n{text}"
    assert "## Wachstum mit der Größe" in text
    assert "Systemlast" in text
