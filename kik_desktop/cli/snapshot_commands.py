"""Reporting dates on the command line: ``snapshot create|list|delete``, the change report and the
zeitplan printouts (``print veraenderungen``, ``print zeitplan``) and ``status --since-snapshot``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kik_desktop.cli import CommandError, db_argument, parse_day, resolve_db
from kik_desktop.cli.writing import document_write_lock


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except CommandError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "snapshot",
        help="Berichtsstände: den Stand festhalten, auflisten, löschen",
        description="Ein Berichtsstand hält Status, Termine, Verantwortliche und Indikatorwerte aller "
        "Maßnahmen unter einer Bezeichnung fest (z. B. „Fachrunde Mai 2026“). Er kann nicht geändert, "
        "nur gelöscht werden.",
    )
    actions = p.add_subparsers(dest="snapshot_action", metavar="AKTION", required=True)
    c = actions.add_parser("create", help="den jetzigen Stand unter einer Bezeichnung festhalten")
    c.add_argument("label", metavar="BEZEICHNUNG")
    db_argument(c)
    c.add_argument(
        "--date", type=_day, metavar="JJJJ-MM-TT", help="Datum des Berichtsstands (Standard: heute)"
    )
    c.set_defaults(func=cmd_create)
    ls = actions.add_parser("list", help="die Berichtsstände auflisten")
    db_argument(ls)
    ls.add_argument("--json", action="store_true", help="als JSON")
    ls.set_defaults(func=cmd_list)
    d = actions.add_parser("delete", help="einen Berichtsstand löschen (nur mit --yes)")
    d.add_argument("label", metavar="BEZEICHNUNG")
    db_argument(d)
    d.add_argument("--yes", "-y", action="store_true", help="ja, löschen (ohne Rückfrage)")
    d.set_defaults(func=cmd_delete)


def register_print_kinds(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Called by print_commands: adds ``print veraenderungen`` and ``print zeitplan``."""
    text = "„Was hat sich seit … getan?“: Veränderungen seit einem Berichtsstand für die Fachrunde"
    k = kinds.add_parser("veraenderungen", help=text, description=text)
    k.add_argument("out", type=Path, metavar="AUSGABE.pdf")
    db_argument(k)
    k.add_argument("--seit", required=True, metavar="BERICHTSSTAND", help="Bezeichnung des Berichtsstands")
    k.add_argument(
        "--bis", metavar="BERICHTSSTAND", help="mit einem späteren Berichtsstand statt mit heute vergleichen"
    )
    k.add_argument("--stand", type=_day, metavar="DATUM", help="das Stand-Datum (Standard: heute)")
    k.set_defaults(func=cmd_print_changes)
    text = "der Zeitplan: Maßnahmen als Balken von Beginn bis Ende (quer, über mehrere Seiten)"
    k = kinds.add_parser("zeitplan", help=text, description=text)
    k.add_argument("out", type=Path, metavar="AUSGABE.pdf")
    db_argument(k)
    k.add_argument("--field", type=int, metavar="N", help="nur dieses Handlungsfeld")
    k.add_argument("--stand", type=_day, metavar="DATUM", help="der Tag der Heute-Linie (Standard: heute)")
    k.set_defaults(func=cmd_print_timeline)


def _existing(path: Path | str | None) -> Path | str:
    p = resolve_db(path)
    if isinstance(p, Path) and not p.exists():
        raise CommandError(f"„{p}“ gibt es nicht.")
    return p


