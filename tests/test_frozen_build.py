"""The inputs of the frozen build and the installer, checked cheaply.

The build itself and the smoke test of the frozen program run in .ci/run (scripts/build_frozen.py);
these tests catch the mistakes that need no build: a broken version resource, an icon without its sizes,
an installer script that no longer matches the spec or could touch the user's data folder.
"""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import kik_desktop
from kik_desktop import paths

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "build_installer.spec").read_text(encoding="utf-8")
ISS = (ROOT / "installer" / "kik_desktop.iss").read_text(encoding="utf-8-sig")


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _iss_section(name: str) -> list[str]:
    match = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", ISS, re.MULTILINE | re.DOTALL)
    assert match, f"[{name}] missing from the installer script"
    return [line for line in match.group(1).splitlines() if line.strip() and not line.startswith(";")]


def test_version_numbers_for_windows() -> None:
    versioninfo = _load(ROOT / "installer" / "versioninfo.py")
    assert versioninfo.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert versioninfo.version_tuple("1.2") == (1, 2, 0, 0)
    assert versioninfo.version_tuple("2.0.1.dev3") == (2, 0, 1, 0)
    assert versioninfo.version_tuple("1.0rc1") == (1, 0, 0, 0)
    assert versioninfo.version_tuple("1.2.3.4.5") == (1, 2, 3, 4)


def test_version_resource_text_is_what_pyinstaller_reads() -> None:
    """PyInstaller eval()s the file with its version-info classes; stand-ins record the arguments."""
    versioninfo = _load(ROOT / "installer" / "versioninfo.py")
    text = versioninfo.version_text(kik_desktop.__version__, "KIK", "KIK.exe")

    class Node:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.args, self.kwargs = args, kwargs

    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]
    info = eval(text, {name: type(name, (Node,), {}) for name in names})
    assert type(info).__name__ == "VSVersionInfo"
    assert info.kwargs["ffi"].kwargs["filevers"] == versioninfo.version_tuple(kik_desktop.__version__)
    strings = {s.args[0]: s.args[1] for s in info.kwargs["kids"][0].args[0][0].args[1]}
    assert strings["ProductVersion"] == kik_desktop.__version__
    assert strings["OriginalFilename"] == "KIK.exe"
    assert strings["ProductName"] == kik_desktop.APP_NAME


