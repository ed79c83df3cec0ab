"""Team database commands: copy a document between a file and a server, store a server password."""

from __future__ import annotations

import argparse

from kik_desktop.cli import CommandError, document_target


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "copy",
        help="ein Dokument zwischen einer .kik-Datei und einer Server-Datenbank kopieren (beide Richtungen)",
    )
    p.add_argument("source", type=document_target, metavar="QUELLE", help="Datei (.kik) oder postgresql://…")
    p.add_argument("target", type=document_target, metavar="ZIEL", help="Datei (.kik) oder postgresql://…")
    p.add_argument(
        "--force", action="store_true", help="ein vorhandenes Ziel überschreiben (vorher wird es gesichert)"
    )
    p.set_defaults(func=cmd_copy)

    p = sub.add_parser(
        "password", help="das Passwort einer Server-Datenbank im Schlüsselbund des Systems speichern"
    )
    p.add_argument("url", metavar="URL", help="postgresql://benutzer@rechner/datenbank")
    p.set_defaults(func=cmd_password)


def cmd_copy(args: argparse.Namespace) -> int:
    from kik_desktop.store import DocumentError, open_document
    from kik_desktop.store.backup import make_backup
    from kik_desktop.store.server import is_server_url
    from kik_desktop.store.transfer import copy_document

    source, target = args.source, args.target
    if str(source) == str(target):
        raise CommandError("Quelle und Ziel sind dasselbe Dokument.")
    if args.force:
        # What is overwritten is backed up first (a server database that holds a document, or a file).
        try:
            existing = open_document(target, read_only=True)
        except DocumentError:
            existing = None
        if existing is not None:
            with existing:
                backup = make_backup(existing, "vor Überschreiben durch copy", kind="manual")
            print(f"Das bisherige Ziel ist gesichert: {backup}")
    result = copy_document(source, target, overwrite=args.force)
    kind = "auf den Server" if is_server_url(target) else "in die Datei"
    print(f"Kopiert {kind}: {result.target} ({result.describe()}; alle Zeilenzahlen geprüft)")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    import getpass

    from kik_desktop.store import DocumentError
    from kik_desktop.store.server import check_password, is_server_url, save_password, user_at_host

    if not is_server_url(args.url):
        raise CommandError(
            f"„{args.url}“ ist keine Server-Adresse (postgresql://benutzer@rechner/datenbank)."
        )
    password = getpass.getpass(f"Passwort für {user_at_host(args.url)}: ")
    if not password:
        raise CommandError("Kein Passwort eingegeben: nichts gespeichert.")
    try:
        check_password(args.url, password)  # a wrong password does not go into the keyring
    except DocumentError as exc:
        raise CommandError(f"{exc} Das Passwort wurde nicht gespeichert.") from None
    if not save_password(args.url, password):
        raise CommandError("Auf diesem Rechner gibt es keinen nutzbaren Schlüsselbund: nichts gespeichert.")
    print(f"Passwort für {user_at_host(args.url)} im Schlüsselbund gespeichert (Dienst „KIK-Desktop“).")
    return 0
