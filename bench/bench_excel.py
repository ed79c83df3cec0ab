"""Benchmark: Excel export and import of a synthetic plan, each next to plain openpyxl doing the same I/O.

    python -m bench.bench_excel [--measures 10000] [--repeat 3]

Export is compared with openpyxl in write-only mode appending the same cell values to the same sheets;
import (read, understand, compare with the document: the preview) with openpyxl in read-only mode reading
every cell of the same workbook. Both baselines run in the same process, right before the measured code.
Target: at most 1.5× each.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from bench.synthetic import make_synthetic_document
from kik_desktop.exchange.excel_export import export_document, load_table
from kik_desktop.exchange.excel_import import apply_import, preview_document
from kik_desktop.store import create_document


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def plain_write(doc: Any, path: Path) -> None:
    """The same cell values in the same sheets, written by openpyxl's write-only mode, nothing else."""
    with doc.reading() as s:
        fields = load_table(s)
    wb = Workbook(write_only=True)

    def rows_of(f: Any) -> list[list[Any]]:
        out = []
        for g in f.goals:
            for m in g.measures:
                v = m.values
                out.append(
                    [
                        f"{g.number} {g.title}",
                        g.indicator,
                        f"{m.number} {v['title']}",
                        v["description"],
                        v["target_group"],
                        v["responsible"],
                        v["actors"],
                        v["needs"],
                        v["start"],
                        v["end"],
                        v["success_indicator"],
                        v["status_key"],
                        m.uid,
                        g.uid,
                        f.uid,
                    ]
                )
        return out

    ws = wb.create_sheet("Alle")
    for f in fields:
        ws.append([f"Handlungsfeld {f.number}: {f.name}"])
        for row in rows_of(f):
            ws.append(row)
    for f in fields:
        ws = wb.create_sheet(f"HF {f.number}")
        for row in rows_of(f):
            ws.append(row)
    wb.save(path)


def plain_read(path: Path) -> int:
    """Every cell value of every sheet through openpyxl's read-only mode."""
    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        doc = make_synthetic_document(folder / "synth.kik", args.measures)
        print(f"synthetic document with {args.measures} measures: {time.perf_counter() - t0:.1f} s")
        out = folder / "export.xlsx"
        base_out = folder / "plain.xlsx"

        base_w, _ = timed(lambda: plain_write(doc, base_out), args.repeat)
        ours_w, result = timed(lambda: export_document(doc, out), args.repeat)
        print(
            f"export   : {ours_w:6.2f} s   plain openpyxl write-only: {base_w:6.2f} s   "
            f"ratio {ours_w / base_w:4.2f}×   "
            f"({out.stat().st_size / 1e6:.1f} MB, {len(result.sheets)} sheets)"
        )

        base_r, cells = timed(lambda: plain_read(out), args.repeat)
        ours_r, preview = timed(lambda: preview_document(doc, out), args.repeat)
        print(
            f"import   : {ours_r:6.2f} s   plain openpyxl read-only : {base_r:6.2f} s   "
            f"ratio {ours_r / base_r:4.2f}×   ({cells} cells; preview: {preview.summary()})"
        )

        fresh = create_document(folder / "fresh.kik")
        t0 = time.perf_counter()
        new_preview = preview_document(fresh, out)
        with fresh.transaction() as s:
            apply_import(s, new_preview)
        print(
            f"import into an empty document (preview + write, {len(new_preview.new)} new items): "
            f"{time.perf_counter() - t0:.2f} s (no baseline)"
        )
        fresh.close()
        doc.close()


if __name__ == "__main__":
    main()
