"""Where file dialogs start: the user's Documents folder first, then the folder last used for that purpose.

The program's data folder (documents, backups) is hidden from an office user (``%LOCALAPPDATA%``); exports and
printouts must land where they look for them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


def documents_folder() -> Path:
    """The user's Documents folder (``Dokumente`` / ``Documents``), else the home folder."""
    from platformdirs import user_documents_dir

    try:
        folder = Path(user_documents_dir())
    except Exception:  # platformdirs raises on exotic systems without a known folder
        return Path.home()
    return folder if folder.is_dir() else Path.home()


def start_folder(settings: QSettings, key: str) -> Path:
    """The folder last used for ``key`` (e.g. ``"export/folder"``) when it still exists, else Documents."""
    stored = settings.value(key)
    if isinstance(stored, str) and stored and Path(stored).is_dir():
        return Path(stored)
    return documents_folder()


def remember_folder(settings: QSettings, key: str, path: Path) -> None:
    """Remember the folder of a file the user just chose or wrote."""
    settings.setValue(key, str(path.parent))
    settings.sync()


__all__ = ["documents_folder", "remember_folder", "start_folder"]
