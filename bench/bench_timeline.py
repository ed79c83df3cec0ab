"""Painting the Zeitplan tab at 10,000 measures: time per frame while scrolling and zooming.

Each frame paints the view into an offscreen image (what a scroll or zoom step costs). Baselines from
the same run and the same image: (1) painting as many plain rectangles as the frame has rows (the
floor of any per-row painting), and (2) painting every row of the plan unclipped (what a view that
paints everything would pay per frame). Also the time to load the timeline rows from the document.

    python -m bench.bench_timeline [--measures 10000] [--frames 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from bench.synthetic import make_synthetic_document
from kik_desktop.domain.queries import statuses
from kik_desktop.domain.timeline import load_timeline
from kik_desktop.ui.timeline_view import ROW_H, TimelineView

TODAY = date(2026, 11, 25)
W, H = 1200, 800


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.2f} ms   max {max(samples) * 1000:7.2f} ms"


def run(measures: int, frames: int) -> dict[str, list[float]]:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        doc = make_synthetic_document(Path(tmp) / "t.kik", measures, seed=7)
        loads = []
        for _ in range(3):
            start = time.perf_counter()
            with doc.reading() as s:
                tl = load_timeline(s, TODAY)
                st = statuses(s)
            loads.append(time.perf_counter() - start)
        doc.close()
    view = TimelineView()
    view.resize(W, H)
    view.show()
    app.processEvents()
    view.set_timeline(tl, st, TODAY)
    image = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)

    def frame() -> float:
        p = QPainter(image)
        start = time.perf_counter()
        view.paint(p, W, H)
        took = time.perf_counter() - start
        p.end()
        return took

    vbar, hbar = view.verticalScrollBar(), view.horizontalScrollBar()
    scroll, smooth, zoom = [], [], []
    # Smooth scrolling (three rows per frame, as a mouse wheel does) from the middle of the plan.
    vbar.setValue(vbar.maximum() // 2)
    frame()
    for _ in range(frames):
        vbar.setValue(vbar.value() + 3 * ROW_H)
        smooth.append(frame())
    for i in range(frames):
        vbar.setValue(vbar.maximum() * i // max(1, frames - 1))
        hbar.setValue(hbar.maximum() * (i % 7) // 6)
        scroll.append(frame())
    for i in range(frames):
        view.set_zoom("quarter" if i % 2 else "year")
        zoom.append(frame())
    visible = view.painted_rows

    # Baseline 1: the same number of plain rectangles per frame.
    rects = []
    colour = QColor("#FFC000")
    for _ in range(frames):
        p = QPainter(image)
        start = time.perf_counter()
        for r in range(visible):
            p.fillRect(view.label_w, 38 + r * ROW_H + 4, 200, ROW_H - 8, colour)
        rects.append(time.perf_counter() - start)
        p.end()
    # Baseline 2: every row painted, as a view without clipping to the visible range would.
    everything = []
    for _ in range(max(2, frames // 10)):
        vbar.setValue(0)
        p = QPainter(image)
        start = time.perf_counter()
        for r in tl.rows:
            p.fillRect(view.label_w, 38 + (r.id % 40) * ROW_H, 200, ROW_H - 8, colour)
            p.drawText(4, 38 + (r.id % 40) * ROW_H + 14, r.label[:40])
        everything.append(time.perf_counter() - start)
        p.end()
    print(
        f"Zeitplan, {measures} Maßnahmen ({len(tl.rows)} Zeilen, {visible} je Bild sichtbar), {W}×{H} Pixel"
    )
    print(f"  Zeilen laden (Dokument → Zeitplan)      {ms(loads)}")
    print(f"  Bild beim Scrollen (3 Zeilen je Bild)    {ms(smooth)}")
    print(f"  Bild beim Springen (lauter neue Zeilen)  {ms(scroll)}")
    print(f"  Bild beim Zoomen (Jahre ↔ Quartale)      {ms(zoom)}")
    print(f"  Basis: {visible} einfache Rechtecke            {ms(rects)}")
    print(f"  Basis: alle {len(tl.rows)} Zeilen ungeschnitten {ms(everything)}")
    return {
        "load": loads,
        "smooth": smooth,
        "scroll": scroll,
        "zoom": zoom,
        "rects": rects,
        "everything": everything,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    run(args.measures, args.frames)
    sys.stdout.flush()
    # PySide6 can crash while the interpreter tears down its wrappers; the figures are printed.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
