"""Window commands: open (the default), screenshot, selftest; Qt is imported only when they run."""

from __future__ import annotations

import argparse
from pathlib import Path

from kik_desktop.cli import db_argument


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("open", help="das Fenster öffnen (Standard, wenn kein Befehl angegeben ist)")
    p.add_argument("file", type=Path, nargs="?", metavar="DATEI")
    p.set_defaults(func=cmd_open, window_start=True)

    p = sub.add_parser("screenshot", help="das Hauptfenster ohne Bildschirm in eine PNG-Datei zeichnen")
    p.add_argument("output", type=Path, metavar="AUSGABE.png")
    db_argument(p)
    p.add_argument("--select", metavar="NUMMER", help="diesen Eintrag auswählen, z. B. 2.1.1")
    p.add_argument("--size", default="1366x768", metavar="BxH", help="Fenstergröße (Standard 1366x768)")
    p.add_argument("--search", metavar="TEXT", help="diesen Suchtext eingeben")
    p.add_argument("--gesamtschau", action="store_true", help="die Gesamtschau (Statusübersicht) zeigen")
    p.set_defaults(func=cmd_screenshot)

    p = sub.add_parser("selftest", help="Fenster ohne Bildschirm öffnen, bearbeiten, rückgängig machen")
    p.set_defaults(func=cmd_selftest)


def cmd_open(args: argparse.Namespace) -> int:
    from kik_desktop.cli import _ask_password
    from kik_desktop.ui.app import run_app

    return run_app(args.file, password_provider=_ask_password)


def cmd_screenshot(args: argparse.Namespace) -> int:
    from kik_desktop.ui.app import take_screenshot

    width, _, height = args.size.partition("x")
    return take_screenshot(
        args.output,
        args.db,
        select=args.select,
        size=(int(width), int(height)),
        search=args.search,
        board=args.gesamtschau,
    )


def cmd_selftest(args: argparse.Namespace) -> int:
    from kik_desktop.ui.app import run_selftest

    return run_selftest()
