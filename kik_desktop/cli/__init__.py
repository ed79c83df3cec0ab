"""The command line: ``kik-desktop [FILE]`` opens the window, subcommands run headless jobs."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from kik_desktop import __version__

# Each module has register(subparsers), adding its commands with set_defaults(func=...).
# The func takes the parsed arguments and returns the exit code.
COMMAND_MODULES = [
    "kik_desktop.cli.document_commands",
    "kik_desktop.cli.window_commands",
    "kik_desktop.cli.excel_commands",
    "kik_desktop.cli.status_commands",
    "kik_desktop.cli.print_commands",
    "kik_desktop.cli.safety_commands",
    "kik_desktop.cli.cycle_commands",
    "kik_desktop.cli.edition_commands",
    "kik_desktop.cli.snapshot_commands",
    "kik_desktop.cli.team_commands",
]

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A command failed for a reason the user can act on; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    return _build_parser()[0]


def _build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser and the names of its commands (argparse's own texts in German)."""
    from kik_desktop.cli.german import german_argparse

    with german_argparse():
        return _build_german_parser()


def _build_german_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    parser = argparse.ArgumentParser(
        prog="kik-desktop",
        description="KIK Desktop – das Kommunale Integrationskonzept Kempten pflegen. "
        "Ohne Befehl öffnet sich das Fenster (mit DATEI, sonst mit dem zuletzt benutzten Dokument).",
    )
    parser.add_argument(
        "--version", action="version", version=f"KIK Desktop {__version__}", help="Programmversion anzeigen"
    )
    # argparse has no German; these two headings are what a user reads first.
    parser._positionals.title = "Befehle"
    parser._optionals.title = "Optionen"
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser, set(sub.choices)


def document_target(text: str) -> Path | str:
    """A document on the command line: a ``postgresql://`` URL stays text, anything else is a path."""
    from kik_desktop.store.server import is_server_url

    return text if is_server_url(text) else Path(text)


def db_argument(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--db",
        type=document_target,
        required=required,
        metavar="DATEI|URL",
        help="das KIK-Dokument (.kik) oder eine Server-Datenbank (postgresql://benutzer@rechner/datenbank); "
        "ohne Angabe das Standarddokument im Benutzerordner",
    )


def _ask_password(user_at_host: str) -> str | None:
    """The password of a server document, asked on the terminal (never shown, never stored)."""
    if not sys.stdin or not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass(f"Passwort für {user_at_host}: ") or None


def resolve_db(path: Path | str | None) -> Path | str:
    """The document a command works on: --db, or the default document (created if missing)."""
    if path is not None:
        return path
    from kik_desktop.domain.defaults import resolve_document

    return resolve_document(path)


def _configure_streams() -> None:
    # A Windows console may not be UTF-8; German text must not crash the output.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _configure_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, commands = _build_parser()
    if not args_list or (args_list[0] not in commands and not args_list[0].startswith("-")):
        args_list = ["open", *args_list]
    from kik_desktop.cli.german import german_argparse

    with german_argparse():
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
    if not getattr(args, "window_start", False):
        # The window registers it after its start picture: this import loads SQLAlchemy (~0.4 s).
        from kik_desktop.store.server import set_password_provider

        set_password_provider(_ask_password)
    try:
        code: int = args.func(args)
    except CommandError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Imported here, not above: the window's start must not wait for the database layer.
        from kik_desktop.store import DocumentError

        if not isinstance(exc, DocumentError):
            raise
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    return code


def gui_main() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    return main()


if __name__ == "__main__":
    sys.exit(main())


def parse_day(text: str) -> date:
    """A day as people type it: 01.10.2026, 1.10.26, 2026-10-01."""
    raw = text.strip()
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})", raw)
    try:
        if m:
            year = int(m.group(3))
            return date(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(raw)
    except ValueError:
        pass
    raise CommandError(f"„{text}“ ist kein Datum (erwartet TT.MM.JJJJ oder JJJJ-MM-TT).")
