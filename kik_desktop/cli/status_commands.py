"""Status command: the Gesamtschau (counts, progress, action lists, changes) on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kik_desktop.cli import CommandError, db_argument, parse_day, resolve_db


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("status", help="die Gesamtschau der Umsetzung ausgeben (Zahlen und Listen)")
    db_argument(p)
    p.add_argument(
        "--since",
        metavar="DATUM",
        help="auch die Statusänderungen seit diesem Tag (TT.MM.JJJJ oder JJJJ-MM-TT)",
    )
    p.add_argument(
        "--since-snapshot",
        metavar="BERICHTSSTAND",
        help="auch die Veränderungen seit diesem Berichtsstand (Statuswechsel, neu, entfallen, …)",
    )
    p.add_argument("--today", metavar="DATUM", help=argparse.SUPPRESS)  # for reproducible output in tests
    p.add_argument("--json", action="store_true", help="als JSON statt als Text")
    p.set_defaults(func=cmd_status)


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def format_board(board: Any) -> str:
    """The board as plain text for a console (German)."""
    from kik_desktop.domain.board import LIST_TITLES

    lines = [f"Gesamtschau der Umsetzung – Stand {board.today:%d.%m.%Y}", ""]
    heads = [board.short_label(k) for k in board.columns] + ["Summe"]
    names = [f"{f.number} {f.name}" for f in board.fields] + ["Summe"]
    name_width = min(max([len(n) for n in names] + [13]), 40)
    widths = [max(len(h), 5) for h in heads]

    def row(name: str, values: list[str]) -> str:
        cells = " ".join(v.rjust(w) for v, w in zip(values, widths, strict=True))
        return f"{name[:name_width].ljust(name_width)}  {cells}".rstrip()

    lines.append(row("Handlungsfeld", heads))
    for f, name in zip(board.fields, names, strict=False):
        lines.append(row(name, [str(f.counts[k]) for k in board.columns] + [str(f.measures)]))
    lines.append(row("Summe", [str(board.totals[k]) for k in board.columns] + [str(board.total_measures)]))
    lines += ["", "Legende:"]
    lines += [f"  {board.short_label(st.key)}: {st.label}" for st in board.statuses]
    lines += ["", "Stand der Erfassung und Fortschritt:"]
    for f in board.fields:
        lines.append(
            f"  {f.number} {f.name}: {f.entered_text()}, {f.goals_text()}; "
            f"umgesetzt {_percent(f.share_done)}, in Umsetzung {_percent(f.share_in_progress)}, "
            f"gefährdet {_percent(f.share_at_risk)}"
        )
    lines.append(
        f"  Insgesamt: {board.total_measures} von {board.adopted_measures} Maßnahmen, "
        f"{board.total_goals} von {board.adopted_goals} Zielen erfasst"
    )
    first, last = board.soon_range()
    for name, entries in board.lists().items():
        title = LIST_TITLES[name]
        if name == "starting_soon":
            title += f" (von {first} bis {last})"
        lines += ["", f"{title}: {len(entries)}"]
        for e in entries:
            extra = f"  ({e.extra})" if e.extra else ""
            lines.append(f"  {e.number:<9} {e.title or '(ohne Titel)'}{extra}")
    if board.since is not None:
        lines += ["", f"Statusänderungen seit {board.since:%d.%m.%Y}: {len(board.changes)}"]
        for c in board.changes:
            lines.append(
                f"  {c.changed_at:%d.%m.%Y %H:%M}  {c.number:<9} {c.title or '(ohne Titel)'}: "
                f"{board.short_label(c.old_status)} → {board.short_label(c.new_status)}"
            )
    return "\n".join(lines) + "\n"


def cmd_status(args: argparse.Namespace) -> int:
    from kik_desktop.domain.board import compute_board
    from kik_desktop.store import open_document

    since = parse_day(args.since) if args.since else None
    today = parse_day(args.today) if args.today else date.today()
    path = resolve_db(args.db)
    if isinstance(path, Path) and not path.exists():
        raise CommandError(f"„{path}“ gibt es nicht.")
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        board = compute_board(s, today, since)
        changes = None
        if args.since_snapshot:
            from kik_desktop.cli.snapshot_commands import changes_since

            changes = changes_since(s, args.since_snapshot, today)
    if args.json:
        data = board.to_dict()
        if changes is not None:
            data["changes"] = changes.to_dict()
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_board(board))
        if changes is not None:
            from kik_desktop.cli.snapshot_commands import format_comparison

            sys.stdout.write(format_comparison(changes, board.short_label))
    return 0
