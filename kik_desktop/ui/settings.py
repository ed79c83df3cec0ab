"""The program's settings (QSettings in an INI file in the user's data folder) and what they hold."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from kik_desktop.paths import data_dir

RECENT_KEY = "recent/files"


def app_settings() -> QSettings:
    """Settings in an INI file in the user's data folder (portable, and private to tests)."""
    return QSettings(str(data_dir() / "einstellungen.ini"), QSettings.Format.IniFormat)


def recent_files(settings: QSettings) -> list[str]:
    """The recently opened documents, newest first (an INI file gives a lone entry as a string)."""
    value = settings.value(RECENT_KEY, [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []
