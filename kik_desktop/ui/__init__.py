"""The Qt user interface: the only package that imports PySide6."""

from kik_desktop.ui.pyside_fixes import guard_none_refcount

# Before any Qt object exists: PySide6 6.12 drops a reference to None on every invalid QVariant
# (see pyside_fixes); without this a long session ends in "Fatal Python error: none_dealloc".
guard_none_refcount()
