"""Edition command: the next edition of the concept (Fortschreibung) as a new document."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kik_desktop.cli import CommandError, db_argument, resolve_db


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fortschreiben",
        help="die nächste Fassung des Konzepts als neues Dokument anlegen (Fortschreibung)",
        description="Legt aus dem Dokument (--db) eine neue Fassung an: Handlungsfelder, Ziele, "
        "Institutionen, Steuerungsgruppe, Querschnittsaufgaben, Förderquellen, Legende und die "
        "offenen Maßnahmen mit ihrem Statusverlauf. Umgesetzte Maßnahmen bleiben weg, außer mit "
        "--mit-umgesetzten. Jeder übernommene Eintrag verweist auf seinen Ursprung; das bisherige "
        "Dokument bleibt unverändert.",
    )
    p.add_argument("file", type=Path, metavar="NEUE_DATEI", help="die neue Fassung (.kik)")
    db_argument(p)
    p.add_argument("--name", metavar="NAME", help="Name der neuen Fassung (sonst aus dem bisherigen gezählt)")
    p.add_argument(
        "--mit-umgesetzten",
        dest="with_done",
        action="store_true",
        help="auch die umgesetzten Maßnahmen übernehmen",
    )
    p.add_argument("--force", action="store_true", help="eine vorhandene NEUE_DATEI überschreiben")
    p.set_defaults(func=cmd_fortschreiben)


def cmd_fortschreiben(args: argparse.Namespace) -> int:
    from kik_desktop import DOCUMENT_SUFFIX
    from kik_desktop.domain.edition import write_next_edition
    from kik_desktop.store.lock import DocumentInUseError, DocumentLock

    found = resolve_db(args.db)
    if not isinstance(found, Path):
        raise CommandError(
            "Eine neue Fassung wird aus einer .kik-Datei geschrieben. Das Server-Dokument zuerst kopieren "
            "(„kik-desktop copy URL DATEI.kik“) und die Kopie fortschreiben."
        )
    source = found
    target: Path = args.file
    if target.suffix.lower() != DOCUMENT_SUFFIX:
        raise CommandError(f"Die neue Fassung braucht die Endung {DOCUMENT_SUFFIX} („{target.name}“).")
    if target.exists() and not args.force:
        raise CommandError(f"„{target}“ gibt es schon (mit --force überschreiben).")
    # The source is only read. Someone may have it open: then the saved state is what is carried.
    holder = DocumentLock(source).holder()
    if holder is not None and not holder.is_stale():
        print(
            f"Hinweis: „{source.name}“ ist geöffnet ({holder.describe()}); "
            "übernommen wird der gespeicherte Stand.",
            file=sys.stderr,
        )
    try:
        result = write_next_edition(
            source, target, name=args.name, carry_done=bool(args.with_done), overwrite=args.force
        )
    except DocumentInUseError as exc:
        raise CommandError(str(exc)) from exc
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    measures = result.carried.get("measure", 0)
    print(f"Neue Fassung angelegt: {result.path}")
    print(f"  „{result.name}“ (Fassung {result.edition}), fortgeschrieben aus „{result.predecessor_name}“")
    print(
        f"  {result.carried.get('field', 0)} Handlungsfelder, {result.carried.get('goal', 0)} Ziele, "
        f"{measures} Maßnahmen übernommen"
    )
    if result.left_out:
        print(f"  {len(result.left_out)} umgesetzte Maßnahmen nicht übernommen:")
        for done in result.left_out:
            print(f"    {done.number} {done.title}")
    if result.carried_done:
        print(f"  {len(result.carried_done)} umgesetzte Maßnahmen übernommen")
    return 0
