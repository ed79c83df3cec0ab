"""Ansicht → Präsentationsmodus (F11): full screen, large type, the Gesamtschau large, editing chrome hidden.

For the projector in a working group's workshop. Nothing of it is remembered: leaving the mode (F11 or Esc)
gives back the window, the zoom and the splitter exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from kik_desktop.ui.status_board import SideTabs
from kik_desktop.ui.tree_filters import FilterBar

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext

# Zoom steps of the presentation (each step 1.5 pt, as Strg+Plus).
PRESENTATION_ZOOM = 3


@dataclass
class _Saved:
    zoom: int
    maximized: bool
    splitter: list[int]
    hidden: list[QWidget]
    tab: int
    geometry: QByteArray


class Presentation:
    def __init__(self, ctx: WindowContext) -> None:
        self.ctx = ctx
        window = ctx.window
        self.saved: _Saved | None = None
        self.action = QAction("&Präsentationsmodus", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("F11"))
        self.action.setStatusTip("Ganzer Bildschirm, große Schrift, die Gesamtschau groß – für den Beamer")
        self.action.toggled.connect(self.set_active)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.escape.setEnabled(False)
        self.escape.activated.connect(lambda: self.action.setChecked(False))
        self.hint = QLabel("Präsentation – F11 oder Esc beendet sie")
        self.hint.setAccessibleName("Präsentationsmodus aktiv")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555; padding: 2px 6px;")
        self.hint.hide()

    @property
    def active(self) -> bool:
        return self.saved is not None

    def chrome(self) -> list[QWidget]:
        """What only editing needs: menus, the status bar, search and filter bar, banners of the tree."""
        ctx = self.ctx
        widgets: list[QWidget] = [ctx.window.menuBar(), ctx.window.statusBar(), ctx.search, ctx.search_hits]
        filters = ctx.part(FilterBar)
        if filters is not None:
            widgets.append(filters)
        tabs = ctx.part(SideTabs)
        if tabs is not None:
            widgets.append(tabs.tabBar())
        return [x for x in widgets if x.isVisible()]

    def widen_board(self) -> None:
        """The board (right) three quarters of the width, the tree a quarter."""
        if not self.active:
            return
        total = sum(self.ctx.splitter.sizes())
        if total > 0:
            self.ctx.splitter.setSizes([total // 4, total - total // 4])

    def set_active(self, on: bool) -> None:
        ctx, w = self.ctx, self.ctx.window
        if on == self.active:
            return
        if on:
            tabs = ctx.part(SideTabs)
            self.saved = _Saved(
                zoom=ctx.zoom_level(),
                maximized=w.isMaximized(),
                splitter=ctx.splitter.sizes(),
                hidden=self.chrome(),
                tab=tabs.currentIndex() if tabs is not None else 0,
                geometry=w.saveGeometry(),
            )
            ctx.editor.flush()
            for widget in self.saved.hidden:
                widget.hide()
            board_action = ctx.actions.get("status_board")
            if board_action is not None:
                board_action.setChecked(True)
            ctx.set_zoom(max(PRESENTATION_ZOOM, ctx.zoom_level()))
            w.showFullScreen()
            self.widen_board()
            # The window reaches full-screen size only after the window system answered.
            QTimer.singleShot(0, self.widen_board)
            self.hint.show()
            self.escape.setEnabled(True)
        else:
            saved, self.saved = self.saved, None
            assert saved is not None
            self.escape.setEnabled(False)
            self.hint.hide()
            for widget in saved.hidden:
                widget.show()
            tabs = ctx.part(SideTabs)
            if tabs is not None:
                tabs.setCurrentIndex(saved.tab)
            ctx.set_zoom(saved.zoom)
            if saved.maximized:
                w.showMaximized()
            else:
                w.showNormal()

            def finish() -> None:
                # After the normal type size has reached every widget (the minimum width shrinks with
                # it) and the window system has left full screen: the old geometry and splitter.
                if not saved.maximized:
                    w.restoreGeometry(saved.geometry)
                ctx.splitter.setSizes(saved.splitter)

            finish()
            QTimer.singleShot(0, finish)
        self.action.setChecked(self.active)


def install(ctx: WindowContext) -> None:
    presentation = ctx.provide(Presentation(ctx))
    ctx.actions["presentation"] = presentation.action
    ctx.menus["view"].addAction(presentation.action)
    # The hint sits where the search was, above the tree.
    parent = ctx.search.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(0, presentation.hint)

    def leave() -> None:
        # Closing the window during a presentation stores the normal layout, not the presentation's.
        if presentation.active:
            presentation.action.setChecked(False)

    ctx.closing.connect(leave)
