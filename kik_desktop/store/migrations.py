"""Schema versions with Alembic: which state a file is in, and upgrading it step by step."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

log = logging.getLogger(__name__)

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations_scripts"))


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
        return rev


def schema_state(engine: Engine) -> Literal["current", "older", "newer"]:
    rev = current_revision(engine)
    if rev == head_revision():
        return "current"
    if rev is None or rev in known_revisions():
        return "older"
    return "newer"


def upgrade(engine: Engine, path: Path, *, backup: bool = True, target: str = "head") -> None:
    """Back the file up, then apply each migration step in a transaction of its own."""
    if backup:
        from kik_desktop.store.backup import make_backup

        make_backup(path, reason="vor Aktualisierung des Formats")
    cfg = _config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    log.info("migrated %s to %s", path, target)
