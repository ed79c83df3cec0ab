"""Tree build and search keystroke at scale, each next to a baseline measured in the same run.

Baselines: building a QStandardItemModel with the same rows (the plain Qt way), and a Python loop
that tests the search terms against every row's text without any model (the floor for filtering).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTreeView

from bench.synthetic import make_synthetic_document
from kik_desktop.domain.plan_index import load_tree
from kik_desktop.ui.plan_tree_model import PlanTreeFilter, PlanTreeModel

KEYSTROKES = ["s", "sp", "spr", "spra", "sprac", "sprach", "sprachk", "sprachku", "sprachkur", "sprachkurs"]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main(measures: int = 10_000, repeats: int = 5) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        doc = make_synthetic_document(Path(tmp) / "bench.kik", measures)
        build, baseline_build = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            model = PlanTreeModel()
            with doc.reading() as s:
                model.load(s)
            view = QTreeView()
            view.setModel(model)
            proxy = PlanTreeFilter(model, view)
            view.setUniformRowHeights(True)
            view.resize(500, 700)
            view.show()
            for row in range(model.rowCount()):  # as the window opens a document: fields expanded
                view.expand(model.index(row, 0))
            app.processEvents()
            build.append(time.perf_counter() - start)

            start = time.perf_counter()
            std = QStandardItemModel()
            with doc.reading() as s:
                for f in load_tree(s):
                    fi = QStandardItem(f.title)
                    for g in f.children:
                        gi = QStandardItem(g.title)
                        gi.appendRows([QStandardItem(m.title) for m in g.children])
                        fi.appendRow(gi)
                    std.appendRow(fi)
            std_view = QTreeView()
            std_view.setModel(std)
            std_view.setUniformRowHeights(True)
            std_view.resize(500, 700)
            std_view.show()
            for row in range(std.rowCount()):
                std_view.expand(std.index(row, 0))
            app.processEvents()
            baseline_build.append(time.perf_counter() - start)

        keystroke, baseline_key = [], []
        view.expandAll()
        texts = [n.search_text for n in model.root.walk()]
        for _ in range(repeats):
            for text in KEYSTROKES:
                start = time.perf_counter()
                proxy.set_search(text)
                app.processEvents()
                keystroke.append(time.perf_counter() - start)
                start = time.perf_counter()
                terms = text.split()
                sum(1 for t in texts if all(term in t for term in terms))
                baseline_key.append(time.perf_counter() - start)
            proxy.set_search("")
        doc.close()
        # Tear the views down while Qt is alive; leaving it to interpreter exit crashed PySide 6.12.
        for widget in (view, std_view):
            widget.setModel(None)
            widget.deleteLater()
        app.processEvents()
    print(f"Baum mit {measures:,} Maßnahmen".replace(",", "."))
    print("| Messung | KIK Desktop | Vergleich im selben Lauf | Verhältnis | Ziel |")
    print("|---|---|---|---|---|")
    b, bb = median_ms(build), median_ms(baseline_build)
    print(
        f"| Baum aufbauen (Laden + Modell + Ansicht) | {b:.0f} ms | QStandardItemModel {bb:.0f} ms | "
        f"{b / bb:.2f}× | < 300 ms |"
    )
    k, kb = median_ms(keystroke), median_ms(baseline_key)
    print(
        f"| Tastendruck im Suchfeld (Filter) | {k:.1f} ms | reine Textsuche {kb:.1f} ms "
        f"| {k / kb:.1f}× | < 50 ms |"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
