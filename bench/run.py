"""All benchmarks in one command: ``python -m bench.run`` prints the table and writes bench/results.md.

    python -m bench.run                      # every case; scaling at 1.000 / 10.000 / 50.000 measures
    python -m bench.run --quick              # fewer repeats (a quick look, not for the README)
    python -m bench.run --sizes 1000 10000   # other sizes; the targets are read at 10.000 (else the largest)

Every figure stands next to a baseline measured in the same run, as a ratio. Whole processes (start,
opening in the window) are timed in child processes (bench/startup.py), repeated, median reported.
The documents are synthetic (bench/synthetic.py, every title starts with "SYNTH").
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Compiled bytecode, as an installed program has it (see bench/startup.py, child_env): modules imported
# inside a timed case are not compiled from source in the timing.
sys.dont_write_bytecode = False
sys.pycache_prefix = str(
    Path(os.environ.get("KIK_BENCH_CACHE", Path.home() / ".cache" / "kik-bench")) / "pycache"
)

RESULTS = ROOT / "bench" / "results.md"
DEFAULT_SIZES = (1_000, 10_000, 50_000)
# Seconds one Excel case may spend on repeats (a case always runs at least once).
EXCEL_BUDGET = 25.0


# ---------------------------------------------------------------- formatting
def de(value: float, digits: int) -> str:
    """A number the German way: 1.234,5."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def fmt_s(seconds: float) -> str:
    if seconds < 1:
        return f"{de(seconds * 1000, 1 if seconds < 0.1 else 0)} ms"
    return f"{de(seconds, 2)} s"


def fmt_n(n: int) -> str:
    return de(n, 0)


@dataclass
class Row:
    """One line of the table: our figure, the baseline of the same run, the target."""

    case: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None
    met_by_cpu: bool | None = None  # the same target checked with CPU time instead of wall time

    def cells(self) -> list[str]:
        ratio = f"{de(self.ratio, 2)}×" if self.ratio is not None else "–"
        met = {True: "ja", False: "**nein**", None: "–"}[self.met]
        if self.met is False and self.met_by_cpu:
            met = "**nein**; nach CPU-Zeit ja"
        return [self.case, self.ours, self.baseline, ratio, self.target, met]


@dataclass
class Scaling:
    """Times of one operation at several sizes."""

    name: str
    times: dict[int, float] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- machine
