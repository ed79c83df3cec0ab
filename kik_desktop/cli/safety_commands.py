"""Safety commands: backup, backups, restore, unlock."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kik_desktop.cli import CommandError, db_argument, resolve_db
from kik_desktop.cli.writing import confirm, document_write_lock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="eine Sicherung des Dokuments im Benutzerordner anlegen")
    db_argument(p)
    p.add_argument("--reason", default="von Hand", metavar="TEXT", help="Anlass (erscheint in der Liste)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "backups", help="die Sicherungen eines Dokuments mit Datum, Anlass und Umfang auflisten"
    )
    db_argument(p)
    p.add_argument("--all", action="store_true", help="die Sicherungen aller Dokumente")
    p.add_argument("--verify", action="store_true", help="jede Sicherung prüfen (Prüfsumme und Integrität)")
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser(
        "restore", help="eine Sicherung wiederherstellen (der jetzige Stand wird vorher gesichert)"
    )
    p.add_argument("backup", metavar="SICHERUNG", help="Pfad der Sicherung oder ihre Nummer aus „backups“")
    db_argument(p, required=True)
    p.add_argument("--yes", action="store_true", help="ohne Rückfrage")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "unlock", help="die Sperre eines Dokuments aufheben (nur wenn es sicher niemand geöffnet hat)"
    )
    db_argument(p, required=True)
    p.add_argument("--yes", action="store_true", help="ohne Rückfrage")
    p.set_defaults(func=cmd_unlock)


def cmd_backup(args: argparse.Namespace) -> int:
    from kik_desktop.store.backup import make_backup, read_backup_info

    path = resolve_db(args.db)
    if isinstance(path, str):
        from kik_desktop.store import open_document

        with open_document(path, read_only=True) as doc:
            target = make_backup(doc, args.reason, kind="manual")
        print(f"Sicherung angelegt: {target} ({read_backup_info(target).describe_counts()})")
        return 0
    if not path.exists():
        raise CommandError(f"Die Datei „{path}“ gibt es nicht.")
    target = make_backup(path, args.reason, kind="manual")
    info = read_backup_info(target)
    print(f"Sicherung angelegt: {target} ({info.describe_counts()})")
    return 0


def cmd_backups(args: argparse.Namespace) -> int:
    from kik_desktop.store.backup import list_backups, verify_backup

    path = None if args.all else resolve_db(args.db)
    infos = list_backups(path)
    if not infos:
        print("Keine Sicherungen vorhanden.")
        return 0
    bad = 0
    for number, info in enumerate(infos, 1):
        state = ""
        if args.verify:
            problems = verify_backup(info)
            bad += bool(problems)
            state = "  geprüft: in Ordnung" if not problems else f"  BESCHÄDIGT: {'; '.join(problems)}"
        print(
            f"{number:3d}  {info.created:%d.%m.%Y %H:%M:%S}  {info.reason or '–':28s}  "
            f"{info.describe_counts()}  {info.path}{state}"
        )
    return 1 if bad else 0


def _file_only(document: Path | str, what: str) -> Path:
    if isinstance(document, str):
        raise CommandError(
            f"{what} gibt es nur für Dateien. Eine Sicherung auf den Server zurückspielen: "
            f"kik-desktop copy SICHERUNG.kik {document} --force"
        )
    return document


def _pick(spec: str, document: Path) -> Path:
    from kik_desktop.store.backup import list_backups

    if spec.isdigit():
        infos = list_backups(document)
        index = int(spec)
        if not 1 <= index <= len(infos):
            raise CommandError(f"Es gibt keine Sicherung Nummer {index} (siehe „kik-desktop backups“).")
        return infos[index - 1].path
    path = Path(spec)
    if not path.is_file():
        raise CommandError(f"Die Sicherung „{spec}“ gibt es nicht.")
    return path


def cmd_restore(args: argparse.Namespace) -> int:
    from kik_desktop.store.backup import read_backup_info, restore_backup

    document = _file_only(args.db, "„restore“")
    info = read_backup_info(_pick(args.backup, document))
    with document_write_lock(document, command="restore"):
        question = (
            f"„{document}“ durch die Sicherung vom {info.created:%d.%m.%Y %H:%M} ersetzen "
            "(der jetzige Stand wird vorher gesichert)"
        )
        if not confirm(question, yes=args.yes):
            print("Abgebrochen.")
            return 1
        previous = restore_backup(info, document)
    print(f"Wiederhergestellt: {document} aus {info.path} ({info.describe_counts()})")
    if previous is not None:
        print(f"Der vorherige Stand ist gesichert: {previous}")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from kik_desktop.store.lock import DocumentLock

    lock = DocumentLock(_file_only(args.db, "Sperren"))
    holder = lock.holder()
    if holder is None:
        print("Das Dokument ist nicht gesperrt.")
        return 0
    if not confirm(f"Gesperrt von {holder.describe()}. Sperre wirklich aufheben", yes=args.yes):
        print("Abgebrochen.", file=sys.stderr)
        return 1
    lock.break_lock()
    lock.release()
    print("Sperre aufgehoben.")
    return 0
