"""Window timings in child processes: start to first paint, open until the tree is shown, keystrokes, memory.

    python -m bench.startup DOC.kik [--runs 5]      # start against a bare window with tree and editor
    python -m bench.startup --window DOC.kik        # one child: open DOC in the window, JSON figures

The parent takes the wall time from just before ``Popen`` to the line the child prints at its first
paint (interpreter start, imports, window, document and tree included), for the real entry point
``kik_desktop.cli.main([DOC])`` and for a bare PySide6 window with a tree view and a text editor started
the same way
(``python -m bench.startup --child ...``). Runs alternate between the two; the median is reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAINTED = "PAINTED"
PYCACHE = Path(os.environ.get("KIK_BENCH_CACHE", Path.home() / ".cache" / "kik-bench")) / "pycache"
KEYSTROKES = ["s", "sp", "spr", "spra", "sprac", "sprach", "sprachk", "sprachku", "sprachkur", "sprachkurs"]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB (10⁶ bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def child_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = env.get("BENCH_QPA", "offscreen")
    env["KIK_DESKTOP_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # As installed (pip, the installer), the program starts from compiled bytecode. A shell with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module of kik_desktop from source on every
    # start (~0.5 s on 2 cores) while the bare window compiles nothing of its own. The caches go to a
    # folder of their own (not into the source tree); the warm-up run fills them for both sides.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


# ---------------------------------------------------------------- children
def _exit_at_first_paint(app: Any, main_window: bool = False) -> None:
    """Print PAINTED (and the peak memory) at the first paint event of any widget, then quit.

    With main_window, only a paint inside the main window once it shows a document counts (the start
    picture painted before it does not)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if main_window and event.type() == QEvent.Type.Paint:
                top = obj.window() if hasattr(obj, "window") else None
                if type(top).__name__ != "MainWindow" or getattr(top, "document", None) is None:
                    return False
            if self.done:
                # The first event after the paint: that paint has been delivered, the window is on
                # screen. (A 0-ms timer would wait for the next turn of the event loop, which the start
                # picture, painted before the loop runs, does not reach until the main window is up.)
                self.report()
            elif event.type() == QEvent.Type.Paint:
                self.done = True
                QTimer.singleShot(0, self.report)  # for a paint with no event after it
            return False

        def report(self) -> None:
            # Peak memory, and the CPU time of this process since it started (interpreter start included).
            sys.stdout.write(f"{PAINTED} {peak_rss_mb():.1f} {time.process_time():.4f}\n")
            sys.stdout.flush()
            # The start picture paints before the event loop runs, where quit() would do nothing.
            os._exit(0)

    app._bench_first_paint = FirstPaint(app)  # kept alive with the app
    app.installEventFilter(app._bench_first_paint)


def child_kik(doc: Path, main_window: bool = False) -> int:
    """The real entry point with DOC; the QApplication gets the first-paint filter as it is created."""
    from kik_desktop.ui import app as ui_app

    create = ui_app.create_application

    def create_with_filter(argv: list[str] | None = None) -> Any:
        application = create(argv)
        _exit_at_first_paint(application, main_window)
        return application

    ui_app.create_application = create_with_filter  # type: ignore[assignment]
    from kik_desktop.cli import main

    return main([str(doc)])


