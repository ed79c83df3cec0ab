"""Optional parts of the window (dialogs, docks) that add themselves through install(window)."""

# Each module has install(window: MainWindow) -> None; they are installed in this order.
EXTENSIONS: list[str] = [
    "kik_desktop.ui.restore_dialog",
    "kik_desktop.ui.status_board",
    "kik_desktop.ui.print_dialog",
    "kik_desktop.ui.excel_dialogs",
    "kik_desktop.ui.team",
]
