"""Recomputing the status board after one edit at 10,000 measures, next to baselines from the same run.

Baselines: the cheapest possible read of the plan (``SELECT id FROM measure``, a full scan that
creates one Python int per row) and a full board computation from the database (what a board
without the in-memory patching would pay after every edit). Target: one edit → board under 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import make_synthetic_document
from kik_desktop.domain import plan
from kik_desktop.domain.board import BoardData, compute_board
from kik_desktop.models import Goal, Measure
from kik_desktop.store import Document

TODAY = date(2026, 11, 25)
SINCE = date(2026, 1, 1)
STATUSES = ("anfang", "mitte", "ende", "gefaehrdet", "umgesetzt", "zukuenftig")


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def fmt(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms   best {min(samples) * 1000:7.1f} ms"


def measure(doc: Document, repeats: int = 15) -> dict[str, list[float]]:
    """The board figures on an open document (it is edited): name → samples in seconds."""
    with doc.reading() as s:
        ids = list(s.scalars(select(Measure.id).order_by(Measure.id)))
        goal_ids = list(s.scalars(select(Goal.id).order_by(Goal.id)))

    def scan() -> None:
        with doc.reading() as s:
            s.connection().exec_driver_sql("SELECT id FROM measure").fetchall()

    def full() -> None:
        with doc.reading() as s:
            compute_board(s, TODAY, SINCE)

    with doc.reading() as s:
        data = BoardData.load(s)
    counter = iter(range(10**9))

    def status_edit() -> float:
        """One status edit as the window makes it; returns the time of the board's part."""
        i = next(counter)
        mid = ids[(i * 7919) % len(ids)]
        with doc.transaction() as s:
            result = plan.update_item(s, "measure", mid, {"status_key": STATUSES[i % len(STATUSES)]})
        start = time.perf_counter()
        data.apply(result.changes, doc.reading)
        with doc.reading() as s:
            data.compute(s, TODAY, SINCE)
        return time.perf_counter() - start

    def insert_edit() -> float:
        """One new measure (renumbers its goal): the index reads that measure only."""
        i = next(counter)
        with doc.transaction() as s:
            new = plan.create_item(s, "measure", goal_ids[i % len(goal_ids)], 0, {"title": "neu"})
        start = time.perf_counter()
        data.apply(new.changes, doc.reading)
        with doc.reading() as s:
            data.compute(s, TODAY, SINCE)
        return time.perf_counter() - start

    def compute_only() -> None:
        with doc.reading() as s:
            data.compute(s, TODAY, SINCE)

    scan()
    full()
    results = {
        "Grundlinie: SELECT id FROM measure (Vollscan)": timed(scan, repeats),
        "Grundlinie: Gesamtschau komplett aus der Datenbank": timed(full, max(3, repeats // 3)),
        "Gesamtschau nach einer Statusänderung": [status_edit() for _ in range(repeats)],
        "Gesamtschau nach einer neuen Maßnahme": [insert_edit() for _ in range(repeats)],
        "nur Berechnung aus dem Speicher": timed(compute_only, repeats),
    }
    return results


def main(measures: int = 10_000, repeats: int = 15) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        doc = make_synthetic_document(Path(tmp) / "bench.kik", measures)
        results = measure(doc, repeats)
        doc.close()
    print(f"Gesamtschau, {measures:_} Maßnahmen, {repeats} Wiederholungen".replace("_", "."))
    width = max(len(k) for k in results)
    for name, samples in results.items():
        print(f"  {name:<{width}}  {fmt(samples)}")
    after_edit = statistics.median(results["Gesamtschau nach einer Statusänderung"]) * 1000
    verdict = "erfüllt" if after_edit < 50 else "NICHT erfüllt"
    print(f"  Ziel: nach einer Änderung unter 50 ms – {verdict} ({after_edit:.1f} ms)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Gesamtschau nach einer Änderung messen.")
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    a = parser.parse_args()
    sys.exit(main(a.measures, a.repeats))