def child_bare() -> int:
    """The baseline of the issue: a bare PySide6 window with a tree view (six branches of a few rows,
    expanded) and a text editor, of the same size, started the same way. What every Qt program with a
    tree and an editor pays: interpreter, PySide6, QApplication, first paint."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTextEdit, QTreeView

    app = QApplication(sys.argv[:1])
    _exit_at_first_paint(app)
    window = QMainWindow()
    window.setWindowTitle("bare")
    model = QStandardItemModel()
    for f in range(1, 7):
        branch = QStandardItem(f"{f} Handlungsfeld")
        branch.appendRows([QStandardItem(f"{f}.{g} Ziel") for g in range(1, 4)])
        model.appendRow(branch)
    tree = QTreeView()
    tree.setModel(model)
    tree.expandAll()
    splitter = QSplitter()
    splitter.addWidget(tree)
    splitter.addWidget(QTextEdit())
    window.setCentralWidget(splitter)
    window.resize(1280, 800)
    window.show()
    return app.exec()


def child_window(doc: Path, keystrokes: bool) -> int:
    """Open DOC in a shown MainWindow until the tree has painted; then keystrokes and baselines; JSON out."""
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTreeView

    from kik_desktop.domain.plan_index import load_tree
    from kik_desktop.store import open_document
    from kik_desktop.ui.app import create_application
    from kik_desktop.ui.main_window import MainWindow

    app = create_application()
    tmp = Path(tempfile.mkdtemp(prefix="kik-bench-"))
    window = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    app.processEvents()

    class Painted(QObject):
        seen = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    def until_painted(viewport: Any) -> None:
        watcher = Painted()
        viewport.installEventFilter(watcher)
        viewport.update()
        deadline = time.perf_counter() + 60
        while not watcher.seen and time.perf_counter() < deadline:
            app.processEvents()
        viewport.removeEventFilter(watcher)

    start, cpu = time.perf_counter(), time.process_time()
    if not window.open_path(doc):
        print("open failed", file=sys.stderr)
        return 1
    until_painted(window.tree_view.viewport())
    open_s, open_cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_open = peak_rss_mb()
    rows = sum(1 for _ in window.tree_model.root.walk())

    # Baseline: the plain Qt way to show the same titles, read with the same query, in this process.
    start = time.perf_counter()
    with open_document(doc, read_only=True) as plain_doc, plain_doc.reading() as s:
        std = QStandardItemModel()
        for f in load_tree(s):
            fi = QStandardItem(f.title)
            for g in f.children:
                gi = QStandardItem(g.title)
                gi.appendRows([QStandardItem(m.title) for m in g.children])
                fi.appendRow(gi)
            std.appendRow(fi)
    view = QTreeView()
    view.setModel(std)
    view.setUniformRowHeights(True)
    view.resize(520, 760)
    view.show()
    for row in range(std.rowCount()):
        view.expand(std.index(row, 0))
    until_painted(view.viewport())
    baseline_open_s = time.perf_counter() - start

    result: dict[str, Any] = {
        "rows": rows,
        "open_s": open_s,
        "open_cpu_s": open_cpu,
        "baseline_open_s": baseline_open_s,
        "peak_open_mb": peak_open,
    }
    if keystrokes:
        # As the user types: every prefix through the search field (filter, expandAll, repaint).
        texts = [n.search_text for n in window.tree_model.root.walk()]
        keys, keys_cpu, base = [], [], []
        for _ in range(2):
            for text in KEYSTROKES:
                t0, c0 = time.perf_counter(), time.process_time()
                window.search.setText(text)
                app.processEvents()
                keys.append(time.perf_counter() - t0)
                keys_cpu.append(time.process_time() - c0)
                t0 = time.perf_counter()
                terms = text.split()
                sum(1 for t in texts if all(term in t for term in terms))
                base.append(time.perf_counter() - t0)
            window.search.setText("")
            app.processEvents()
        result["keystroke_s"] = statistics.median(keys)
        result["keystroke_cpu_s"] = statistics.median(keys_cpu)
        result["baseline_keystroke_s"] = statistics.median(base)
    print("RESULT " + json.dumps(result))
    sys.stdout.flush()
    # Tear down without Qt's interpreter-exit destruction order (it crashed PySide 6.12 in bench_tree).
    os._exit(0)


# ---------------------------------------------------------------- parent side
@dataclass
class StartupResult:
    kik_s: list[float]
    bare_s: list[float]
    kik_peak_mb: list[float]
    bare_peak_mb: list[float]
    kik_cpu_s: list[float]
    bare_cpu_s: list[float]

    @property
    def kik(self) -> float:
        return statistics.median(self.kik_s)

    @property
    def bare(self) -> float:
        return statistics.median(self.bare_s)

    @property
    def kik_cpu(self) -> float:
        return statistics.median(self.kik_cpu_s)

    @property
    def bare_cpu(self) -> float:
        return statistics.median(self.bare_cpu_s)


def time_child(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[float, float, float]:
    """Wall time from Popen to the child's PAINTED line; the peak memory and CPU time it reported."""
    cmd = [sys.executable, "-m", "bench.startup", "--child", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    elapsed, peak, cpu = -1.0, 0.0, 0.0
    for line in proc.stdout:
        if line.startswith(PAINTED):
            elapsed = time.perf_counter() - start
            peak, cpu = (float(x) for x in line.split()[1:3])
            break
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if elapsed < 0:
        raise RuntimeError(f"{' '.join(args)}: kein erstes Zeichnen ({proc.returncode}): {err[-2000:]}")
    return elapsed, peak, cpu


def measure_startup(doc: Path, runs: int = 5, warm_up: bool = True) -> StartupResult:
    """Median start-to-first-paint of KIK Desktop with DOC and of a bare QMainWindow, alternating."""
    result = StartupResult([], [], [], [], [], [])
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp))
        if warm_up or not PYCACHE.is_dir():
            # One warm-up each: the first start after generating files pays for a cold disk cache.
            time_child(["kik", str(doc)], env)
            time_child(["bare"], env)
        for _ in range(runs):
            t, m, c = time_child(["kik", str(doc)], env)
            result.kik_s.append(t)
            result.kik_peak_mb.append(m)
            result.kik_cpu_s.append(c)
            t, m, c = time_child(["bare"], env)
            result.bare_s.append(t)
            result.bare_peak_mb.append(m)
            result.bare_cpu_s.append(c)
    return result


