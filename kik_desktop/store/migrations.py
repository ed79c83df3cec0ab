"""Schema versions with Alembic: which state a file is in, and upgrading it step by step."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

    from kik_desktop.store.backup import OpenDocument

log = logging.getLogger(__name__)

# The revisions of this program, oldest first. Opening a document only compares its revision with
# these (Alembic and Mako cost a third of a second to import); Alembic is loaded only to upgrade.
# tests/test_store_and_cli.py checks that this list equals Alembic's own.
REVISIONS = (
    "0001_base",
    "0002_status_history",
    "0003_status_symbols",
    "0004_working_groups",
    "0005_indicators",
    "0006_editions",
    "0007_team",
    "0008_team",
)
HEAD = REVISIONS[-1]

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations_scripts"))


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def alembic_head() -> str:
    """The head revision as Alembic reads it from the scripts (slow: imports Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def alembic_revisions() -> list[str]:
    """All revisions as Alembic reads them, oldest first."""
    from alembic.script import ScriptDirectory

    return [s.revision for s in reversed(list(ScriptDirectory.from_config(_config()).walk_revisions()))]


def head_revision() -> str:
    return HEAD


def known_revisions() -> set[str]:
    return set(REVISIONS)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        else:
            # One round trip instead of the inspector's catalog queries (opening over a network).
            found = conn.exec_driver_sql("SELECT to_regclass('alembic_version') IS NOT NULL").scalar()
            tables = {"alembic_version"} if found else set()
        rev = None
        if "alembic_version" in tables:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        conn.rollback()
        return None if rev is None else str(rev)


def schema_state(engine: Engine) -> Literal["current", "older", "newer"]:
    rev = current_revision(engine)
    if rev == head_revision():
        return "current"
    if rev is None or rev in known_revisions():
        return "older"
    return "newer"


def upgrade(engine: Engine, path: Path | OpenDocument, *, backup: bool = True, target: str = "head") -> None:
    """Back the document up, then apply each migration step in a transaction of its own.

    ``path`` is the file, or the open server Document (backed up into a ``.kik`` file). A server user
    without the right to change the schema gets a German DocumentError; nothing is changed then.
    """
    if backup:
        from kik_desktop.store.backup import make_backup

        make_backup(path, reason="vor Aktualisierung des Formats")
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    cfg = _config()
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except DBAPIError as exc:
        if engine.dialect.name == "sqlite":
            raise
        from kik_desktop.store.errors import DocumentError
        from kik_desktop.store.server import describe_server_error, insufficient_privilege

        name = getattr(path, "name", str(path))
        user = engine.url.username or "?"
        if insufficient_privilege(exc):
            raise DocumentError(
                f"„{name}“ hat ein älteres Format und muss einmal aktualisiert werden, aber der Benutzer "
                f"„{user}“ darf die Tabellen der Datenbank nicht ändern. Bitte das Dokument einmal mit dem "
                "Benutzer öffnen, dem die Tabellen gehören (meist der Administrator); danach können alle "
                "weiterarbeiten. Es wurde nichts verändert."
            ) from exc
        raise DocumentError(f"„{name}“ kann nicht aktualisiert werden: {describe_server_error(exc)}") from exc
    log.info("migrated %s to %s", getattr(path, "location", path), target)
