"""Excel commands: export the implementation table, import a workbook (with a preview)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from kik_desktop.cli import CommandError, db_argument, resolve_db
from kik_desktop.cli.cycle_commands import export_full, export_return, import_return, merge_arguments
from kik_desktop.cli.writing import confirm, document_write_lock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="die Umsetzungstabelle als Excel-Arbeitsmappe (.xlsx) ausgeben")
    p.add_argument("output", type=Path, metavar="AUSGABE.xlsx")
    db_argument(p)
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--field", type=int, metavar="N", help="Rückmeldebogen für Handlungsfeld N")
    scope.add_argument("--working-group", metavar="NAME", help="Rückmeldebogen für eine Arbeitsgruppe")
    scope.add_argument("--institution", metavar="NAME", help="Rückmeldebogen für eine Institution")
    p.add_argument("--due", metavar="TT.MM.JJJJ", help="Rückgabe bis (Rückmeldebogen; sonst in vier Wochen)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import",
        help="eine Excel-Arbeitsmappe (eigener Export oder Tabelle der Stadt) übernehmen, mit Vorschau",
    )
    p.add_argument("input", type=Path, metavar="DATEI.xlsx")
    db_argument(p)
    p.add_argument("--dry-run", action="store_true", help="nur die Vorschau zeigen, nichts schreiben")
    p.add_argument(
        "--delete-missing",
        action="store_true",
        help="Einträge löschen, die in der Datei fehlen (sonst bleiben sie erhalten)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="ohne Rückfrage übernehmen")
    merge_arguments(p)
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="höchstens N Einträge je Abschnitt der Vorschau zeigen",
    )
    p.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    out: Path = args.output
    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"„{out.name}“: Der Dateiname muss auf .xlsx enden.")
    if args.field is not None or args.working_group is not None or args.institution is not None:
        return export_return(args)
    # Recorded as a dispatch with its base: importing this workbook later merges three-way.
    result, dispatch = export_full(args)
    for warning in result.warnings:
        print(f"Hinweis: {warning}", file=sys.stderr)
    print(
        f"Exportiert: {out} ({result.fields} Handlungsfelder, {result.goals} Ziele, "
        f"{result.measures} Maßnahmen; "
        f"Blätter: {', '.join(result.sheets)}; Versendung {dispatch.uid})"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from kik_desktop.exchange.excel_import import ImportBlocked, apply_preview, preview_document
    from kik_desktop.exchange.xlsx_guard import WorkbookRejected
    from kik_desktop.store import open_document

    # A returned workbook with a dispatch id: the three-way merge (and the JSON preview of either kind).
    three_way = import_return(args)
    if three_way is not None:
        return three_way
    path = resolve_db(args.db)
    # Like the window: a document open elsewhere is not written to (a dry run only reads).
    guard = contextlib.nullcontext() if args.dry_run else document_write_lock(path, command="import")
    with guard, open_document(path, read_only=args.dry_run) as doc:
        try:
            preview = preview_document(doc, args.input)
        except WorkbookRejected as exc:
            raise CommandError(str(exc)) from None
        (sys.stderr if args.json else sys.stdout).write(preview.format_text(limit=args.limit))
        if preview.has_errors:
            print("Nichts übernommen: Die Datei hat Fehler (siehe oben).", file=sys.stderr)
            return 1
        if args.dry_run:
            print("Probelauf (--dry-run): nichts geschrieben.")
            return 0
        n_delete = len(preview.missing) if args.delete_missing else 0
        if preview.change_count == 0 and n_delete == 0:
            print("Keine Änderungen: nichts zu übernehmen.")
            return 0
        question = f"{preview.change_count} Einträge übernehmen"
        if n_delete:
            question += f" und {n_delete} fehlende löschen"
        if not confirm(question, yes=args.yes, alternative="mit --dry-run nur die Vorschau ansehen"):
            print("Abgebrochen: nichts geschrieben.")
            return 1
        try:
            # Verified backup first, then one transaction (the one import workflow).
            apply_preview(doc, preview, delete_missing=args.delete_missing)
        except ImportBlocked as exc:
            raise CommandError(str(exc)) from None
    print(f"Übernommen: {preview.summary()}")
    return 0
