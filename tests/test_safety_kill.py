"""Crash safety (T01): SIGKILL edits and the command-line import at random moments; old or new, never a mix.

The CI part is short; ``python -m bench.stress_kill`` does at least 50 runs of each and prints the figures.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bench.stress_kill import report, run_edit_kills, run_import_kills

# Only a .kik file has this; the document tests of both back ends are the modules marked both_backends.
pytestmark = pytest.mark.sqlite_only(
    reason="SIGKILL mid-write: recovery through the rollback journal of a .kik file"
)


def test_killed_edits_leave_old_or_new(tmp_path: Path) -> None:
    result = run_edit_kills(10, tmp_path, seed=11)
    print("\n" + report("edit", result))
    assert result.failures == []
    assert result.intact == result.runs == 10
    assert result.commits > 0, "the kills should land after some commits too"


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("kik_desktop.cli.excel_commands") is None,
    reason="the command-line import (kik_desktop.cli.excel_commands) does not exist yet",
)
def test_killed_imports_leave_old_or_new(tmp_path: Path) -> None:
    result = run_import_kills(4, tmp_path, seed=12, measures=30)
    print("\n" + report("import", result))
    assert result.failures == []
    assert result.intact == result.runs == 4


def test_killed_backups_never_leave_a_bad_one(tmp_path: Path) -> None:
    """T02 for backups: every backup that is listed after a kill verifies; none reported is lost."""
    from bench.stress_kill import run_backup_kills

    result = run_backup_kills(5, tmp_path, seed=13)
    print("\n" + report("backup", result))
    assert result.failures == []
    assert result.intact == result.runs == 5
