"""Benchmark: Excel export and import of a synthetic plan, each next to plain openpyxl doing the same I/O.

    python -m bench.bench_excel [--measures 10000] [--repeat 3]

Export is compared with openpyxl in write-only mode appending the same cell values to the same sheets;
import (read, understand, compare with the document: the preview) with openpyxl in read-only mode reading
every cell of the same workbook. Both baselines run in the same process, right before the measured code.
Also: importing a workbook into an empty document (all items new) and the three-way merge of a
returned workbook (Rückmeldebogen of every measure, every 10th changed) with its base, both against
openpyxl read-only reading the same workbook. Target: at most 1.5× each.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from bench.synthetic import make_synthetic_document
from kik_desktop.exchange.excel_export import export_document, load_table
from kik_desktop.exchange.excel_import import apply_import, preview_document
from kik_desktop.store import create_document, open_document


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
    """The cell values of the export's table sheet ("Alle Maßnahmen": one row per measure, the twelve
    columns, the three ids, the field and the priority; month/year dates as dates, the status as its
    label), written by openpyxl's write-only mode, nothing else: no styles, widths, row heights or
    validations. Until 30.11.2026 this wrote the old layout (an "Alle" sheet plus one sheet per field,
    every measure twice) while the export writes every measure once, which made the ratio look better
    than it was."""
    from kik_desktop.domain.dates import parse_month_year
    from kik_desktop.domain.plan import PRIORITIES
    from kik_desktop.domain.queries import statuses

    with doc.reading() as s:
        fields = load_table(s)
        labels = {st.key: st.label for st in statuses(s)}
    wb = Workbook(write_only=True)

    def when(text: str) -> Any:
        if not text:
            return None
        parsed = parse_month_year(text)
        if parsed.year is not None and parsed.month is not None:
            return datetime(parsed.year, parsed.month, 1)
        return text

    ws = wb.create_sheet("Alle Maßnahmen")
    ws.append(["Kommunales Integrationskonzept Kempten (KIK) – Umsetzungstabelle"])
    ws.append(["Stand"])
    ws.append([f"Spalte {i}" for i in range(1, 18)])
    for f in fields:
        field_text = f"{f.number} {f.name}"
        for g in f.goals:
            for m in g.measures:
                v = m.values
                ws.append(
                    [
                        f"{g.number} {g.title}",
                        g.indicator,
                        f"{m.number} {v['title']}",
                        v["description"],
                        v["target_group"],
                        v["responsible"],
                        v["actors"],
                        v["needs"],
                        when(v["start"] or ""),
                        when(v["end"] or ""),
                        v["success_indicator"],
                        labels.get(v["status_key"] or ""),
                        m.uid,
                        g.uid,
                        f.uid,
                        field_text,
                        PRIORITIES.get(v["priority"] or 0),
                    ]
                )
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


def import_new(folder: Path, xlsx: Path, name: str = "fresh.kik") -> tuple[float, float, int]:
    """Import a workbook into an empty document (read, preview, write in one transaction, as the CLI
    without its backup); (wall, CPU, new items). The empty document is made outside the timing."""
    path = folder / name
    if path.exists():
        path.unlink()
    fresh = create_document(path)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        preview = preview_document(fresh, xlsx)
        with fresh.transaction() as s:
            apply_import(s, preview)
        return time.perf_counter() - t0, time.process_time() - c0, len(preview.new)
    finally:
        fresh.close()


def make_returned(doc: Any, out: Path, every: int = 10) -> Path:
    """A return workbook of every measure (Rückmeldebogen), as a working group sends it back: every
    EVERY-th measure with another status and a changed text. Not timed."""
    from kik_desktop.exchange.return_workbook import TABLE_SHEET, all_scope, write_return_workbook

    with doc.transaction() as s:
        write_return_workbook(s, all_scope(s), out)
    wb = load_workbook(out)
    ws = wb[TABLE_SHEET]
    header_row, columns = 0, {}
    for row in ws.iter_rows(min_row=1, max_row=12):
        names = {str(c.value or "").strip(): c.column for c in row}
        if "Status" in names:
            header_row, columns = row[0].row, names
            break
    status_col = columns.get("Status")
    text_col = next((c for n, c in columns.items() if n.startswith("Bedarfe")), None)
    if header_row and status_col:
        statuses = ["umgesetzt", "Anfang", "Mitte", "Ende"]
        for i, r in enumerate(range(header_row + 1, ws.max_row + 1, every)):
            if ws.cell(r, status_col).value not in (None, ""):
                ws.cell(r, status_col).value = statuses[i % len(statuses)]
            if text_col:
                ws.cell(r, text_col).value = f"SYNTH geändert {i}"
    wb.save(out)
    return out


def merge_returned(doc: Any, returned: Path) -> tuple[float, float, str]:
    """Three-way merge of a returned workbook with its base and the document (read, preview, write in
    one transaction); (wall, CPU, summary). Run on a copy: it writes."""
    from kik_desktop.domain.merge_apply import prepare_merge
    from kik_desktop.exchange.return_import import preview_return

    t0, c0 = time.perf_counter(), time.process_time()
    with doc.transaction() as s:
        preview = preview_return(s, returned)
        assert preview is not None and not preview.has_errors, preview and preview.format_text()
        prepare_merge(preview).redo(s)
    return time.perf_counter() - t0, time.process_time() - c0, preview.summary()


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

        base_new, _ = timed(lambda: plain_read(out), args.repeat)
        new_wall, _cpu, n_new = import_new(folder, out)
        print(
            f"new items: {new_wall:6.2f} s   plain openpyxl read-only : {base_new:6.2f} s   "
            f"ratio {new_wall / base_new:4.2f}×   (into an empty document, {n_new} new items)"
        )

        copy = folder / "merge.kik"
        doc.close()
        shutil.copyfile(folder / "synth.kik", copy)
        with open_document(copy) as target:
            returned = make_returned(target, folder / "returned.xlsx")
            base_m, _ = timed(lambda: plain_read(returned), args.repeat)
            merge_wall, _cpu, summary = merge_returned(target, returned)
        print(
            f"merge    : {merge_wall:6.2f} s   plain openpyxl read-only : {base_m:6.2f} s   "
            f"ratio {merge_wall / base_m:4.2f}×   (returned workbook: {summary})"
        )


if __name__ == "__main__":
    main()