def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    import openpyxl
    import PySide6
    import reportlab
    import sqlalchemy
    from PySide6.QtCore import qVersion

    soffice = shutil.which("soffice")
    lo = "nicht installiert"
    if soffice:
        try:
            proc = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
            lo = proc.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            lo = "?"
    return {
        "CPU": f"{cpu}, {os.cpu_count()} Kerne",
        "RAM": ram,
        "System": os_name,
        "Python": platform.python_version(),
        "Qt": f"PySide6 {PySide6.__version__}, Qt {qVersion()}",
        "Bibliotheken": f"SQLAlchemy {sqlalchemy.__version__}, openpyxl {openpyxl.__version__}, "
        f"reportlab {reportlab.Version}",
        "LibreOffice": lo,
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{de(one, 2)} / {de(five, 2)} / {de(fifteen, 2)}"


# ---------------------------------------------------------------- helpers
def median_time(fn: Callable[[], Any], repeats: int, budget: float = 30.0) -> tuple[float, float]:
    """Median wall and CPU time of up to REPEATS runs; no further run once BUDGET seconds are spent."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        start, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - c0)
        if sum(wall) > budget:
            break
    return statistics.median(wall), statistics.median(cpu)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lo_convert(xlsx: Path, out_dir: Path, timeout: float) -> tuple[float | None, float]:
    """Wall and CPU time of LibreOffice converting XLSX to PDF (bench_pdf); None when it failed."""
    from bench import bench_pdf

    c0 = children_cpu()
    try:
        result = bench_pdf.libreoffice_pdf(xlsx, out_dir, timeout)
    except Exception as exc:  # a baseline that fails must not cost the other figures
        print(f"LibreOffice: {exc!r}", file=sys.stderr)
        return None, 0.0
    if result[0] is None:
        print(f"LibreOffice: {result[-1]}", file=sys.stderr)
    return result[0], children_cpu() - c0


def with_cpu(wall: float, cpu: float) -> str:
    return f"{fmt_s(wall)} (CPU {fmt_s(cpu)})"


def growth(s: Scaling, sizes: list[int]) -> str:
    """Exponent k of t ∝ n^k between consecutive sizes (1 = linear)."""
    parts = []
    known = [n for n in sizes if n in s.times]
    for a, b in itertools.pairwise(known):
        ta, tb = s.times[a], s.times[b]
        if ta <= 0 or tb <= 0:
            continue
        k = math.log(tb / ta) / math.log(b / a)
        parts.append(f"{fmt_n(a)}→{fmt_n(b)}: ×{de(tb / ta, 1)} (linear ×{de(b / a, 0)}, k = {de(k, 2)})")
    return "; ".join(parts) or "–"


def cached_document(n: int) -> Path:
    """Where the synthetic document of n measures is kept between runs (50,000 take minutes to make);
    the name carries a hash of the generator and the models, so a change makes a new one."""
    import hashlib

    digest = hashlib.sha256()
    for part in ("bench/synthetic.py", "kik_desktop/models/plan.py", "kik_desktop/store/migrations.py"):
        digest.update((ROOT / part).read_bytes())
    folder = Path(os.environ.get("KIK_BENCH_CACHE", Path.home() / ".cache" / "kik-bench"))
    return folder / f"synth-{n}-{digest.hexdigest()[:12]}.kik"


def cached_returned(n: int, docs: dict[int, Path], out_dir: Path) -> tuple[Path, Path]:
    """A copy of the document of n measures with a return workbook of all its measures sent out, and
    that workbook as returned (bench_excel.make_returned: every 10th measure changed). Made once and
    kept next to the cached document (the openpyxl load and save take minutes at 50,000); the merge
    runs on a fresh copy of the document each time."""
    import hashlib

    from bench import bench_excel
    from kik_desktop.store import open_document

    digest = hashlib.sha256(cached_document(n).name.encode())
    for part in ("bench/bench_excel.py", "kik_desktop/exchange/return_workbook.py"):
        digest.update((ROOT / part).read_bytes())
    stem = cached_document(n).with_name(f"returned-{n}-{digest.hexdigest()[:12]}")
    cached_doc, cached_xlsx = stem.with_suffix(".kik"), stem.with_suffix(".xlsx")
    if not (cached_doc.exists() and cached_xlsx.exists()):
        made_doc, made_xlsx = out_dir / f"sent-{n}.kik", out_dir / f"returned-{n}.xlsx"
        shutil.copyfile(docs[n], made_doc)
        with open_document(made_doc) as doc:
            bench_excel.make_returned(doc, made_xlsx)
        shutil.copyfile(made_xlsx, cached_xlsx)
        shutil.copyfile(made_doc, cached_doc)
    copy = out_dir / f"merge-{n}.kik"
    shutil.copyfile(cached_doc, copy)
    return copy, cached_xlsx


class Progress:
    """Tells on stderr what runs, with the time since the start."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.start:6.0f} s] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the run
def run(
    sizes: list[int],
    quick: bool,
    out_dir: Path,
    libreoffice: bool = True,
    case_budget: float = 75.0,
    libreoffice_big: bool = False,
) -> tuple[str, float]:
    from bench import bench_board, bench_excel, bench_pdf, startup
    from bench.synthetic import make_concept_shaped_document, make_synthetic_document
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.exchange.excel_import import preview_document
    from kik_desktop.reports.fonts import register_fonts
    from kik_desktop.store import open_document

    say = Progress()
    started = datetime.now(UTC)
    load_before = load()
    main_n = 10_000 if 10_000 in sizes else max(sizes)
    reps = 1 if quick else 3
    rows: list[Row] = []
    scaling = {
        key: Scaling(name)
        for key, name in (
            ("open", "Öffnen bis Baum sichtbar (Fenster)"),
            ("memory", "Spitzenspeicher beim Öffnen (MB)"),
            ("key", "Tastendruck im Suchfeld"),
            ("board", "Gesamtschau nach einer Änderung"),
            ("export", "Excel-Export"),
            ("import", "Excel-Import (Lesen + Vorschau)"),
            ("import_new", "Excel-Import neuer Maßnahmen (Lesen + Schreiben)"),
            ("merge", "Rückmeldebogen abgleichen (Lesen + Dreiwege + Schreiben)"),
            ("tabelle", "PDF „tabelle“"),
        )
    }

    say("Dokumente erzeugen")
    concept = out_dir / "konzept-144.kik"
    make_concept_shaped_document(concept).close()
    docs: dict[int, Path] = {}
    for n in sizes:
        docs[n] = out_dir / f"synth-{n}.kik"
        cached = cached_document(n)
        if cached.exists():
            shutil.copyfile(cached, docs[n])  # generated once, reused by every later run
        else:
            make_synthetic_document(docs[n], n).close()
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(docs[n], cached)

    # 1. Start to first paint, against a bare window with a tree and an editor started the same way.
    say("Start bis erstes Zeichnen (Kindprozesse)")
    st = startup.measure_startup(concept, runs=1 if quick else 5, warm_up=not quick)
    rows.append(
        Row(
            "Start bis erstes gezeichnetes Fenster, Konzept (144 Maßnahmen)",
            with_cpu(st.kik, st.kik_cpu),
            f"nacktes PySide6-Fenster mit Baum und Editor {with_cpu(st.bare, st.bare_cpu)}",
            st.kik / st.bare,
            "Verhältnis ≤ 1,3",
            st.kik / st.bare <= 1.3,
            st.kik_cpu / st.bare_cpu <= 1.3,
        )
    )
    bare_peak = statistics.median(st.bare_peak_mb)
    say("Start bis Hauptfenster mit Dokument (Kindprozesse)")
    main_paint, main_cpu = startup.measure_main_window_cpu(concept, runs=1 if quick else 5)
    rows.append(
        Row(
            "Start bis das Hauptfenster mit Baum gezeichnet ist (nach dem Startbild), Konzept",
            with_cpu(main_paint, main_cpu),
            f"nacktes PySide6-Fenster mit Baum und Editor {with_cpu(st.bare, st.bare_cpu)}",
            main_paint / st.bare,
            "Verhältnis ≤ 2,5",
            main_paint / st.bare <= 2.5,
            main_cpu / st.bare_cpu <= 2.5,
        )
    )

    # 2.-4. Opening in the window, memory, keystroke: child processes per size.
    window: dict[int, dict[str, float]] = {}
    for n in sizes:
        say(f"Fenster: Öffnen, Speicher, Tastendruck bei {fmt_n(n)}")
        window[n] = startup.measure_window(docs[n], runs=reps if n <= 10_000 else 1)
        scaling["open"].times[n] = window[n]["open_s"]
        scaling["memory"].times[n] = window[n]["peak_open_mb"]
        scaling["key"].times[n] = window[n]["keystroke_s"]
    w = window[main_n]
    rows.append(
        Row(
            f"Öffnen von {fmt_n(main_n)} Maßnahmen bis der Baum gezeichnet ist",
            with_cpu(w["open_s"], w["open_cpu_s"]),
            f"QStandardItemModel mit denselben Titeln {fmt_s(w['baseline_open_s'])}",
            w["open_s"] / w["baseline_open_s"],
            "< 1 s",
            w["open_s"] < 1,
            w["open_cpu_s"] < 1,
        )
    )
    rows.append(
        Row(
            f"Spitzenspeicher des Prozesses nach dem Öffnen von {fmt_n(main_n)}",
            f"{de(w['peak_open_mb'], 0)} MB",
            f"nacktes Fenster mit Baum und Editor {de(bare_peak, 0)} MB",
            w["peak_open_mb"] / bare_peak,
            "< 300 MB",
            w["peak_open_mb"] < 300,
        )
    )
    rows.append(
        Row(
            f"Tastendruck im Suchfeld bei {fmt_n(main_n)} (Filtern, Aufklappen, Zeichnen)",
            with_cpu(w["keystroke_s"], w["keystroke_cpu_s"]),
            f"reine Textsuche über alle Zeilen {fmt_s(w['baseline_keystroke_s'])}",
            w["keystroke_s"] / w["baseline_keystroke_s"],
            "< 50 ms",
            w["keystroke_s"] < 0.05,
            w["keystroke_cpu_s"] < 0.05,
        )
    )

    # 5. Board after one edit (bench_board.measure edits the document: a copy per size).
    board_main: dict[str, list[float]] = {}
    for n in sizes:
        say(f"Gesamtschau bei {fmt_n(n)}")
        copy = out_dir / f"board-{n}.kik"
        shutil.copyfile(docs[n], copy)
        with open_document(copy) as doc:
            figures = bench_board.measure(doc, 5 if quick or n != main_n else 15)
        after_edit = statistics.median(figures["Gesamtschau nach einer Statusänderung"])
        scaling["board"].times[n] = after_edit
        if n == main_n:
            board_main = figures
    after_edit = statistics.median(board_main["Gesamtschau nach einer Statusänderung"])
    scan = statistics.median(board_main["Grundlinie: SELECT id FROM measure (Vollscan)"])
    full = statistics.median(board_main["Grundlinie: Gesamtschau komplett aus der Datenbank"])
    rows.append(
        Row(
            f"Gesamtschau neu berechnet nach einer Statusänderung bei {fmt_n(main_n)}",
            fmt_s(after_edit),
            f"SELECT id FROM measure {fmt_s(scan)} (ganz neu aus der Datenbank: {fmt_s(full)})",
            after_edit / scan,
            "< 50 ms",
            after_edit < 0.05,
        )
    )

    # 6.-7. Excel export and import against plain openpyxl write-only / read-only on the same cells.
    def skip(key: str, n: int) -> bool:
        """No size is skipped any more (the 50,000 cases run once each instead of REPS times); kept as a
        hook for --case-budget 0, which skips every size but the target size."""
        if n == main_n or case_budget > 0:
            return False
        scaling[key].notes[n] = "übersprungen (--case-budget 0)"
        return True

    excel: dict[int, tuple[tuple[float, float], ...]] = {}
    new_items: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}
    merges: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}
    for n in sizes:
        # The baselines are read at the target size only (the growth table needs only our figures); at
        # the other sizes every case runs once. Repeats stop once a case has used its time budget.
        at_main = n == main_n
        r = reps if at_main else 1
        say(f"Excel bei {fmt_n(n)}")
        xlsx = out_dir / f"synth-{n}.xlsx"
        with open_document(docs[n], read_only=True) as doc:
            if not skip("export", n):
                ours_w = median_time(lambda d=doc, x=xlsx: export_document(d, x), r, EXCEL_BUDGET)
                scaling["export"].times[n] = ours_w[0]
                base_w = base_r = (0.0, 0.0)
                if at_main:
                    base_w = median_time(
                        lambda d=doc: bench_excel.plain_write(d, out_dir / "plain.xlsx"), r, EXCEL_BUDGET
                    )
                    # One baseline for both imports below: they read the same workbook.
                    base_r = median_time(lambda x=xlsx: bench_excel.plain_read(x), r, EXCEL_BUDGET)
                say(f"  Export {with_cpu(*ours_w)}" + (f" (openpyxl {with_cpu(*base_w)})" if at_main else ""))
                if not skip("import", n):
                    ours_r = median_time(lambda d=doc, x=xlsx: preview_document(d, x), r, EXCEL_BUDGET)
                    scaling["import"].times[n] = ours_r[0]
                    base_text = f" (openpyxl {with_cpu(*base_r)})" if at_main else ""
                    say(f"  Import {with_cpu(*ours_r)}{base_text}")
                    if at_main:
                        excel[n] = (ours_w, base_w, ours_r, base_r)
                # Import into an empty document: every item new (bulk insert), against reading the same cells.
                if not skip("import_new", n):
                    runs_new = [bench_excel.import_new(out_dir, xlsx, f"new-{n}.kik") for _ in range(r)]
                    ours_n = (
                        statistics.median(x[0] for x in runs_new),
                        statistics.median(x[1] for x in runs_new),
                    )
                    scaling["import_new"].times[n] = ours_n[0]
                    say(
                        f"  Import neuer Maßnahmen {with_cpu(*ours_n)}"
                        + (f" (openpyxl {with_cpu(*base_r)})" if at_main else "")
                    )
                    if at_main:
                        new_items[n] = (ours_n, base_r)
        # Three-way merge of a returned workbook of every measure (every 10th changed) with its base.
        if at_main or not quick:
            copy, returned = cached_returned(n, docs, out_dir)
            with open_document(copy) as target:
                base_m = (
                    median_time(lambda x=returned: bench_excel.plain_read(x), r, EXCEL_BUDGET)
                    if at_main
                    else (0.0, 0.0)
                )
                wall, cpu, summary = bench_excel.merge_returned(target, returned)
            scaling["merge"].times[n] = wall
            base_text = f" (openpyxl {with_cpu(*base_m)})" if at_main else ""
            say(f"  Rückmeldung abgleichen {with_cpu(wall, cpu)}{base_text}: {summary}")
            if at_main:
                merges[n] = ((wall, cpu), base_m)
    ours_w, base_w, ours_r, base_r = excel[main_n]
    rows.append(
        Row(
            f"Excel-Export der Umsetzungstabelle, {fmt_n(main_n)} Maßnahmen",
            with_cpu(*ours_w),
            f"openpyxl write-only, dieselben Zellen {with_cpu(*base_w)}",
            ours_w[0] / base_w[0],
            "Verhältnis ≤ 1,5",
            ours_w[0] / base_w[0] <= 1.5,
            ours_w[1] / base_w[1] <= 1.5,
        )
    )
    rows.append(
        Row(
            f"Excel-Import (Lesen + Vorschau) des Exports, {fmt_n(main_n)} Maßnahmen",
            with_cpu(*ours_r),
            f"openpyxl read-only, alle Zellen lesen {with_cpu(*base_r)}",
            ours_r[0] / base_r[0],
            "Verhältnis ≤ 1,5",
            ours_r[0] / base_r[0] <= 1.5,
            ours_r[1] / base_r[1] <= 1.5,
        )
    )

    ours_n, base_n = new_items[main_n]
    rows.append(
        Row(
            f"Excel-Import von {fmt_n(main_n)} neuen Maßnahmen in ein leeres Dokument (Lesen + Schreiben)",
            with_cpu(*ours_n),
            f"openpyxl read-only, alle Zellen derselben Mappe lesen {with_cpu(*base_n)}",
            ours_n[0] / base_n[0],
            "Verhältnis ≤ 1,5",
            ours_n[0] / base_n[0] <= 1.5,
            ours_n[1] / base_n[1] <= 1.5,
        )
    )
    ours_m, base_m = merges[main_n]
    rows.append(
        Row(
            f"Rückmeldebogen mit {fmt_n(main_n)} Maßnahmen (jede 10. geändert) abgleichen",
            with_cpu(*ours_m),
            f"openpyxl read-only, alle Zellen des Bogens lesen {with_cpu(*base_m)}",
            ours_m[0] / base_m[0],
            "Verhältnis ≤ 1,5",
            ours_m[0] / base_m[0] <= 1.5,
            ours_m[1] / base_m[1] <= 1.5,
        )
    )

    # 8. PDF bericht of the concept; 9. tabelle against LibreOffice converting the exported workbook.
    say("PDF: bericht des Konzepts")
    register_fonts()  # once per process, as in the app; not part of a printout
    with open_document(concept, read_only=True) as doc:
        runs = [bench_pdf.print_kind(doc, "bericht", out_dir / "bericht-144.pdf") for _ in range(reps)]
        bericht, bericht_cpu = statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)
        concept_xlsx = out_dir / "konzept-144.xlsx"
        export_document(doc, concept_xlsx)
    lo_small = None
    if libreoffice:
        lo_small, _cpu = lo_convert(concept_xlsx, out_dir, timeout=300)
    rows.append(
        Row(
            "PDF „bericht“ des Konzepts (144 Maßnahmen)",
            with_cpu(bericht, bericht_cpu),
            f"LibreOffice: exportierte Mappe → PDF {fmt_s(lo_small)}" if lo_small else "–",
            bericht / lo_small if lo_small else None,
            "< 2 s",
            bericht < 2,
            bericht_cpu < 2,
        )
    )
    if 1_000 in docs:
        say("PDF: bericht bei 1.000")
        with open_document(docs[1_000], read_only=True) as doc:
            _pages, b_wall, b_cpu = bench_pdf.print_kind(doc, "bericht", out_dir / "bericht-1000.pdf")
        rows.append(
            Row(
                "PDF „bericht“, 1.000 Maßnahmen",
                with_cpu(b_wall, b_cpu),
                f"„bericht“ des Konzepts (144 Maßnahmen) {fmt_s(bericht)}",
                b_wall / bericht,
                "< 10 s",
                b_wall < 10,
                b_cpu < 10,
            )
        )
    tabelle: dict[int, tuple[float, float]] = {}
    floor = (0.0, 0.0)
    for n in sizes:
        if skip("tabelle", n):
            continue
        say(f"PDF: tabelle bei {fmt_n(n)}")
        with open_document(docs[n], read_only=True) as doc:
            _pages, wall, cpu = bench_pdf.print_kind(doc, "tabelle", out_dir / f"tabelle-{n}.pdf")
        tabelle[n] = (wall, cpu)
        scaling["tabelle"].times[n] = wall
        if n == main_n:
            with open_document(docs[n], read_only=True) as doc:
                _pages, fwall, fcpu = bench_pdf.canvas_floor(doc, out_dir / f"floor-{n}.pdf")
            floor = (fwall, fcpu)
            say(f"  tabelle {with_cpu(wall, cpu)}, reportlab-Canvas {with_cpu(fwall, fcpu)}")
    if libreoffice_big:
        # Not a target any more (the floor below is); over two minutes at 10,000, so only on request.
        say(f"LibreOffice: Mappe mit {fmt_n(main_n)} Maßnahmen → PDF")
        lo_big, lo_cpu = lo_convert(out_dir / f"synth-{main_n}.xlsx", out_dir, timeout=900)
        rows.append(
            Row(
                f"PDF „tabelle“, {fmt_n(main_n)} Maßnahmen",
                with_cpu(*tabelle[main_n]),
                f"LibreOffice: dieselbe Mappe → PDF {with_cpu(lo_big, lo_cpu)}" if lo_big else "–",
                tabelle[main_n][0] / lo_big if lo_big else None,
                "schneller als LibreOffice",
                tabelle[main_n][0] < lo_big if lo_big else None,
                tabelle[main_n][1] < lo_cpu if lo_big else None,
            )
        )
    rows.append(
        Row(
            f"PDF „tabelle“, {fmt_n(main_n)} Maßnahmen, gegen den Boden von reportlab",
            with_cpu(*tabelle[main_n]),
            "dieselben Texte umbrochen (simpleSplit) und mit dem nackten reportlab-Canvas gezeichnet "
            + with_cpu(*floor),
            tabelle[main_n][0] / floor[0],
            "Verhältnis ≤ 3",
            tabelle[main_n][0] / floor[0] <= 3,
            tabelle[main_n][1] / floor[1] <= 3,
        )
    )
    big = max(sizes)
    if big in scaling["memory"].times:
        peak = scaling["memory"].times[big]
        rows.append(
            Row(
                f"Spitzenspeicher des Prozesses nach dem Öffnen von {fmt_n(big)} Maßnahmen",
                f"{de(peak, 0)} MB",
                f"nacktes Fenster mit Baum und Editor {de(bare_peak, 0)} MB",
                peak / bare_peak,
                "< 400 MB",
                peak < 400,
            )
        )

    # The scaling rows.
    scale_rows = []
    for key, s in scaling.items():
        cells = []
        for n in sizes:
            t = s.times.get(n)
            if t is None:
                cells.append(s.notes.get(n, "–"))
            elif key == "memory":
                cells.append(f"{de(t, 0)} MB")
            else:
                cells.append(fmt_s(t))
        scale_rows.append([s.name, *cells, growth(s, sizes)])

    elapsed = time.perf_counter() - say.start
    info = machine()
    text = [
        f"# Messungen ({'Schnelllauf' if quick else 'voller Lauf'})",
        "",
        f"Gemessen am {started:%d.%m.%Y um %H:%M} UTC mit `python -m bench.run"
        f"{' --quick' if quick else ''} --sizes {' '.join(str(n) for n in sizes)}`; "
        f"Dauer des ganzen Befehls {de(elapsed / 60, 1)} min.",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        f"- Systemlast (1/5/15 min) vorher {load_before}, nachher {load()}",
        "",
        "Jede Zahl steht neben einer Vergleichszahl aus demselben Lauf. Ganze Prozesse (Start, Öffnen im "
        "Fenster) sind Mediane aus wiederholten Kindprozessen, alles andere Mediane aus Wiederholungen im "
        "selben Prozess. Dokumente sind synthetisch (`bench/synthetic.py`). In Klammern die CPU-Zeit des "
        "gemessenen Prozesses: Auf einer ausgelasteten Maschine wartet ein Prozess auf einen freien Kern, "
        "die Wanduhr-Zeit wächst, die CPU-Zeit kaum. „nach CPU-Zeit ja“ heißt: das Ziel ist mit der Wanduhr "
        "verfehlt, mit der CPU-Zeit erreicht.",
        "",
        table(
            ["Messung", "KIK Desktop", "Vergleich (selber Lauf)", "Verhältnis", "Ziel", "erfüllt?"],
            [r.cells() for r in rows],
        ),
        "",
        "## Wachstum mit der Größe",
        "",
        "k ist der Exponent in Zeit ∝ Anzahlᵏ zwischen zwei Größen: 1 heißt linear, über 1 überlinear.",
        "",
        table(["Vorgang", *(fmt_n(n) for n in sizes), "Wachstum"], scale_rows),
        "",
    ]
    return "\n".join(text), elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Alle Messungen mit Vergleichszahlen aus demselben Lauf.")
    parser.add_argument("--quick", action="store_true", help="weniger Wiederholungen (nur zum Ausprobieren)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="Anzahl Maßnahmen der Skalierung"
    )
    parser.add_argument("--no-libreoffice", action="store_true", help="ohne die LibreOffice-Vergleiche")
    parser.add_argument(
        "--libreoffice-big",
        action="store_true",
        help="auch die große Mappe mit LibreOffice in ein PDF wandeln (über 2 min bei 10.000)",
    )
    parser.add_argument(
        "--case-budget",
        type=float,
        default=75.0,
        metavar="S",
        help="Größen der Skalierung auslassen, deren lineare Schätzung über S Sekunden liegt (Standard 75)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="wohin die Tabelle geschrieben wird")
    parser.add_argument("--keep", type=Path, help="Dokumente, Mappen und PDFs in diesen Ordner legen")
    a = parser.parse_args(argv)
    sizes = sorted(set(a.sizes))
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
        text, _ = run(sizes, a.quick, a.keep, not a.no_libreoffice, a.case_budget, a.libreoffice_big)
    else:
        with tempfile.TemporaryDirectory(prefix="kik-bench-") as tmp:
            text, _ = run(sizes, a.quick, Path(tmp), not a.no_libreoffice, a.case_budget, a.libreoffice_big)
    print(text)
    a.output.write_text(text, encoding="utf-8")
    print(f"geschrieben: {a.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