def test_icon_files_and_sizes() -> None:
    icons = ROOT / "resources" / "icons"
    assert (icons / "kik.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (icons / "kik.svg").read_text(encoding="utf-8")
    data = (icons / "kik.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}  # width byte; 0 means 256
    assert {16, 24, 32, 48, 256} <= sizes


def test_installer_matches_the_spec() -> None:
    assert re.search(r'^BUNDLE_NAME = "KIK-Desktop"$', SPEC, re.MULTILINE)
    assert re.search(r'^GUI_NAME = "KIK" if WINDOWS', SPEC, re.MULTILINE)
    assert re.search(r'^CLI_NAME = "kik-desktop-cli"$', SPEC, re.MULTILINE)
    assert '#define AppExeName "KIK.exe"' in ISS
    assert '#define CliExeName "kik-desktop-cli.exe"' in ISS
    assert r'"..\dist\KIK-Desktop"' in ISS
    icon = re.search(r"^SetupIconFile=(.+)$", ISS, re.MULTILINE)
    assert icon and (ROOT / "installer" / icon.group(1).replace("\\", "/")).is_file()


def test_installer_is_per_user_german_and_associates_kik_files() -> None:
    setup = _iss_section("Setup")
    assert "PrivilegesRequired=lowest" in setup
    assert r"DefaultDirName={localappdata}\Programs\{#AppName}" in setup
    assert "ChangesAssociations=yes" in setup
    assert any(r"compiler:Languages\German.isl" in line for line in _iss_section("Languages"))
    registry = "\n".join(_iss_section("Registry"))
    assert all(line.startswith("Root: HKA;") for line in _iss_section("Registry"))
    assert r'Subkey: "Software\Classes\.kik"' in registry
    assert r'""{app}\{#AppExeName}"" ""%1""' in registry
    assert kik_desktop.DOCUMENT_SUFFIX == ".kik"


def test_installer_never_deletes_the_users_data_folder() -> None:
    """Updates and the uninstaller delete below {app} only; the data folder is the one paths.py uses."""
    for section in ("InstallDelete", "UninstallDelete"):
        for line in _iss_section(section):
            name = re.search(r'Name: "([^"]*)"', line)
            assert name and name.group(1).startswith("{app}"), line
    assert paths.APP_DIR_NAME == "KIK-Desktop"
    assert r"ExpandConstant('{localappdata}\KIK-Desktop')" in ISS


def test_bundle_rules_keep_what_a_widgets_program_needs_on_windows_and_linux() -> None:
    rules = _load(ROOT / "installer" / "bundle_rules.py")

    def kept(dest: str, translations: str) -> bool:
        return bool(rules.keep((dest, "src", "BINARY"), translations))

    win, lin = "PySide6/translations", "PySide6/Qt/translations"
    for dest in (
        r"PySide6\plugins\platforms\qwindows.dll",
        r"PySide6\plugins\platforms\qoffscreen.dll",
        r"PySide6\plugins\styles\qmodernwindowsstyle.dll",
        r"PySide6\plugins\imageformats\qico.dll",
        r"PySide6\plugins\imageformats\qsvg.dll",
        r"PySide6\plugins\iconengines\qsvgicon.dll",
        r"PySide6\Qt6Widgets.dll",
        r"PySide6\translations\qtbase_de.qm",
        "python311.dll",
    ):
        assert kept(dest, win), dest
    for dest in (
        r"PySide6\opengl32sw.dll",
        r"PySide6\d3dcompiler_47.dll",
        r"PySide6\plugins\tls\qschannelbackend.dll",
        r"PySide6\plugins\networkinformation\qnetworklistmanager.dll",
        r"PySide6\plugins\platforms\qdirect2d.dll",
        r"PySide6\plugins\imageformats\qjpeg.dll",
        r"PySide6\plugins\generic\qtuiotouchplugin.dll",
        r"PySide6\translations\qtbase_fr.qm",
    ):
        assert not kept(dest, win), dest
    assert kept("PySide6/Qt/plugins/platforms/libqxcb.so", lin)
    assert kept("PySide6/Qt/translations/qt_de.qm", lin)
    assert not kept("PySide6/Qt/plugins/platforms/libqeglfs.so", lin)
    assert not kept("PySide6/Qt/plugins/platformthemes/libqgtk3.so", lin)
    assert not kept("PySide6/Qt/translations/qtbase_ja.qm", lin)


def test_bundle_rules_drop_only_libraries_that_dropped_plugins_alone_needed() -> None:
    """Windows import tables list direct links only: a chain through a candidate must keep it."""
    rules = _load(ROOT / "installer" / "bundle_rules.py")
    links = {
        "qschannelbackend.dll": {"qt6network.dll", "qt6core.dll"},
        "qnetworklistmanager.dll": {"qt6network.dll", "qt6core.dll"},
        "qsvg.dll": {"qt6svg.dll", "qt6gui.dll"},
        "qt6network.dll": {"qt6core.dll"},
        "qt6svg.dll": {"qt6gui.dll", "qt6core.dll"},
        "qt6gui.dll": {"qt6core.dll"},
        "qtgui.pyd": {"qt6gui.dll", "pyside6.abi3.dll"},
        "helper.pyd": {"qt6extra.dll"},
        "qt6extra.dll": {"qt6svg.dll"},  # reached only through another candidate's link
    }

    def entry(name: str, kind: str = "BINARY") -> tuple[str, str, str]:
        return (f"PySide6\\{name}", name, kind)

    removed = [entry("qschannelbackend.dll"), entry("qnetworklistmanager.dll"), entry("qsvg.dll")]
    kept = [
        entry("qt6network.dll"),
        entry("qt6svg.dll"),
        entry("qt6gui.dll"),
        entry("qt6core.dll"),
        entry("qtgui.pyd", "EXTENSION"),
        entry("helper.pyd", "EXTENSION"),
        entry("qt6extra.dll"),
    ]
    orphans = rules.orphaned_libraries(removed, kept, lambda e: links.get(e[1], set()))
    assert orphans == {"PySide6\\qt6network.dll"}
    toc = [*kept, ("qt6network.dll", "PySide6\\qt6network.dll", "SYMLINK")]
    assert [e[0] for e in rules.without(toc, orphans)] == [e[0] for e in kept if e[0] not in orphans]


def test_unused_qt_modules_are_excluded_and_used_ones_are_not(tmp_path: Path) -> None:
    rules = _load(ROOT / "installer" / "bundle_rules.py")
    (tmp_path / "a.py").write_text("from PySide6.QtNetwork import QNetworkAccessManager\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(
        "from PySide6 import (\n    QtCore,\n    QtSvgWidgets,\n)\n", encoding="utf-8"
    )
    excluded = rules.excluded_modules(tmp_path)
    assert "PySide6.QtQuick" in excluded and "PySide6.QtQml" in excluded
    assert "PySide6.QtNetwork" not in excluded and "PySide6.QtSvgWidgets" not in excluded
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"} & set(excluded)