def measure_main_window(doc: Path, runs: int = 5) -> float:
    """Median start until the main window is painted with DOC open (after the start picture)."""
    return measure_main_window_cpu(doc, runs)[0]


def measure_main_window_cpu(doc: Path, runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU time from the start until the main window is painted with DOC open."""
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp))
        time_child(["kik-main", str(doc)], env)  # warm-up: disk cache, bytecode caches
        samples = [time_child(["kik-main", str(doc)], env) for _ in range(runs)]
    return statistics.median(t for t, _m, _c in samples), statistics.median(c for _t, _m, c in samples)


def measure_window(doc: Path, runs: int = 3, keystrokes: bool = True) -> dict[str, float]:
    """Median of each figure over RUNS child processes that open DOC in the window (see child_window)."""
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp))
        for _ in range(runs):
            cmd = [sys.executable, "-m", "bench.startup", "--window", str(doc)]
            if not keystrokes:
                cmd.append("--no-keys")
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise RuntimeError(
                    f"Fenster-Messung fehlgeschlagen ({proc.returncode}): {proc.stderr[-2000:]}"
                )
            for key, value in json.loads(line[len("RESULT ") :]).items():
                samples.setdefault(key, []).append(float(value))
    return {key: statistics.median(values) for key, values in samples.items()}


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Start bis zum ersten Zeichnen messen (Kindprozesse).")
    parser.add_argument("doc", type=Path, nargs="?")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs="+", metavar=("ART", "DOC"), help=argparse.SUPPRESS)
    parser.add_argument("--window", type=Path, help="ein Kindprozess: DOC im Fenster öffnen, JSON ausgeben")
    parser.add_argument("--no-keys", action="store_true", help=argparse.SUPPRESS)
    a = parser.parse_args(argv)
    if a.child:
        kind = a.child[0]
        if kind in ("kik", "kik-main"):
            return child_kik(Path(a.child[1]), main_window=kind == "kik-main")
        return child_bare()
    if a.window:
        return child_window(a.window, not a.no_keys)
    if a.doc is None:
        parser.error("DOC fehlt")
    r = measure_startup(a.doc, a.runs)
    print(f"Start bis erstes Zeichnen, Median aus {a.runs}:")
    kik_peak, bare_peak = max(r.kik_peak_mb), max(r.bare_peak_mb)
    print(f"  KIK Desktop mit {a.doc.name}: {r.kik * 1000:.0f} ms  (Spitzenspeicher {kik_peak:.0f} MB)")
    print(f"  nacktes Fenster mit Baum und Editor: {r.bare * 1000:.0f} ms  ({bare_peak:.0f} MB)")
    print(f"  Verhältnis {r.kik / r.bare:.2f} (Ziel höchstens 1,3)")
    main = measure_main_window(a.doc, a.runs)
    print(f"  bis das Hauptfenster mit Baum gezeichnet ist: {main * 1000:.0f} ms")
    print(f"  Verhältnis {main / r.bare:.2f} (Ziel höchstens 2,5)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
