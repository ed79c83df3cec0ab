"""Hilfe menu: the German user guide (F1, from resources/help/anleitung.md), the list of shortcuts, Über."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.paths import resource

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext

GUIDE = "help/anleitung.md"


def guide_text() -> str:
    return resource(GUIDE).read_text(encoding="utf-8")


class GuideDialog(QDialog):
    """The user guide in a browser that follows links and scrolls with the keyboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Anleitung – KIK Desktop")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setAccessibleName("Anleitung")
        self.browser.setAccessibleDescription("Die Anleitung zu KIK Desktop; mit den Pfeiltasten blättern.")
        self.browser.setMarkdown(guide_text())
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        _fit(self, 760, 680)


class ShortcutsDialog(QDialog):
    """Every shortcut of the window's actions, as the program knows them right now."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Tastenkürzel – KIK Desktop")
        layout = QVBoxLayout(self)
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Taste", "Befehl"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Tastenkürzel")
        for r, (keys, text) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        _fit(self, 560, 620)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys as the user reads them, command) for every action of the window that has a shortcut."""
    rows: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()
        ]
        text = action.text().replace("&", "").split(":")[0].removesuffix(" …").strip()
        if keys and text:
            rows.setdefault(" / ".join(keys), text)
    return sorted(((k, t) for k, t in rows.items()), key=lambda row: row[1].lower())


def _fit(dialog: QDialog, width: int, height: int) -> None:
    screen = dialog.screen()
    area = screen.availableGeometry() if screen is not None else None
    if area is not None:
        width, height = min(width, area.width() - 40), min(height, area.height() - 60)
    dialog.resize(width, height)


def install(ctx: WindowContext) -> None:
    """Hilfe → Anleitung (F1), Tastenkürzel, then the window's own „Über KIK Desktop“."""
    window = ctx.window
    menu = ctx.menus["help"]
    first = menu.actions()[0] if menu.actions() else None

    guide = QAction("&Anleitung", window)
    guide.setShortcut(QKeySequence.StandardKey.HelpContents)
    if guide.shortcut().isEmpty():
        guide.setShortcut(QKeySequence("F1"))
    guide.setStatusTip("Die Anleitung: erster Start, Bearbeiten, Arbeitsgruppen, Drucken, Sicherungen")

    def show_guide() -> None:
        dialog = ctx.part(GuideDialog)
        if dialog is None:
            dialog = ctx.provide(GuideDialog(window))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    guide.triggered.connect(show_guide)
    shortcuts = QAction("&Tastenkürzel", window)
    shortcuts.triggered.connect(lambda: ShortcutsDialog(window).exec())
    if first is not None:
        menu.insertAction(first, guide)
        menu.insertAction(first, shortcuts)
        menu.insertSeparator(first)
    else:
        menu.addAction(guide)
        menu.addAction(shortcuts)
    ctx.actions["guide"] = guide
    ctx.actions["shortcuts"] = shortcuts
