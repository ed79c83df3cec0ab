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

    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct"]
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
