"""Build a bare PySide6 hello-world (one QMainWindow) with PyInstaller and print its bundle size.

The reference figure for the size of the KIK Desktop bundle (README, "Installer bauen"): same
PyInstaller, same Python, same PySide6, default options, one-folder and windowed like our spec.

    python scripts/measure_bare_bundle.py [--workdir /tmp/kik-bare-bundle]

Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HELLO = textwrap.dedent(
    """\
    import sys

    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hallo Welt"))
    window.show()
    if "--quit" in sys.argv:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)
    sys.exit(app.exec())
    """
)


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="build folder (default: a new temporary folder)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kik-bare-bundle-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "hello.py").write_text(HELLO, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--onedir", "--windowed", "--name", "hello",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), "--specpath", str(work),
         str(work / "hello.py")],
        check=True,
    )
    bundle = work / "dist" / "hello"
    size = tree_size(bundle)
    print(f"bare PySide6 bundle: {bundle}  {size / 1e6:.1f} MB ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
