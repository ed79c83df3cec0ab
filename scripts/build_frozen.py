"""Build the frozen bundle with build_installer.spec, print its size, and smoke-test it.

    python scripts/build_frozen.py              build into dist/KIK-Desktop/ (work files in
                                                build/pyinstaller/), print the size, run the smoke test
    python scripts/build_frozen.py --no-build   only the smoke test of an existing bundle

The smoke test runs the console executable ``kik-desktop-cli`` of the bundle as a user with a fresh
profile (empty KIK_DESKTOP_DATA_DIR, HOME/APPDATA/XDG folders in a temporary folder) and no screen
(QT_QPA_PLATFORM=offscreen): --version, check of the embedded default document, new, check, dump, and —
when the frozen program offers them — selftest, screenshot, export (Excel) and print (PDF). A missing hidden
import, Qt plugin, resource or migration script makes one of these fail, and then this script exits non-zero.
``selftest`` must be there once the window exists in the source tree (kik_desktop/ui/main_window.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build_installer.spec"
BUNDLE_NAME = "KIK-Desktop"
WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if WINDOWS else ""
CLI = f"kik-desktop-cli{EXE_SUFFIX}"
GUI = "KIK.exe" if WINDOWS else "kik-desktop"
COMMAND_TIMEOUT = 180  # seconds; the first start of a frozen Qt program on a cold disk can be slow
# Files the bundle must contain (below _internal/), whatever the analysis found.
REQUIRED_FILES = [
    "kik_desktop/resources/default_concept.json",
    "kik_desktop/resources/icons/kik.png",
    "kik_desktop/resources/icons/kik.ico",
    "kik_desktop/store/migrations_scripts/env.py",
    "kik_desktop/store/migrations_scripts/versions/0001_base.py",
    "PySide6/translations/qtbase_de.qm" if WINDOWS else "PySide6/Qt/translations/qtbase_de.qm",
]


class SmokeFailure(Exception):
    pass


def source_version() -> str:
    text = (ROOT / "kik_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    assert match, "no __version__ in kik_desktop/__init__.py"
    return match.group(1)


def bundle_size(bundle: Path) -> int:
    """Bytes of all files in the bundle (symbolic links not counted twice)."""
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(bundle: Path, count: int = 6) -> list[tuple[str, int]]:
    parts: dict[str, int] = {}
    internal = bundle / "_internal"
    for p in bundle.rglob("*"):
        if p.is_file() and not p.is_symlink():
            rel = p.relative_to(internal if internal in p.parents else bundle)
            nested = rel.parts[0] == "PySide6" and len(rel.parts) > 2
            key = "/".join(rel.parts[:2]) if nested else rel.parts[0]
            parts[key] = parts.get(key, 0) + p.stat().st_size
    return sorted(parts.items(), key=lambda kv: -kv[1])[:count]


def build(dist: Path, work: Path, clean: bool) -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        cmd.insert(3, "--clean")
    print("$", " ".join(cmd), flush=True)
    start = time.monotonic()
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"PyInstaller build: {time.monotonic() - start:.0f} s", flush=True)


def fresh_profile(home: Path) -> dict[str, str]:
    """An environment in which the program sees a user who never ran it, and no screen."""
    env = dict(os.environ)
    for name in ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                 "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    env["KIK_DESKTOP_DATA_DIR"] = str(home / "kik-data")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONIOENCODING"] = "utf-8"
    for name in ("PYTHONPATH", "PYTHONHOME", "QT_PLUGIN_PATH", "QML2_IMPORT_PATH"):  # nothing from outside
        env.pop(name, None)
    return env


def run(exe: Path, args: list[str], env: dict[str, str], cwd: Path, label: str) -> tuple[str, str]:
    """Run one command of the frozen program; its (stdout, stderr), or SmokeFailure if it fails."""
    start = time.monotonic()
    try:
        proc = subprocess.run([str(exe), *args], env=env, cwd=cwd, capture_output=True,
                              timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"{label}: no answer within {COMMAND_TIMEOUT} s") from exc
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    took = time.monotonic() - start
    first = (out.strip().splitlines() or [""])[0][:110]
    print(f"  {'ok ' if proc.returncode == 0 else 'FAIL'} {label:<42} {took:5.1f} s  {first}", flush=True)
    if proc.returncode != 0:
        raise SmokeFailure(f"{label}: exit code {proc.returncode}\n"
                           f"--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}")
    return out, err


def listed_commands(help_text: str) -> set[str]:
    """The subcommands that the frozen program's --help lists."""
    return set(re.findall(r"^ {4}([a-z][a-z0-9-]*)(?:\s|$)", help_text, re.MULTILINE))


def smoke_test(bundle: Path) -> list[str]:
    """Run the frozen program; return the names of the steps that ran."""
    cli = bundle / CLI
    missing = [f for f in REQUIRED_FILES if not (bundle / "_internal" / f).is_file()]
    if missing:
        raise SmokeFailure("files missing from the bundle: " + ", ".join(missing))
    window_in_source = (ROOT / "kik_desktop" / "ui" / "main_window.py").is_file()
    steps: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kik-frozen-smoke-") as tmp_name:
        tmp = Path(tmp_name)
        env = fresh_profile(tmp / "profile")
        work = tmp / "work"
        work.mkdir()

        version, _ = run(cli, ["--version"], env, work, "--version")
        if source_version() not in version:
            raise SmokeFailure(f"--version says {version.strip()!r}, the source says {source_version()}")
        commands = listed_commands(run(cli, ["--help"], env, work, "--help")[0])
        steps += ["--version", "--help"]

        # The embedded default, as on a first start: check without --db creates it in the fresh data folder.
        run(cli, ["check"], env, work, "check (embedded default, fresh profile)")
        if not (Path(env["KIK_DESKTOP_DATA_DIR"]) / "Integrationskonzept.kik").is_file():
            raise SmokeFailure("the default document was not created in the data folder")
        steps.append("check-default")

        doc = work / "x.kik"
        run(cli, ["new", str(doc)], env, work, "new x.kik")
        run(cli, ["check", "--db", str(doc)], env, work, "check --db x.kik")
        plan = json.loads(run(cli, ["dump", "--db", str(doc)], env, work, "dump --db x.kik")[0])
        if not plan.get("fields"):
            raise SmokeFailure("dump: the default document has no fields")
        steps += ["new", "check", "dump"]

        if "selftest" in commands and window_in_source:
            _, err = run(cli, ["selftest"], env, work, "selftest (window offscreen)")
            # ui/app.py logs it when Qt's German translation cannot be loaded from the bundle.
            if "translation" in err and "not found" in err:
                raise SmokeFailure("selftest: Qt's German translation was not found\n" + err[-2000:])
            steps.append("selftest")
        elif window_in_source:
            raise SmokeFailure("the window exists in the source (ui/main_window.py) but the frozen "
                               "program has no selftest command")
        else:
            print("  --   selftest: skipped, the window is not in the source tree yet")

        if "screenshot" in commands and window_in_source:
            png = work / "fenster.png"
            run(cli, ["screenshot", str(png), "--db", str(doc)], env, work,
                "screenshot fenster.png --db x.kik")
            if not png.read_bytes().startswith(b"\x89PNG"):
                raise SmokeFailure("screenshot: fenster.png is not a PNG image")
            steps.append("screenshot")

        if "export" in commands:
            xlsx = work / "out.xlsx"
            run(cli, ["export", str(xlsx), "--db", str(doc)], env, work, "export out.xlsx --db x.kik")
            with zipfile.ZipFile(xlsx) as z:
                if "xl/workbook.xml" not in z.namelist():
                    raise SmokeFailure("export: out.xlsx is not a workbook")
            steps.append("export")
        else:
            print("  --   export: not offered by this build")

        if "print" in commands:
            pdf = work / "out.pdf"
            run(cli, ["print", "bericht", str(pdf), "--db", str(doc)], env, work,
                "print bericht out.pdf --db x.kik")
            if not pdf.read_bytes().startswith(b"%PDF"):
                raise SmokeFailure("print: out.pdf is not a PDF")
            steps.append("print")
        else:
            print("  --   print: not offered by this build")

        # The windowed executable starts too (on Windows it has no console, so only its exit code counts).
        run(bundle / GUI, ["--version"], env, work, f"{GUI} --version")
        steps.append("gui-start")
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default build/pyinstaller/)")
    parser.add_argument("--no-build", action="store_true", help="smoke-test an existing bundle only")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = parser.parse_args()

    bundle = args.dist / BUNDLE_NAME
    if not args.no_build:
        if bundle.exists():
            shutil.rmtree(bundle)
        build(args.dist, args.work, args.clean)
    if not (bundle / CLI).is_file():
        print(f"no bundle at {bundle}", file=sys.stderr)
        return 1

    size = bundle_size(bundle)
    print(f"bundle {bundle}: {size / 1e6:.1f} MB ({size} bytes, {sum(1 for _ in bundle.rglob('*'))} entries)")
    print("  largest parts: " + ", ".join(f"{name} {n / 1e6:.1f} MB" for name, n in largest_parts(bundle)))

    print("smoke test of the frozen program (fresh profile, QT_QPA_PLATFORM=offscreen):", flush=True)
    start = time.monotonic()
    try:
        steps = smoke_test(bundle)
    except SmokeFailure as exc:
        print(f"FROZEN SMOKE TEST FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"frozen smoke test passed ({', '.join(steps)}) in {time.monotonic() - start:.0f} s; "
          f"bundle {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
