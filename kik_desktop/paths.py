"""Where things live: the user's data folder, the default document, the bundled resources."""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

from kik_desktop import APP_NAME, DOCUMENT_SUFFIX

APP_DIR_NAME = "KIK-Desktop"


def data_dir() -> Path:
    """The per-user data folder; KIK_DESKTOP_DATA_DIR overrides it (tests, portable use)."""
    override = os.environ.get("KIK_DESKTOP_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "Sicherungen"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "Protokolle"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_document_path() -> Path:
    return data_dir() / f"Integrationskonzept{DOCUMENT_SUFFIX}"


def resource(name: str) -> Traversable:
    """A bundled resource file by its path below resources/."""
    node: Traversable = resources.files("kik_desktop.resources")
    for part in name.split("/"):
        node = node / part
    return node


__all__ = ["APP_NAME", "backup_dir", "data_dir", "default_document_path", "log_dir", "resource"]
