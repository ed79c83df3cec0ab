"""Optional parts of the window (dialogs, docks) that add themselves through install(ctx).

Each module has ``install(ctx: WindowContext) -> None`` (see ``ui/context.py``). Installed in this order.
"""

EXTENSIONS: list[str] = [
    "kik_desktop.ui.restore_dialog",
    "kik_desktop.ui.status_board",
    "kik_desktop.ui.tree_filters",
    "kik_desktop.ui.status_history",
    "kik_desktop.ui.concept_pages",
    "kik_desktop.ui.edition_dialog",
    "kik_desktop.ui.print_dialog",
    "kik_desktop.ui.excel_dialogs",
    "kik_desktop.ui.cycle_dialogs",
    "kik_desktop.ui.indicator_editor",
    "kik_desktop.ui.indicator_board",
    "kik_desktop.ui.snapshot_dialogs",
    "kik_desktop.ui.timeline_view",
    "kik_desktop.ui.presentation",
    "kik_desktop.ui.help",
    "kik_desktop.ui.team",
]
