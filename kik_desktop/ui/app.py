"""Starting the Qt application: translations, settings, the window; screenshot and selftest."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QSettings,
    Qt,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from kik_desktop import APP_NAME, ORG_NAME, __version__
from kik_desktop.paths import default_document_path, resource
from kik_desktop.ui.settings import app_settings, recent_files

log = logging.getLogger(__name__)


def _install_translations(app: QApplication) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    # qtbase has the texts of Qt's own dialogs and buttons; qt_de only chains modules we do not ship.
    for name in ("qtbase_de",):
        translator = QTranslator(app)
        if translator.load(name, path):
            app.installTranslator(translator)
        else:
            log.warning("Qt translation %s not found in %s", name, path)


# Qt's offscreen platform says so on every window it shows; it means nothing to a user of screenshot/selftest.
OFFSCREEN_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)


@contextmanager
def quiet_offscreen_messages() -> Iterator[None]:
    """Drop the offscreen platform's notices; every other Qt message still goes to stderr."""

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if any(noise in message for noise in OFFSCREEN_NOISE):
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    _install_translations(app)
    icon = resource("icons/kik.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def start_document(explicit: Path | None, settings: QSettings) -> Path:
    """The document to open: the one named, else the last one used, else the embedded default."""
    if explicit is not None:
        return explicit
    for name in recent_files(settings):
        if Path(name).is_file():
            return Path(name)
    default = default_document_path()
    if not default.exists():
        from kik_desktop.domain.defaults import create_default_document

        create_default_document(default).close()
    return default


def startup_splash(app: QApplication) -> QLabel:
    """A start picture painted before the heavy imports (database, Excel, PDF) of the window."""
    pixmap = QPixmap(460, 190)
    pixmap.fill(QColor("#ffffff"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#1f4e79"))
    painter.drawRect(0, 0, pixmap.width() - 1, pixmap.height() - 1)
    icon = app.windowIcon()
    if not icon.isNull():
        painter.drawPixmap(24, 40, icon.pixmap(96, 96))
    title = QFont(app.font())
    title.setPointSizeF(title.pointSizeF() * 1.8)
    title.setBold(True)
    painter.setFont(title)
    painter.drawText(140, 80, APP_NAME)
    painter.setFont(app.font())
    painter.setPen(QColor("#333333"))
    painter.drawText(140, 108, "Kommunales Integrationskonzept Kempten")
    painter.setPen(QColor("#555555"))
    painter.drawText(
        pixmap.rect().adjusted(0, 0, -14, -10),
        Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight,
        "wird gestartet …",
    )
    painter.end()
    # A plain frameless label, not QSplashScreen: its show() waits up to a second for the window
    # system to confirm the window is exposed, which is what this picture is meant to avoid.
    splash = QLabel()
    splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.setPixmap(pixmap)
    splash.setAccessibleName("KIK Desktop wird gestartet")
    screen = app.primaryScreen()
    if screen is not None:
        splash.move(screen.availableGeometry().center() - pixmap.rect().center())
    splash.show()
    app.processEvents()
    return splash


def run_app(file: Path | None = None, password_provider: Callable[[str], str | None] | None = None) -> int:
    app = create_application()
    splash = startup_splash(app)
    if password_provider is not None:
        # Registered here, after the start picture: importing the store loads SQLAlchemy.
        from kik_desktop.store.server import set_password_provider

        set_password_provider(password_provider)
    from kik_desktop.ui.errors import install_excepthook

    install_excepthook()
    from kik_desktop.exchange.excel_export import clean_stale_temp_files

    clean_stale_temp_files()
    from kik_desktop.ui.main_window import MainWindow

    settings = app_settings()
    window = MainWindow(settings)
    window.show()
    splash.close()
    path = start_document(file, settings)
    if not window.open_path(path) and path != default_document_path():
        window.open_path(start_document(None, app_settings()))
    return app.exec()


def take_screenshot(
    output: Path,
    db: Path | None,
    *,
    select: str | None = None,
    size: tuple[int, int] = (1366, 768),
    search: str | None = None,
    board: bool = False,
) -> int:
    """Render the main window offscreen into a PNG (for the README and for looking at it)."""
    with quiet_offscreen_messages():
        return _take_screenshot(output, db, select=select, size=size, search=search, board=board)


def _take_screenshot(
    output: Path,
    db: Path | None,
    *,
    select: str | None = None,
    size: tuple[int, int] = (1366, 768),
    search: str | None = None,
    board: bool = False,
) -> int:
    """Render the main window offscreen into a PNG (for the README and for looking at it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application()
    from kik_desktop.domain.defaults import resolve_document as resolve_db
    from kik_desktop.domain.plan import find_by_number
    from kik_desktop.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        from kik_desktop.store.backup import copy_database

        # A private copy, opened for writing, so the picture shows the editor as the user sees it.
        source = Path(resolve_db(db))
        copy = Path(tmp) / source.name
        copy_database(source, copy)
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(*size)
        window._fitted = True  # the size asked for, not fitted to the (offscreen) screen
        window.show()
        if not window.open_path(copy):
            return 1
        if search:
            window.search.setText(search)
        if select and window.document is not None:
            with window.document.reading() as s:
                found = find_by_number(s, select)
            if found is None:
                print(f"Fehler: Es gibt keinen Eintrag {select}.", file=sys.stderr)
                return 1
            window.select_item(*found)
        if board:
            action = window.context.actions.get("status_board")
            if action is None:
                print("Fehler: Die Gesamtschau ist in diesem Programm nicht enthalten.", file=sys.stderr)
                return 1
            action.trigger()
        app.processEvents()
        ok = window.grab().save(str(output))
        window.close()
    if not ok:
        print(f"Fehler: {output} konnte nicht geschrieben werden.", file=sys.stderr)
        return 1
    print(f"Bildschirmfoto gespeichert: {output}")
    return 0


def run_selftest() -> int:
    """Open the default document offscreen, walk the tree, edit and undo one measure, check both."""
    with quiet_offscreen_messages():
        return _run_selftest()


def _run_selftest() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application()
    from kik_desktop.domain import plan
    from kik_desktop.domain.defaults import create_default_document
    from kik_desktop.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "selbsttest.kik"
        create_default_document(path).close()
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.show()
        if not window.open_path(path):
            print("Selbsttest: Standarddokument lässt sich nicht öffnen", file=sys.stderr)
            return 1
        if app.translate("QPlatformTheme", "Cancel") != "Abbrechen":
            print("Selbsttest: Qts deutsche Übersetzung (qtbase_de) fehlt", file=sys.stderr)
            return 1
        rows = 0
        measures = []
        for node in window.tree_model.root.walk():
            rows += 1
            index = window.tree_model.index_of_node(node)
            if (
                not index.isValid()
                or not index.data()
                or window.tree_view.isRowHidden(index.row(), index.parent())
            ):
                print(f"Selbsttest: Zeile {node.number()} wird nicht angezeigt", file=sys.stderr)
                return 1
            if node.kind == "measure":
                measures.append(node)
        if not measures:
            print("Selbsttest: keine Maßnahme im Standarddokument", file=sys.stderr)
            return 1
        target = measures[0]
        window.select_item("measure", target.id)
        assert window.document is not None
        with window.document.reading() as s:
            before = plan.get_values(s, "measure", target.id)["title"]
        window.operations.update("measure", target.id, {"title": before + " (Selbsttest)"})
        with window.document.reading() as s:
            edited = plan.get_values(s, "measure", target.id)["title"]
        window.undo()
        with window.document.reading() as s:
            after = plan.get_values(s, "measure", target.id)["title"]
        app.processEvents()
        window.close()
        if edited != before + " (Selbsttest)" or after != before:
            print(
                f"Selbsttest: Bearbeiten/Rückgängig fehlerhaft ({before!r} → {edited!r} → {after!r})",
                file=sys.stderr,
            )
            return 1
    print(f"Selbsttest bestanden: {rows} Zeilen, Bearbeiten und Rückgängig in Ordnung (Qt {qt_version()})")
    return 0


def qt_version() -> str:
    from PySide6 import __version__ as pyside_version

    return pyside_version
