"""What every command that writes to a document must do: hold the document's lock, ask only on a terminal.

``document_write_lock(path)`` is the one place where the command line takes a document's lock the way the
window does (``kik_desktop/store/lock.py``): a lock held by a running program refuses the command with a
German message naming who holds it and since when (exit code 1, nothing written); a stale lock (its process is
gone, or the computer has been restarted since) is taken over. Use it around every write of a new command::

    with document_write_lock(path):
        ...  # open the document, back it up, write in one transaction

``confirm(question, yes=...)`` asks on a terminal; without one (stdin from a pipe or a file, a scheduled task)
it refuses unless ``--yes`` was given, so an unattended run never writes without the explicit flag.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kik_desktop.cli import CommandError

YES_ANSWERS = ("j", "ja", "y", "yes")


@contextmanager
def document_write_lock(path: Path | str, *, command: str = "") -> Iterator[None]:
    """Hold the lock of ``path`` for the duration of a writing command, or raise CommandError.

    A document that does not exist yet is locked as well (``new`` creates it under the lock). A server
    document (``postgresql://…``) has no lock file: several editors work on it at once (row versions and
    the change log keep them apart), so nothing is locked there.
    """
    from kik_desktop.store.lock import DocumentLock, LockUnavailableError
    from kik_desktop.store.server import is_server_url

    if is_server_url(path):
        yield
        return
    path = Path(path)

    lock = DocumentLock(path)
    try:
        holder = lock.try_acquire()
    except LockUnavailableError as exc:
        raise CommandError(f"{exc} Nichts geschrieben.") from None
    if holder is not None:
        what = f"„kik-desktop {command}“" if command else "Der Befehl"
        raise CommandError(
            f"„{path.name}“ ist bereits geöffnet: von {holder.describe()}. {what} schreibt nicht in ein "
            "geöffnetes Dokument; nichts geschrieben. Bitte das Dokument dort schließen und den Befehl "
            "wiederholen (eine Sperre, die sicher niemand mehr hält, hebt „kik-desktop unlock“ auf)."
        )
    try:
        yield
    finally:
        lock.release()


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def confirm(question: str, *, yes: bool, flag: str = "--yes", alternative: str = "") -> bool:
    """True when the user agreed (or ``yes``); False when they declined on the terminal.

    Without a terminal nobody can answer: raises CommandError telling to pass ``flag``.
    """
    if yes:
        return True
    if not stdin_is_terminal():
        hint = f" oder {alternative}" if alternative else ""
        raise CommandError(
            f"Ohne Terminal kann das Programm nicht nachfragen ({question}?). Mit {flag} bestätigen"
            f"{hint}; nichts geschrieben."
        )
    try:
        answer = input(question + "? [j/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in YES_ANSWERS


__all__ = ["YES_ANSWERS", "confirm", "document_write_lock", "stdin_is_terminal"]
