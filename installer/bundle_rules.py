"""What build_installer.spec leaves out of the bundle: unused Qt modules, plugins, translations, libraries.

Kept apart from the spec so that the rules can be tested on any platform (tests/test_frozen_build.py),
including the Windows file names, which CI never builds. PyInstaller's TOC entries are tuples
(destination name, source path, type code); destination names use "\\" on Windows and "/" elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

Entry = tuple[str, str, str]

# Qt Python modules that the hooks would pull in as dependencies although a widgets program does not need
# them; each is excluded only while no module of ours imports it.
QT_OPTIONAL = frozenset({
    "QtConcurrent", "QtDBus", "QtDesigner", "QtHelp", "QtMultimedia", "QtNetwork", "QtOpenGL",
    "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets", "QtQml", "QtQuick", "QtQuickControls2", "QtQuickWidgets",
    "QtSql", "QtSvgWidgets", "QtTest", "QtUiTools", "QtWebEngineCore", "QtXml",
})
QT_ALWAYS = frozenset({"QtCore", "QtGui", "QtWidgets"})

# Python packages never needed at run time, whatever imports them optionally.
EXCLUDED_MODULES = (
    "tkinter", "_tkinter", "turtle", "pydoc_data", "lib2to3",
    "PySide6.scripts", "numpy", "pytest", "pytestqt", "hypothesis", "IPython",
    # Pillow is needed (reportlab imports PIL.Image), but not its AVIF/WebP codecs, colour management, font
    # rendering or Tk/Qt bridges (~10 MB of libraries); Pillow imports each of these only if present.
    "PIL._avif", "PIL._webp", "PIL._imagingcms", "PIL._imagingft", "PIL._imagingtk", "PIL.ImageTk",
    "PIL.ImageQt",
)

QT_TRANSLATIONS_KEPT = ("qt_de.qm", "qtbase_de.qm")

# Plugin folders kept (None: all plugins in it; a set: these plugins only); all other folders are dropped
# (generic input, eglfs, network information, TLS, SQL drivers, QML tooling, Wayland: XWayland runs xcb).
QT_PLUGINS_KEPT: dict[str, frozenset[str] | None] = {
    "platforms": frozenset({"qwindows", "qxcb", "qoffscreen", "qminimal"}),
    "platformthemes": frozenset({"qxdgdesktopportal"}),  # not qgtk3: it would pull in GTK
    "platforminputcontexts": None,
    "xcbglintegrations": None,
    "imageformats": frozenset({"qico", "qsvg"}),
    "iconengines": None,
    "styles": None,
    "printsupport": None,
}
# Windows: the software OpenGL renderer and the Direct3D shader compiler serve OpenGL and Qt Quick only.
DROPPED_BINARIES = re.compile(r"^(opengl32sw|d3dcompiler_\d+|libEGL|libGLESv2)\.dll$", re.IGNORECASE)


def qt_modules_used(source: Path) -> set[str]:
    """The PySide6 modules that the .py files below source import (PySide6.QtX, from PySide6 import QtX)."""
    used: set[str] = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        used.update(re.findall(r"PySide6\.(Qt\w+)", text))
        for names in re.findall(r"from\s+PySide6\s+import\s+(\([^)]*\)|[^\n]*)", text):
            used.update(re.findall(r"\bQt\w+", names))
    return used


def excluded_modules(source: Path) -> list[str]:
    unused_qt = QT_OPTIONAL - qt_modules_used(source) - QT_ALWAYS
    return [*EXCLUDED_MODULES, *(f"PySide6.{name}" for name in sorted(unused_qt))]


def _parts(dest: str) -> list[str]:
    return dest.replace("\\", "/").split("/")


def plugin_kept(dest: str) -> bool:
    """Whether a file below a Qt plugins folder stays (files elsewhere always do)."""
    parts = _parts(dest)
    if "plugins" not in parts:
        return True
    i = parts.index("plugins")
    if len(parts) < i + 3:  # not inside a plugin folder
        return True
    kind, name = parts[i + 1], parts[-1]
    if kind not in QT_PLUGINS_KEPT:
        return False
    kept = QT_PLUGINS_KEPT[kind]
    stem = re.sub(r"^lib", "", name.split(".")[0])
    return kept is None or stem in kept


def keep(entry: Entry, qt_translations_dest: str) -> bool:
    """Whether a TOC entry stays in the bundle; qt_translations_dest is e.g. "PySide6/Qt/translations"."""
    parts = _parts(entry[0])
    dest, name = "/".join(parts), parts[-1]
    if DROPPED_BINARIES.match(name):
        return False
    if dest.startswith(qt_translations_dest.replace("\\", "/") + "/"):
        return name in QT_TRANSLATIONS_KEPT
    if parts[0] == "PySide6" and "plugins" in parts:
        return plugin_kept(dest)
    return True


def orphaned_libraries(removed: Iterable[Entry], kept: list[Entry],
                       dependencies: Callable[[Entry], set[str]]) -> set[str]:
    """Destination names of libraries that only removed binaries needed.

    A candidate is a kept library that some removed binary links to; it stays if any other kept binary
    reaches it through links (followed transitively, as Windows' import tables list direct links only).
    dependencies(entry) gives the lower-case file names an entry links to.
    """
    binaries = ("BINARY", "EXTENSION")
    doomed: set[str] = set()
    for entry in removed:
        if entry[2] in binaries:
            doomed |= dependencies(entry)
    candidates = {
        _name(e).lower(): e for e in kept if e[2] == "BINARY" and _name(e).lower() in doomed
    }
    reached: set[str] = set()
    todo = [e for e in kept if e[2] in binaries and _name(e).lower() not in candidates]
    while todo:
        for name in dependencies(todo.pop()):
            if name in candidates and name not in reached:
                reached.add(name)
                todo.append(candidates[name])
    return {e[0] for name, e in candidates.items() if name not in reached}


def without(toc: list[Entry], dropped: set[str]) -> list[Entry]:
    """toc without the dropped files and the symbolic links to them (PyInstaller lists those in datas)."""
    names = {_parts(d)[-1] for d in dropped}
    return [e for e in toc if e[0] not in dropped and not (e[2] == "SYMLINK" and _parts(e[1])[-1] in names)]


def _name(entry: Entry) -> str:
    return _parts(entry[0])[-1]
