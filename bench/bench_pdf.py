"""Benchmark the PDF printouts against LibreOffice converting our exported workbook to PDF.

    python bench/bench_pdf.py [--measures 10000] [--out DIR] [--skip-libreoffice]

Prints, in one run:
- the full report (``bericht``) of a 144-measure concept (the adopted size; target: under 2 s),
- ``bericht`` and ``tabelle`` of N synthetic measures (default 10,000),
- the baseline: ``soffice --headless --convert-to pdf`` on the exported workbook of the same N measures
  (what a user would do instead of our ``tabelle``).
Times are wall clock and, for our code, also CPU time of this process (the wall time of a busy machine
says little). The documents are synthetic (bench/synthetic.py), every title starts with "SYNTH".
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import make_synthetic_document  # noqa: E402
from kik_desktop.domain.table import TABLE_HEADERS  # noqa: E402
from kik_desktop.reports import PrintOptions, load_report_data, write_pdf  # noqa: E402
from kik_desktop.reports.fonts import register_fonts  # noqa: E402
from kik_desktop.store import Document  # noqa: E402

HEADERS = TABLE_HEADERS


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - w0, time.process_time() - c0


def print_kind(doc: Document, kind: str, out: Path) -> tuple[int, float, float]:
    def run() -> int:
        with doc.reading() as s:
            data = load_report_data(s)
        return write_pdf(data, kind, out, PrintOptions()).pages

    pages, wall, cpu = timed(run)
    return int(pages), wall, cpu


def canvas_floor(doc: Document, out: Path) -> tuple[int, float, float]:
    """The floor of reportlab for ``tabelle``: the same data (load_report_data), the same twelve columns
    in the same widths on A4 landscape, every cell text wrapped (reportlab's simpleSplit) and drawn line
    by line with a bare canvas, grid lines, the status cell filled; no flowables, no tables, no page
    furniture. Returns (pages, wall, CPU) like print_kind."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    from kik_desktop.reports.fonts import FONT
    from kik_desktop.reports.printouts import TABLE_WEIGHTS

    def run() -> int:
        with doc.reading() as s:
            data = load_report_data(s)
        page_w, page_h = landscape(A4)
        margin, size = 1.5 * cm, 7.6
        leading = size * 1.2
        total = sum(TABLE_WEIGHTS)
        widths = [(page_w - 2 * margin) * w / total for w in TABLE_WEIGHTS]
        c = Canvas(str(out), pagesize=(page_w, page_h))
        pages = 1
        y = page_h - margin
        for f in data.fields:
            for g in f.goals:
                for i, m in enumerate(g.measures):
                    texts = [
                        f"{g.number} {g.title}" if i == 0 else f"↳ {g.number}",
                        g.indicator if i == 0 else "",
                        f"{m.number} {m.title}",
                        m.description,
                        m.target_group,
                        m.responsible,
                        "\n".join(m.actors),
                        m.needs,
                        m.start,
                        m.end,
                        m.success_indicator,
                        m.status,
                    ]
                    cells = [
                        [ln for part in (t or "").split("\n") for ln in simpleSplit(part, FONT, size, w - 4)]
                        for t, w in zip(texts, widths, strict=True)
                    ]
                    height = max(len(lines) for lines in cells) * leading + 4
                    if y - height < margin:
                        c.showPage()
                        pages += 1
                        y = page_h - margin
                    x = margin
                    c.setFillColorRGB(0.9, 0.95, 0.9)
                    c.rect(x + sum(widths[:11]), y - height, widths[11], height, stroke=0, fill=1)
                    c.setFillColorRGB(0, 0, 0)
                    c.setFont(FONT, size)
                    for lines, w in zip(cells, widths, strict=True):
                        ty = y - size - 2
                        for line in lines:
                            c.drawString(x + 2, ty, line)
                            ty -= leading
                        c.rect(x, y - height, w, height, stroke=1, fill=0)
                        x += w
                    y -= height
        c.save()
        return pages

    pages, wall, cpu = timed(run)
    return int(pages), wall, cpu


def export_workbook(doc: Document, out: Path) -> str:
    """Our Excel export if it is there; else the same 12 columns with plain openpyxl."""
    try:
        from kik_desktop.exchange.excel_export import export_document
    except ImportError:
        export_document = None
    if export_document is not None:
        export_document(doc, out)
        return "kik_desktop.exchange.excel_export"
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    from kik_desktop.domain.queries import dump_plan

    with doc.reading() as s:
        dump = dump_plan(s)
    colors = {st["key"]: st["color"] for st in dump["statuses"]}
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for f in dump["fields"]:
        for g in f["goals"]:
            for m in g["measures"]:
                ws.append(
                    [
                        g["title"],
                        g["indicator"],
                        m["title"],
                        m["description"],
                        m["target_group"],
                        m["responsible"],
                        "\n".join(m["actors"]),
                        m["needs"],
                        m["start"],
                        m["end"],
                        m["success_indicator"],
                        m["status_label"],
                    ]
                )
                if m["status"]:
                    ws.cell(ws.max_row, 12).fill = PatternFill("solid", fgColor=colors[m["status"]])
    wb.save(out)
    return "plain openpyxl (12 columns)"


def _children_cpu() -> float:
    """CPU seconds of finished child processes (0 where the resource module is missing: Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


def libreoffice_pdf(xlsx: Path, outdir: Path, timeout: float) -> tuple[float | None, float, str]:
    """Wall time and CPU time (of the soffice child processes) of converting xlsx to PDF."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None, 0.0, "soffice not found"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(xlsx),
        ]
        before = _children_cpu()
        w0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, 0.0, f"timed out after {timeout:.0f} s"
        wall = time.perf_counter() - w0
        cpu = _children_cpu() - before
    pdf = outdir / (xlsx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        return None, 0.0, f"failed (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"
    return wall, cpu, f"{pdf.stat().st_size // 1024} KiB"


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measures", type=int, default=10_000)
    ap.add_argument(
        "--out", type=Path, default=None, help="folder for the documents and PDFs (default: temp)"
    )
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--lo-timeout", type=float, default=1800)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="kik-bench-pdf-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        import reportlab.lib.rl_accel as accel

        has_accel = getattr(accel.fp_str, "__module__", "") != accel.__name__
    except Exception:
        has_accel = False
    print(f"output folder: {out}")
    print(f"reportlab C accelerator (rl_accel): {'yes' if has_accel else 'no (pure Python fallbacks)'}")
    _, wall, cpu = timed(register_fonts)
    print(f"font registration (once per process): {wall:.2f} s wall, {cpu:.2f} s CPU")

    small = make_synthetic_document(out / "synth-144.kik", 144)
    pages, wall, cpu = print_kind(small, "bericht", out / "bericht-144.pdf")
    verdict = "OK" if wall < 2 else ("OK by CPU time (machine busy)" if cpu < 2 else "SLOWER than target")
    print(
        f"bericht, 144 measures: {pages} pages, {wall:.2f} s wall, {cpu:.2f} s CPU  (target < 2 s: {verdict})"
    )
    small.close()

    n = args.measures
    t0 = time.perf_counter()
    big = make_synthetic_document(out / f"synth-{n}.kik", n)
    print(f"synthetic document with {n} measures made in {time.perf_counter() - t0:.1f} s")
    results: dict[str, tuple[int, float, float]] = {}
    for kind in ("tabelle", "bericht"):
        results[kind] = print_kind(big, kind, out / f"{kind}-{n}.pdf")
        pages, wall, cpu = results[kind]
        print(f"{kind}, {n} measures: {pages} pages, {wall:.1f} s wall, {cpu:.1f} s CPU")

    xlsx = out / f"synth-{n}.xlsx"
    (how, wall, _cpu) = timed(lambda: export_workbook(big, xlsx))
    print(f"exported workbook for the baseline with {how} in {wall:.1f} s")
    big.close()
    if args.skip_libreoffice:
        print("LibreOffice baseline skipped")
        return 0
    lo_dir = out / "libreoffice"
    lo_dir.mkdir(exist_ok=True)
    lo_wall, lo_cpu, note = libreoffice_pdf(xlsx, lo_dir, args.lo_timeout)
    if lo_wall is None:
        print(f"LibreOffice baseline: {note}")
        return 1
    lo_pages = pdf_pages(lo_dir / (xlsx.stem + ".pdf"))
    pages, ours, ours_cpu = results["tabelle"]
    print(
        f"LibreOffice xlsx -> pdf, {n} measures: {lo_pages} pages, {lo_wall:.1f} s wall, "
        f"{lo_cpu:.1f} s CPU ({note})"
    )
    print()
    print(f"{'':34}{'ours (tabelle)':>16}{'LibreOffice':>14}")
    print(f"{'wall clock':34}{ours:>14.1f} s{lo_wall:>12.1f} s")
    print(f"{'CPU time':34}{ours_cpu:>14.1f} s{lo_cpu:>12.1f} s")
    print(f"{'pages':34}{pages:>16}{lo_pages:>14}")
    print(
        f"tabelle: {lo_wall / ours:.1f}x by wall clock, {lo_cpu / max(ours_cpu, 1e-9):.1f}x by CPU time "
        f"({'faster' if ours < lo_wall and ours_cpu < lo_cpu else 'NOT faster on both'} than LibreOffice)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
