"""The working-group cycle on the command line: return workbooks, their three-way import, dispatches,
workshop copies (checkout/checkin)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kik_desktop.cli import CommandError, db_argument, resolve_db


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "dispatches", help="die Versendungen (Rückmeldebögen, Arbeitskopien) und ihren Rücklauf zeigen"
    )
    db_argument(p)
    p.add_argument("--json", action="store_true", help="als JSON ausgeben")
    p.add_argument(
        "--reminders",
        type=Path,
        metavar="ORDNER",
        default=None,
        help="für jede offene Versendung ein Erinnerungsschreiben (PDF) in ORDNER schreiben",
    )
    p.set_defaults(func=cmd_dispatches)

    p = sub.add_parser("checkout", help="eine Arbeitskopie des Dokuments für einen Workshop anlegen")
    p.add_argument("copy", type=Path, metavar="KOPIE.kik")
    db_argument(p)
    p.add_argument("--recipient", default="Workshop", metavar="NAME", help="wer die Kopie mitnimmt")
    p.set_defaults(func=cmd_checkout)

    p = sub.add_parser("checkin", help="eine Arbeitskopie zurückführen (Dreiwege-Abgleich, mit Vorschau)")
    p.add_argument("copy", type=Path, metavar="KOPIE.kik")
    db_argument(p)
    merge_arguments(p)
    p.set_defaults(func=cmd_checkin)


def merge_arguments(p: argparse.ArgumentParser) -> None:
    """--dry-run/--json/--yes/--take-sheet, shared by import and checkin."""
    if not any(a.dest == "dry_run" for a in p._actions):
        p.add_argument("--dry-run", action="store_true", help="nur die Vorschau zeigen, nichts schreiben")
    p.add_argument("--json", action="store_true", help="die Vorschau als JSON ausgeben")
    if not any(a.dest == "yes" for a in p._actions):
        p.add_argument("--yes", "-y", action="store_true", help="ohne Rückfrage übernehmen")
    p.add_argument(
        "--take-sheet",
        action="store_true",
        help="bei Konflikten den Wert der Datei übernehmen (sonst behält das Dokument seinen Wert)",
    )


def confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given (raises CommandError)."""
    from kik_desktop.cli.writing import confirm as ask

    if not ask(question.rstrip("?"), yes=yes, alternative="mit --dry-run nur die Vorschau ansehen"):
        raise CommandError("Abgebrochen: nichts geschrieben.")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def apply_merge_preview(
    doc: Any, path: Path, preview: Any, args: argparse.Namespace, *, command: str = "import"
) -> int:
    """Show, confirm, back up and write a three-way preview (returned workbook or copy)."""
    from kik_desktop.cli.writing import document_write_lock
    from kik_desktop.domain.merge_apply import MergeBlocked, prepare_merge
    from kik_desktop.exchange.import_workflow import backup_then_write

    if args.json:
        _print_json(preview.to_json())
    else:
        sys.stdout.write(preview.format_text())
    if preview.has_errors:
        print("Nichts übernommen: Die Datei hat Fehler (siehe oben).", file=sys.stderr)
        return 1
    if args.dry_run:
        if not args.json:
            print("Probelauf (--dry-run): nichts geschrieben.")
        return 0
    from kik_desktop.domain.merge import resolve

    nothing = not preview.new_items and not resolve(preview.result, take_sheet_on_conflict=args.take_sheet)
    first_return = preview.dispatch is not None and preview.dispatch.returned_at is None
    if nothing and not first_return:
        print("Keine Änderungen: nichts zu übernehmen.", file=sys.stderr if args.json else sys.stdout)
        return 0
    confirm(f"{preview.summary()} – übernehmen?", args.yes)
    try:
        record = prepare_merge(
            preview, take_sheet=args.take_sheet, delete_missing=getattr(args, "delete_missing", False)
        )
    except MergeBlocked as exc:
        raise CommandError(str(exc)) from None
    # Like every writing command: refused while the window or another command holds the document (a
    # server document has no lock file).
    with document_write_lock(doc.location, command=command):
        backup_then_write(doc, path.name, record.description, record.redo, record.undo)
    left = 0 if args.take_sheet else len(preview.result.conflicts)
    out = sys.stderr if args.json else sys.stdout
    print(f"Übernommen: {preview.summary()}.", file=out)
    if left:
        print(f"{left} Konflikte offen gelassen: Das Dokument behält dort seinen Wert.", file=out)
    return 0


def import_return(args: argparse.Namespace) -> int | None:
    """``import`` of a workbook: three-way when it carries a dispatch id; None to fall back to the two-way
    import (the JSON preview of a two-way import is printed here as well)."""
    from kik_desktop.exchange.csv_reader import read_table_file
    from kik_desktop.exchange.return_import import legacy_json, preview_return
    from kik_desktop.exchange.xlsx_guard import WorkbookRejected
    from kik_desktop.store import open_document

    path = resolve_db(args.db)
    try:
        grid = read_table_file(args.input)  # a CSV too (fidelity #18)
    except WorkbookRejected as exc:
        raise CommandError(str(exc)) from None
    with open_document(path, read_only=args.dry_run) as doc:
        with doc.reading() as s:
            preview = preview_return(s, args.input, grid)
            if preview is None and args.json:
                from kik_desktop.exchange.preview import read_preview

                legacy = read_preview(s, grid)
                data = legacy_json(s, legacy)
        if preview is None:
            if args.json:
                _print_json(data)
                if args.dry_run or legacy.has_errors:
                    return 1 if legacy.has_errors else 0
            return None
        return apply_merge_preview(doc, Path(args.input), preview, args)


def export_return(args: argparse.Namespace) -> int:
    """``export OUT --field N | --working-group NAME | --institution NAME``: a return workbook."""
    from kik_desktop.cli.writing import document_write_lock
    from kik_desktop.exchange.excel_export import ExportError
    from kik_desktop.exchange.return_workbook import (
        field_scope,
        group_scope,
        institution_scope,
        write_return_workbook,
    )
    from kik_desktop.store import open_document

    due = None
    if args.due:
        try:
            due = datetime.strptime(args.due, "%d.%m.%Y").date()
        except ValueError:
            raise CommandError(f"„{args.due}“ ist kein Datum (TT.MM.JJJJ).") from None
    path = resolve_db(args.db)
    with document_write_lock(path, command="export"), open_document(path) as doc:
        try:
            with doc.transaction() as s:
                if args.field is not None:
                    scope = field_scope(s, args.field)
                elif args.working_group is not None:
                    scope = group_scope(s, args.working_group)
                else:
                    scope = institution_scope(s, args.institution)
                result = write_return_workbook(s, scope, args.output, due=due, today=date.today())
        except ExportError as exc:
            raise CommandError(str(exc)) from None
    for warning in result.warnings:
        print(f"Hinweis: {warning}", file=sys.stderr)
    print(
        f"Rückmeldebogen geschrieben: {result.path} ({scope.label}, {result.measures} Maßnahmen; "
        f"Versendung {result.dispatch.uid})"
    )
    return 0


def export_full(args: argparse.Namespace) -> tuple[Any, Any]:
    """``export OUT`` (the whole table): written and recorded as a dispatch with its base, so that the
    workbook, imported back later, is merged three-way. Returns (ExportResult, DispatchInfo)."""
    from kik_desktop.cli.writing import document_write_lock
    from kik_desktop.exchange.excel_export import ExportError
    from kik_desktop.exchange.export_dispatch import export_document_as_dispatch
    from kik_desktop.store import open_document

    path = resolve_db(args.db)
    with document_write_lock(path, command="export"), open_document(path) as doc:
        try:
            done = export_document_as_dispatch(doc, args.output)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
    return done.result, done.dispatch


def cmd_dispatches(args: argparse.Namespace) -> int:
    from kik_desktop.domain.dispatches import list_dispatches
    from kik_desktop.store import open_document

    with open_document(resolve_db(args.db), read_only=True) as doc, doc.reading() as s:
        items = list_dispatches(s)
    if args.reminders is not None:
        from kik_desktop.reports.reminders import write_reminders

        written = write_reminders(doc_path=resolve_db(args.db), dispatches=items, folder=args.reminders)
        for p in written:
            print(f"Erinnerung: {p}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        _print_json([d.to_json() for d in items])
        return 0
    if not items:
        print("Noch keine Versendungen.")
        return 0
    for d in items:
        if d.returned_at:
            state = f"zurück am {d.returned_at:%d.%m.%Y} ({d.returned_file})"
        elif not d.expects_return:
            state = "vollständiger Export, keine Rückgabe erwartet"
        else:
            state = f"offen (bis {d.due or '–'})"
        print(f"{d.created_at:%d.%m.%Y}  {d.recipient or '–'}  {d.scope_label}  {d.file_name}  {state}")
    outstanding = sum(1 for d in items if d.outstanding)
    print(f"{len(items)} Versendungen, {outstanding} offen.")
    return 0


def cmd_checkout(args: argparse.Namespace) -> int:
    from kik_desktop.cli.writing import document_write_lock
    from kik_desktop.domain.workshop import checkout
    from kik_desktop.store import open_document

    path = resolve_db(args.db)
    with document_write_lock(path, command="checkout"), open_document(path) as doc:
        info = checkout(doc, args.copy, recipient=args.recipient)
    print(f"Arbeitskopie angelegt: {args.copy} (Ausgabe {info.uid}). Zurückführen mit „kik-desktop checkin“.")
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    from kik_desktop.domain.workshop import WorkshopError, preview_checkin
    from kik_desktop.store import open_document

    path = resolve_db(args.db)
    with open_document(path, read_only=args.dry_run) as doc:
        try:
            with doc.reading() as s:
                preview = preview_checkin(s, args.copy)
        except WorkshopError as exc:
            raise CommandError(str(exc)) from None
        return apply_merge_preview(doc, Path(args.copy), preview, args, command="checkin")
