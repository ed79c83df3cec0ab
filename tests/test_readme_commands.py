"""The README's commands are the ones CI runs, and its Linux package line covers what Qt needs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
CI = (ROOT / ".ci" / "run").read_text("utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    [test_block] = [b.strip().splitlines() for b in blocks if "pytest" in b]
    assert test_block == ['pip install -e ".[test]"', "pytest"]
    commands = [line.strip() for line in CI.splitlines() if line.strip() and not line.startswith("#")]
    # Verbatim and in this order, bare pytest as the README writes it: no python -m that hides path problems.
    at = commands.index(test_block[0])
    assert commands[at : at + len(test_block)] == test_block
    assert not any(re.search(r"-m pytest", line) for line in commands)


def test_readme_names_the_system_packages_of_qt_in_one_line() -> None:
    # The one line for Qt (the README also names PostgreSQL for the team database, separately).
    lines = [line for line in README.splitlines() if line.startswith("sudo apt-get install libegl1")]
    assert len(lines) == 1
    named = set(lines[0].split()[3:])
    # What .ci/run installs for the offscreen platform, plus what the xcb platform (a real screen) needs.
    ci_packages = set(re.findall(r'"[\w.+-]+": "([\w.+-]+)"', CI))
    assert ci_packages and ci_packages <= named
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"} <= named


def test_bare_pytest_collects_the_tests_that_import_bench() -> None:
    """Like the console script `pytest`: -P keeps the working folder off sys.path (python -m adds it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_safety_kill.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_safety_kill.py::" in result.stdout
