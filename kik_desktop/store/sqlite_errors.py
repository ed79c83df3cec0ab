"""The one table that classifies SQLite failures, used by every reading and writing path.

Three classes (after qutebrowser's ``misc/sql.py``): **environment** (disk full, read-only, locked or
busy, I/O, cannot open: the user can fix it, nothing of ours is wrong), **damaged** (the file is corrupt
or no database: restore a backup) and **bug** (anything else: a programming error, to be reported).
``classify(exc)`` finds the rule by the SQLite error name (extended codes included, e.g.
``SQLITE_IOERR_WRITE``) or, for drivers that give no name, by a fragment of the message.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum


class ErrorClass(Enum):
    ENVIRONMENT = "environment"
    DAMAGED = "damaged"
    BUG = "bug"


@dataclass(frozen=True)
class SqliteErrorRule:
    name: str  # the SQLite primary error name; extended names start with it
    fragments: tuple[str, ...]  # message fragments that mean the same when no name is given
    error_class: ErrorClass
    message: str  # German, for the user


RULES: tuple[SqliteErrorRule, ...] = (
    SqliteErrorRule(
        "SQLITE_FULL",
        ("database or disk is full", "disk is full"),
        ErrorClass.ENVIRONMENT,
        "Nicht genug Speicherplatz: Die Änderung wurde nicht gespeichert. Bitte Platz schaffen.",
    ),
    SqliteErrorRule(
        "SQLITE_READONLY",
        ("readonly", "read-only"),
        ErrorClass.ENVIRONMENT,
        "Das Dokument ist schreibgeschützt: Die Änderung wurde nicht gespeichert.",
    ),
    SqliteErrorRule(
        "SQLITE_BUSY",
        ("database is locked",),
        ErrorClass.ENVIRONMENT,
        "Das Dokument ist gerade von einem anderen Programm gesperrt. "
        "Bitte in einigen Sekunden erneut versuchen.",
    ),
    SqliteErrorRule(
        "SQLITE_LOCKED",
        ("database table is locked",),
        ErrorClass.ENVIRONMENT,
        "Das Dokument ist gerade von einem anderen Programm gesperrt. "
        "Bitte in einigen Sekunden erneut versuchen.",
    ),
    SqliteErrorRule(
        "SQLITE_IOERR",
        ("disk I/O error",),
        ErrorClass.ENVIRONMENT,
        "Lese- oder Schreibfehler am Datenträger (z. B. Netzlaufwerk getrennt): "
        "Die Änderung wurde nicht gespeichert.",
    ),
    SqliteErrorRule(
        "SQLITE_CANTOPEN",
        ("unable to open",),
        ErrorClass.ENVIRONMENT,
        "Die Datei des Dokuments kann nicht geöffnet werden (Ordner entfernt, Netzlaufwerk getrennt "
        "oder keine Rechte).",
    ),
    SqliteErrorRule(
        "SQLITE_CORRUPT",
        ("malformed",),
        ErrorClass.DAMAGED,
        "Das Dokument ist beschädigt. Bitte eine Sicherung wiederherstellen.",
    ),
    SqliteErrorRule(
        "SQLITE_NOTADB",
        ("file is not a database", "not a database"),
        ErrorClass.DAMAGED,
        "Die Datei ist kein KIK-Dokument (keine SQLite-Datenbank).",
    ),
)


@dataclass(frozen=True)
class Classified:
    error_class: ErrorClass
    message: str

    @property
    def is_environment(self) -> bool:
        return self.error_class is ErrorClass.ENVIRONMENT

    @property
    def is_known(self) -> bool:
        """Environment or damage: a German message for the user, not a bug report."""
        return self.error_class is not ErrorClass.BUG


def classify(exc: BaseException) -> Classified:
    """The class and German message of an SQLite failure (or of the OSError / SQLAlchemy error around it)."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError):
        return Classified(ErrorClass.ENVIRONMENT, f"Fehler im Dateisystem: {orig.strerror or orig}")
    name = getattr(orig, "sqlite_errorname", "") or ""
    message = str(orig)
    if isinstance(orig, sqlite3.Error) or name:
        for rule in RULES:
            if name.startswith(rule.name):
                return Classified(rule.error_class, rule.message)
        for rule in RULES:
            if any(f in message for f in rule.fragments):
                return Classified(rule.error_class, rule.message)
    return Classified(ErrorClass.BUG, f"Datenbankfehler: {message}")
