"""Helpers of the safety tests: byte digests, integrity, running a script without root's privileges."""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, and of its journal if one is lying beside it."""
    digest = hashlib.sha256(path.read_bytes())
    journal = path.with_name(path.name + "-journal")
    if journal.exists():
        digest.update(b"journal" + journal.read_bytes())
    return digest.hexdigest()


def integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
    finally:
        conn.close()


def subprocess_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["KIK_DESKTOP_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@functools.cache
def unprivileged_prefix() -> tuple[list[str] | None, str]:
    """A command prefix that runs a child without root's right to write read-only files.

    Root writes into 0444 files and 0555 folders anyway, which hides read-only bugs. Preferred is the
    user nobody; where nobody cannot reach this Python (it lives below /root), root keeps its uid but
    loses the capabilities that override file permissions. (None, reason) when neither works.
    """
    if os.geteuid() != 0:
        return [], "not root: permissions apply as they are"
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    probe = "import kik_desktop.store.safety"
    try:
        if (
            subprocess.run(
                [*nobody, sys.executable, "-c", probe],
                capture_output=True,
                cwd="/",
                timeout=60,
                env=subprocess_env(Path("/tmp")),
            ).returncode
            == 0
        ):
            return nobody, "as the user nobody (setpriv)"
        drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable"]
        with tempfile.TemporaryDirectory() as tmp:
            probe_file = Path(tmp) / "ro"
            probe_file.write_text("x")
            probe_file.chmod(0o444)
            check = f"import os, sys; sys.exit(1 if os.access({str(probe_file)!r}, os.W_OK) else 0)"
            if (
                subprocess.run(
                    [*drop, sys.executable, "-c", check], capture_output=True, timeout=60
                ).returncode
                == 0
            ):
                return (
                    drop,
                    "as root without CAP_DAC_OVERRIDE (setpriv --bounding-set; nobody cannot reach Python)",
                )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"setpriv is not usable here: {exc}"
    return None, "running as root, and neither setpriv to nobody nor dropping capabilities works"
