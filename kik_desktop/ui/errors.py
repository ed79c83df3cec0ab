"""Unexpected errors: a rotating log file, an excepthook with a German dialog, storage error messages."""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from kik_desktop import APP_NAME
from kik_desktop.paths import log_dir
from kik_desktop.store import DocumentDamagedError, DocumentError, StorageError

log = logging.getLogger(__name__)

LOG_FILE_NAME = "kik-desktop.log"
# More dialogs than this within the window are only logged: an error in a repaint must not flood the
# screen with message boxes (KeePassXC's endless "could not save" dialogs are the cautionary tale).
MAX_DIALOGS = 3
DIALOG_WINDOW_SECONDS = 10.0

_state: dict[str, object] = {"installed": False, "in_dialog": False}
_recent_dialogs: list[float] = []


def log_file() -> Path:
    return log_dir() / LOG_FILE_NAME


def setup_logging() -> Path:
    """Log to a rotating file in the user's data folder (5 × 1 MB); returns its path."""
    path = log_file()
    root = logging.getLogger()
    if not any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
    return path


def _may_show_dialog() -> bool:
    now = time.monotonic()
    _recent_dialogs[:] = [t for t in _recent_dialogs if now - t < DIALOG_WINDOW_SECONDS]
    if _state["in_dialog"] or len(_recent_dialogs) >= MAX_DIALOGS:
        return False
    _recent_dialogs.append(now)
    return True


def _parent() -> QWidget | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.activeWindow()


def _exec(box: QMessageBox) -> None:
    _state["in_dialog"] = True
    try:
        box.exec()
    finally:
        _state["in_dialog"] = False


def show_storage_error(parent: QWidget | None, exc: BaseException, title: str = "") -> None:
    """A failed save or open (disk full, read-only, network drive gone, locked): what happened, what to do."""
    log.warning("storage error: %s", exc)
    if not _may_show_dialog():
        return
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, DocumentDamagedError):
        title = title or "Dokument beschädigt"
        info = (
            "Die Datei des Dokuments ist beschädigt; es wurde nichts geändert. Bitte über "
            "Datei → Sicherung wiederherstellen … einen früheren Stand zurückholen."
        )
    elif isinstance(exc, StorageError):
        title = title or "Änderung nicht gespeichert"
        info = (
            "Die Änderung wurde vollständig zurückgenommen; das Fenster zeigt den zuletzt gespeicherten "
            "Stand. Alles früher Gespeicherte ist erhalten. Bitte die Ursache beheben (Speicherplatz, "
            "Netzlaufwerk, Schreibrechte) und die Änderung dann wiederholen."
        )
    else:
        title = title or "Dokument"
        info = ""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if info:
        box.setInformativeText(info)
    _exec(box)


def show_unexpected_error(parent: QWidget | None, exc: BaseException, details: str) -> None:
    if not _may_show_dialog():
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        f"Unerwarteter Fehler – {APP_NAME}",
        f"Im Programm ist ein unerwarteter Fehler aufgetreten: {exc.__class__.__name__}: {exc}",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setInformativeText(
        "Gespeicherte Daten sind nicht betroffen: Jede Änderung wird ganz oder gar nicht gespeichert. "
        "Das Programm läuft weiter; bitte die letzte Aktion prüfen und gegebenenfalls wiederholen.\n\n"
        f"Einzelheiten stehen in der Protokolldatei:\n{log_file()}"
    )
    box.setDetailedText(details)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    _exec(box)


class _MainThreadRelay(QObject):
    """Carries an exception from another thread to the GUI thread, where dialogs may be shown."""

    raised = Signal(object, str)


_relay: list[_MainThreadRelay] = []


def handle_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log the exception and tell the user; the event loop (and so the program) keeps running."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    if isinstance(exc, DocumentError):
        log.warning("%s", details)
    else:
        log.error("unexpected error\n%s", details)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if QThread.currentThread() is not app.thread():
        if _relay:
            _relay[0].raised.emit(exc, details)
        return
    _show(exc, details)


def _show(exc: BaseException, details: str) -> None:
    try:
        if isinstance(exc, DocumentError):
            show_storage_error(_parent(), exc)
        else:
            show_unexpected_error(_parent(), exc, details)
    except Exception:  # a failing dialog must not recurse into the hook
        log.exception("could not show the error dialog")


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        handle_exception(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthook() -> Path:
    """Route uncaught exceptions (GUI thread and others) to the log file and a German dialog.

    Call once after the QApplication exists; returns the log file's path.
    """
    path = setup_logging()
    if not _state["installed"]:
        relay = _MainThreadRelay()
        relay.raised.connect(_show, Qt.ConnectionType.QueuedConnection)
        _relay.append(relay)
        sys.excepthook = handle_exception
        threading.excepthook = _thread_hook
        _state["installed"] = True
    return path


__all__ = [
    "handle_exception",
    "install_excepthook",
    "log_file",
    "setup_logging",
    "show_storage_error",
    "show_unexpected_error",
]