def cmd_create(args: argparse.Namespace) -> int:
    from kik_desktop.domain.snapshots import SnapshotError, create_snapshot
    from kik_desktop.store import open_document

    path = _existing(args.db)
    with document_write_lock(path, command="snapshot create"), open_document(path) as doc:
        try:
            with doc.transaction() as s:
                info, _changes = create_snapshot(s, args.label, args.date)
        except SnapshotError as exc:
            raise CommandError(str(exc)) from None
    print(f"Berichtsstand „{info.label}“ vom {info.day:%d.%m.%Y} festgehalten ({info.measures} Maßnahmen).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from kik_desktop.domain.snapshots import list_snapshots
    from kik_desktop.store import open_document

    with open_document(_existing(args.db), read_only=True) as doc, doc.reading() as s:
        infos = list_snapshots(s)
    if args.json:
        sys.stdout.write(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not infos:
        print("Keine Berichtsstände.")
    for i in infos:
        print(
            f"{i.day:%d.%m.%Y}  {i.label}  ({i.measures} Maßnahmen, "
            f"festgehalten {i.created_at:%d.%m.%Y %H:%M})"
        )
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from kik_desktop.domain.snapshots import SnapshotError, delete_snapshot, find_snapshot
    from kik_desktop.store import open_document

    path = _existing(args.db)
    with document_write_lock(path, command="snapshot delete"), open_document(path) as doc:
        try:
            with doc.reading() as s:
                info = find_snapshot(s, args.label)
            if not args.yes:
                raise CommandError(
                    f"Berichtsstand „{info.label}“ wird nicht gelöscht: zum Löschen --yes angeben "
                    "(ein gelöschter Berichtsstand lässt sich nicht wiederherstellen)."
                )
            with doc.transaction() as s:
                delete_snapshot(s, info.label)
        except SnapshotError as exc:
            raise CommandError(str(exc)) from None
    print(f"Berichtsstand „{info.label}“ gelöscht.")
    return 0


def changes_since(s: Any, label: str, today: date) -> Any:
    """The comparison of a snapshot with now, for ``status --since-snapshot``."""
    from kik_desktop.domain.snapshots import SnapshotError, compare_with

    try:
        return compare_with(s, label, None, today)
    except SnapshotError as exc:
        raise CommandError(str(exc)) from None


def format_comparison(cmp: Any, short: Any) -> str:
    """The comparison as console text (German); short(key) gives a status' short label."""
    lines = ["", f"Veränderungen seit Berichtsstand „{cmp.old.label}“ ({cmp.old.day:%d.%m.%Y}):"]
    lines.append(f"  Statuswechsel: {len(cmp.status_moves)}")
    for m in cmp.status_moves:
        lines.append(f"    {m.number:<9} {m.title or '(ohne Titel)'}: {short(m.old)} → {short(m.new)}")
    for title, items in (("Neue Maßnahmen", cmp.new_measures), ("Entfallene Maßnahmen", cmp.removed)):
        lines.append(f"  {title}: {len(items)}")
        lines += [f"    {m.number:<9} {m.title or '(ohne Titel)'}" for m in items]
    for title, changes in (
        ("Umnummeriert", cmp.moved),
        ("Neue Verantwortliche", cmp.responsible),
        ("Ende verschoben", cmp.postponed),
    ):
        lines.append(f"  {title}: {len(changes)}")
        lines += [
            f"    {c.number:<9} {c.title or '(ohne Titel)'}: {c.old or '–'} → {c.new or '–'}" for c in changes
        ]
    lines.append(f"  Indikatoren mit neuem Wert: {len(cmp.indicators)}")
    from kik_desktop.domain.indicators import format_number

    for i in cmp.indicators:
        old = "–" if i.old is None else format_number(i.old)
        new = "–" if i.new is None else format_number(i.new)
        if i.is_new:
            lines.append(f"    {i.number:<9} {i.name}: neu, {new} {i.unit}".rstrip())
        else:
            lines.append(f"    {i.number:<9} {i.name}: {old} → {new} {i.unit}".rstrip())
    return "\n".join(lines) + "\n"


def cmd_print_changes(args: argparse.Namespace) -> int:
    from kik_desktop.domain.snapshots import SnapshotError
    from kik_desktop.reports.change_report import ChangeReportError, load_change_report, write_change_report
    from kik_desktop.store import open_document

    with open_document(_existing(args.db), read_only=True) as doc, doc.reading() as s:
        try:
            data = load_change_report(s, args.seit, args.bis, args.stand)
        except SnapshotError as exc:
            raise CommandError(str(exc)) from None
    try:
        pages = write_change_report(data, args.out)
    except ChangeReportError as exc:
        raise CommandError(str(exc)) from None
    _warn_glyphs(data.missing)
    print(f"{args.out}: {pages} {'Seite' if pages == 1 else 'Seiten'} geschrieben")
    return 0


def cmd_print_timeline(args: argparse.Namespace) -> int:
    from kik_desktop.reports.change_report import ChangeReportError
    from kik_desktop.reports.timeline_report import load_timeline_print, write_timeline_report
    from kik_desktop.store import open_document

    with open_document(_existing(args.db), read_only=True) as doc, doc.reading() as s:
        try:
            data = load_timeline_print(s, args.stand, args.field)
        except ChangeReportError as exc:
            raise CommandError(str(exc)) from None
    try:
        pages = write_timeline_report(data, args.out)
    except ChangeReportError as exc:
        raise CommandError(str(exc)) from None
    _warn_glyphs(data.missing)
    print(f"{args.out}: {pages} {'Seite' if pages == 1 else 'Seiten'} geschrieben")
    return 0


def _warn_glyphs(missing: set[str]) -> None:
    if missing:
        chars = " ".join(sorted(missing))
        print(
            f"Warnung: Diese Zeichen fehlen in der Schrift und wurden durch � ersetzt: {chars}",
            file=sys.stderr,
        )
