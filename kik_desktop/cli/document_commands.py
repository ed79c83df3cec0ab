"""Document commands: new, dump, check."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

from kik_desktop.cli import CommandError, db_argument, document_target, resolve_db
from kik_desktop.cli.writing import document_write_lock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("new", help="neues Dokument aus dem eingebetteten Konzept (oder leer) anlegen")
    p.add_argument("file", type=document_target, metavar="DATEI|URL")
    p.add_argument("--empty", action="store_true", help="leeres Dokument, nur mit den sechs Status")
    p.add_argument("--force", action="store_true", help="eine vorhandene Datei überschreiben")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("dump", help="den ganzen Plan als JSON ausgeben")
    db_argument(p)
    p.add_argument("--output", "-o", type=Path, metavar="DATEI", help="in eine Datei statt auf die Ausgabe")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser("check", help="ein Dokument auf Beschädigung und Format prüfen")
    db_argument(p)
    p.set_defaults(func=cmd_check)


def cmd_new(args: argparse.Namespace) -> int:
    from kik_desktop.domain.defaults import create_default_document
    from kik_desktop.store import create_document

    path: Path | str = args.file
    if isinstance(path, Path) and path.exists() and not args.force:
        raise CommandError(f"„{path}“ gibt es schon (mit --force überschreiben).")
    overwrite = isinstance(path, Path) or args.force
    # Overwriting a document someone has open would pull it from under them: same lock as the window.
    with document_write_lock(path, command="new"):
        doc = (
            create_document(path, overwrite=overwrite)
            if args.empty
            else create_default_document(path, overwrite=overwrite)
        )
        where = doc.location
        doc.close()
    print(f"Dokument angelegt: {where}")
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    from kik_desktop.domain.queries import dump_plan
    from kik_desktop.store import open_document

    with open_document(resolve_db(args.db), read_only=True) as doc, doc.reading() as s:
        data = dump_plan(s)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0


def check_document(path: Path | str) -> list[str]:
    """Problems of a document file, in German; an empty list means it is sound."""
    from kik_desktop.store import DocumentError, open_document

    try:
        doc = open_document(path, read_only=True)
    except DocumentError as exc:
        return [str(exc)]
    if doc.is_server:
        # The server keeps its own files sound; what can be checked is the schema and the references.
        doc.close()
        return []
    problems: list[str] = []
    try:
        raw = doc.engine.raw_connection()
        try:
            cur = raw.cursor()
            rows = [r[0] for r in cur.execute("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.append("Die Datei ist beschädigt: " + "; ".join(str(r) for r in rows[:5]))
            fk = cur.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"{len(fk)} Verweise zeigen ins Leere (z. B. Tabelle {fk[0][0]}).")
        finally:
            raw.close()
    except sqlite3.DatabaseError as exc:
        problems.append(f"Die Datei ist beschädigt: {exc}")
    except Exception as exc:
        if exc.__class__.__name__ in ("DatabaseError", "OperationalError"):
            problems.append(f"Die Datei ist beschädigt: {exc}")
        else:
            raise
    finally:
        doc.close()
    return problems


def cmd_check(args: argparse.Namespace) -> int:
    from kik_desktop.domain.plan import counts
    from kik_desktop.store import open_document

    path = resolve_db(args.db)
    problems = check_document(path)
    if problems:
        for problem in problems:
            print(f"Fehler: {problem}", file=sys.stderr)
        return 1
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        c = counts(s)
        path = doc.location
    print(
        f"{path}: in Ordnung ({c['fields']} Handlungsfelder, {c['goals']} Ziele, {c['measures']} Maßnahmen)"
    )
    return 0
