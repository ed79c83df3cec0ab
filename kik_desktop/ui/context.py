"""What an extension of the window gets: a typed context instead of attributes set on the window.

``MainWindow`` builds one ``WindowContext`` and hands it to every extension's ``install(ctx)``
(see ``ui/extensions.py``). Extensions register what they add as typed parts (``ctx.provide(part)``,
found again with ``ctx.part(SomeClass)``) and their actions by name (``ctx.actions["print"]``), so no
module needs to import the window, and nothing is probed with getattr.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QMenu, QSplitter, QTreeView, QVBoxLayout

from kik_desktop.store import Document
from kik_desktop.store.lock import DocumentLock
from kik_desktop.ui.editors import DetailEditor
from kik_desktop.ui.operations import Operations
from kik_desktop.ui.plan_tree_model import PlanTreeFilter, PlanTreeModel

T = TypeVar("T")


@dataclass
class WindowContext:
    """The window's parts an extension may use.

    ``window`` is the parent for dialogs and actions (and has the status bar); ``operations`` owns the
    document, the undo stack, the plan index and the board's data and emits ``applied(PlanUpdate)``;
    ``document_opened(doc)`` and ``filters_cleared()`` are the window's own signals.
    """

    window: QMainWindow
    settings: QSettings
    operations: Operations
    menus: dict[str, QMenu]
    tree_view: QTreeView
    tree_model: PlanTreeModel
    tree_filter: PlanTreeFilter
    editor: DetailEditor
    splitter: QSplitter
    filter_slot: QVBoxLayout
    search: QLineEdit
    document_opened: SignalInstance
    filters_cleared: SignalInstance
    select_item: Callable[[str, int], bool]
    set_id_filter: Callable[[set[int] | None, str], None]
    show_error: Callable[[str, str], None]
    set_document: Callable[[Document, DocumentLock | None], None]
    take_lock: Callable[[], DocumentLock | None]
    # The selected item of the tree ((kind, id) or None); open another document (False if refused).
    current_item: Callable[[], tuple[str, int] | None]
    open_path: Callable[[Path], bool]
    # The label under the search field ("n Treffer"), the window's type size step and its setter
    # (0 normal, as Strg+0), and ``closing()``, emitted before the window stores its layout and closes.
    search_hits: QLabel
    zoom_level: Callable[[], int]
    set_zoom: Callable[[int], None]
    closing: SignalInstance
    actions: dict[str, QAction] = field(default_factory=dict)
    _parts: dict[type, object] = field(default_factory=dict)

    @property
    def document(self) -> Document | None:
        return self.operations.document

    def provide(self, part: T) -> T:
        """Register a part (a widget, a dialog) under its class for other extensions and tests."""
        self._parts[type(part)] = part
        return part

    def part(self, cls: type[T]) -> T | None:
        found = self._parts.get(cls)
        return found if isinstance(found, cls) else None
