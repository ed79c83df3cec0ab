"""Copies of a document made with SQLite's online backup API (a plain file copy can be torn)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import datetime
from pathlib import Path

from kik_desktop.paths import backup_dir


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9ÄÖÜäöüß_-]+", "-", text).strip("-")[:40] or "sicherung"


def copy_database(source: Path, target: Path) -> None:
    """Write a consistent copy of source to target through a temporary file and an atomic rename."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source.as_posix()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(document: Path, reason: str, folder: Path | None = None) -> Path:
    """Back the document up into the user's backup folder; returns the backup's path."""
    folder = folder or backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    target = folder / f"{document.stem}_{stamp}_{_slug(reason)}.kik"
    copy_database(document, target)
    target.with_name(target.name + ".sha256").write_text(f"{sha256_of(target)}  {target.name}\n", "utf-8")
    return target
