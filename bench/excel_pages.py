"""How many A4 pages the Excel export prints: exported, converted by LibreOffice headless to PDF, counted.

    python -m bench.excel_pages [--measures 1000] [--out DIR] [--png PAGES]

Prints the pages of the whole workbook and per sheet (a sheet's pages are told apart by their footer,
which names the sheet), for the adopted concept (the program's default document) and for a synthetic
document of N measures (bench/synthetic.py, every title starts with "SYNTH"). The target of issue #14:
1,000 measures print on at most 100 A4 landscape pages. ``--png 1,2,40`` also renders those pages of
the N-measure PDF as PNG (pdftoppm) to look at. Nothing here is timed.

Needs LibreOffice (``soffice``) and, for pages like Excel's, the Calibri-compatible font Carlito
(Debian: fonts-crosextra-carlito); without it LibreOffice draws Calibri as a wider font.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_PAGES = 100
_FOOTER = re.compile(r"(KIK Umsetzungstabelle – [^\n]+|Handlungsfeld \d+: [^\n]+)")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def carlito_installed() -> bool:
    fc = shutil.which("fc-match")
    if not fc:
        return False
    out = subprocess.run([fc, "Calibri"], capture_output=True, text=True, check=False).stdout
    return "carlito" in out.lower()


def to_pdf(xlsx: Path, outdir: Path, timeout: float = 600) -> Path:
    """xlsx converted by LibreOffice headless, with its own profile (a running LibreOffice is no matter)."""
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice (soffice) ist nicht installiert.")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                program,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(xlsx),
            ],
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    pdf = outdir / (xlsx.stem + ".pdf")
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice hat {xlsx.name} nicht umgewandelt.")
    return pdf


def pages_per_sheet(pdf: Path) -> tuple[int, Counter[str]]:
    """All pages, and pages per table sheet (named in the page footer; the other sheets together)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    per: Counter[str] = Counter()
    for page in reader.pages:
        text = page.extract_text() or ""
        m = _FOOTER.search(text)
        per[re.split(r"\s{2,}", m.group(1).strip())[0] if m else "übrige Blätter"] += 1
    return len(reader.pages), per


def export_pages(doc_path: Path, outdir: Path) -> tuple[int, Counter[str], Path]:
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.store import open_document

    doc = open_document(doc_path)
    try:
        xlsx = outdir / (doc_path.stem + ".xlsx")
        export_document(doc, xlsx)
    finally:
        doc.close()
    pdf = to_pdf(xlsx, outdir)
    total, per = pages_per_sheet(pdf)
    return total, per, pdf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measures", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None, help="folder for documents, workbooks and PDFs")
    ap.add_argument("--png", default="", help="pages of the N-measure PDF to render as PNG, e.g. 1,2,40")
    args = ap.parse_args(argv)
    if soffice() is None:
        print("LibreOffice (soffice) fehlt: nichts gemessen.")
        return 2
    from bench.synthetic import make_synthetic_document
    from kik_desktop.domain.defaults import create_default_document

    out = args.out or Path(tempfile.mkdtemp(prefix="kik-excel-pages-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"output folder: {out}")
    print(f"Carlito for Calibri: {'yes' if carlito_installed() else 'NO (pages differ from Excel)'}")
    concept = out / "konzept.kik"
    create_default_document(concept, overwrite=True).close()
    synth = out / f"synth-{args.measures}.kik"
    make_synthetic_document(synth, args.measures).close()
    result = 0
    for label, path in (("concept", concept), (f"{args.measures} synthetic measures", synth)):
        total, per, pdf = export_pages(path, out)
        print(f"{label}: {total} pages in all ({pdf.name})")
        for sheet, n in per.items():
            print(f"    {n:4d}  {sheet}")
        if path == synth and args.measures == 1000:
            verdict = "OK" if total <= TARGET_PAGES else "OVER the target"
            print(f"    target ≤ {TARGET_PAGES} pages for 1,000 measures: {verdict}")
            result = 0 if total <= TARGET_PAGES else 1
        if path == synth and args.png and shutil.which("pdftoppm"):
            for page in (int(p) for p in args.png.split(",") if p.strip()):
                prefix = out / f"{pdf.stem}-p{page}"
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
                    check=True,
                )
                print(f"    page {page} as PNG: {prefix}-*.png")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
