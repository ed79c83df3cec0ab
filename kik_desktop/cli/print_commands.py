"""Print commands: ``kik-desktop print KIND OUT.pdf`` (bericht, handout, hausaufgaben, status, tabelle)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from kik_desktop.cli import CommandError, db_argument, resolve_db

KIND_HELP = {
    "bericht": "das ganze Konzept: Titelseite, Integrationsverständnis, Inhalt, Ziele und Maßnahmen je Feld",
    "handout": "ein Handlungsfeld für den Workshop seiner Arbeitsgruppe (A4 quer, mit Platz für Notizen)",
    "hausaufgaben": "das Hausaufgabenheft einer Institution",
    "status": "der Statusbericht für die Fachrunde (Gesamtschau, gefährdet, überfällig, Änderungen)",
    "tabelle": "die Umsetzungstabelle (quer, A3 oder A4)",
    "poster": "das Wandposter der Gesamtschau (quer, A3, A2 oder A1)",
}


def parse_date(text: str) -> date:
    """dd.mm.yyyy or yyyy-mm-dd."""
    value = text.strip()
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"„{text}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "print",
        help="einen Ausdruck als PDF schreiben (bericht, handout, hausaufgaben, status, tabelle, poster)",
    )
    kinds = p.add_subparsers(dest="kind", metavar="ART", required=True)
    for kind, help_text in KIND_HELP.items():
        k = kinds.add_parser(kind, help=help_text, description=help_text)
        if kind == "hausaufgaben":
            # Either one booklet (AUSGABE.pdf --institution NAME) or all of them (--alle ORDNER).
            k.add_argument("out", type=Path, metavar="AUSGABE.pdf", nargs="?")
        else:
            k.add_argument("out", type=Path, metavar="AUSGABE.pdf")
        db_argument(k)
        k.add_argument(
            "--stand",
            type=parse_date,
            metavar="DATUM",
            help="das Stand-Datum auf jeder Seite (Standard: heute)",
        )
        if kind == "handout":
            k.add_argument("--field", type=int, required=True, metavar="N", help="Nummer des Handlungsfelds")
        if kind == "hausaufgaben":
            k.add_argument("--institution", metavar="NAME", help="Name der Institution")
            k.add_argument(
                "--alle",
                type=Path,
                metavar="ORDNER",
                help="ein Heft je Institution und eine Übersicht in diesen Ordner schreiben",
            )
        if kind == "status":
            k.add_argument("--since", type=parse_date, metavar="DATUM", help="Änderungen seit diesem Datum")
        if kind == "poster":
            k.add_argument(
                "--format",
                dest="paper",
                type=str.upper,
                choices=["A3", "A2", "A1"],
                default="A3",
                help="Papierformat (quer), Standard A3",
            )
        if kind == "tabelle":
            k.add_argument(
                "--format",
                dest="paper",
                choices=["A3", "A4", "a3", "a4"],
                default="A4",
                help="Papierformat (quer), Standard A4",
            )
        k.set_defaults(func=cmd_print)
    from kik_desktop.cli.snapshot_commands import register_print_kinds

    register_print_kinds(kinds)  # veraenderungen, zeitplan


def cmd_print(args: argparse.Namespace) -> int:
    from kik_desktop.reports import PrintOptions, ReportError, load_report_data, write_pdf
    from kik_desktop.reports.wording import count
    from kik_desktop.store import open_document

    with open_document(resolve_db(args.db), read_only=True) as doc, doc.reading() as s:
        data = load_report_data(s)
    options = PrintOptions(
        field=getattr(args, "field", None),
        institution=getattr(args, "institution", None),
        since=getattr(args, "since", None),
        stand=args.stand,
        paper=str(getattr(args, "paper", "A4")).upper(),
    )
    if args.kind == "hausaufgaben":
        folder = getattr(args, "alle", None)
        if folder is not None:
            if args.out is not None or options.institution:
                raise CommandError("--alle schreibt alle Hefte; bitte ohne AUSGABE.pdf und --institution.")
            return _print_all_homework(data, folder, options)
        if args.out is None or not (options.institution or "").strip():
            raise CommandError(
                "Bitte AUSGABE.pdf und --institution NAME angeben, oder --alle ORDNER für alle Hefte."
            )
    try:
        result = write_pdf(data, args.kind, args.out, options)
    except ReportError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"„{args.out}“ kann nicht geschrieben werden: {exc}") from exc
    if result.missing_glyphs:
        chars = " ".join(sorted(result.missing_glyphs))
        print(
            f"Warnung: Diese Zeichen fehlen in der Schrift und wurden durch � ersetzt: {chars}",
            file=sys.stderr,
        )
    print(f"{result.path}: {count(result.pages, 'Seite')} geschrieben")
    return 0


def _print_all_homework(data: object, folder: Path, options: object) -> int:
    from kik_desktop.reports import ReportError, write_homework_set
    from kik_desktop.reports.data import ReportData
    from kik_desktop.reports.printouts import PrintOptions
    from kik_desktop.reports.wording import count

    assert isinstance(data, ReportData) and isinstance(options, PrintOptions)
    try:
        overview, booklets = write_homework_set(data, folder, options)
    except ReportError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"In „{folder}“ kann nicht geschrieben werden: {exc}") from exc
    missing = set().union(*(b.missing_glyphs for b in booklets)) if booklets else set()
    if missing:
        chars = " ".join(sorted(missing))
        warning = f"Warnung: Diese Zeichen fehlen in der Schrift und wurden durch � ersetzt: {chars}"
        print(warning, file=sys.stderr)
    print(f"{count(len(booklets), 'Hausaufgabenheft')} und die Übersicht „{overview.path.name}“ in {folder}")
    return 0
