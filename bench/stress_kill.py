"""Kill stress (T01): SIGKILL an edit loop or the command-line import at random moments, check old-or-new.

    python -m bench.stress_kill                 # 60 runs of the mode that fits (import if it exists)
    python -m bench.stress_kill --runs 200 --mode edit
    python -m bench.stress_kill --mode import --workbook /work/shared/samples/umsetzungstabelle_beispiel.xlsx

After every kill the document must pass ``PRAGMA integrity_check`` and hold either the state before
or a state after a complete transaction (never a mix), and no commit the child reported may be lost.
Prints "N runs, N intact" and the figures (hot journals seen, commits, time per run).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN_KEY = "stress_generation"


# ---------------------------------------------------------------- the child: domain edits in a loop
def child_edit_loop(path: Path) -> None:
    """Rename every measure and change statuses in one transaction per round, forever; print each commit."""
    from sqlalchemy import select

    from kik_desktop.domain import plan
    from kik_desktop.models import DocumentProperty, Measure
    from kik_desktop.store import open_document

    statuses = ["umgesetzt", "anfang", "mitte", "ende", "gefaehrdet", "zukuenftig"]
    doc = open_document(path)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        with doc.transaction() as s:
            prop = s.get(DocumentProperty, GEN_KEY)
            gen = int(prop.value) + 1 if prop else 1
            for mid in s.scalars(select(Measure.id).order_by(Measure.id)):
                plan.update_item(
                    s,
                    "measure",
                    mid,
                    {"title": f"Runde {gen} Maßnahme {mid}", "status_key": statuses[(gen + mid) % 6]},
                )
            if prop is None:
                s.add(DocumentProperty(key=GEN_KEY, value=str(gen)))
            else:
                prop.value = str(gen)
        # Reported only after the commit returned: a reported round must survive any kill.
        sys.stdout.write(f"{gen}\n")
        sys.stdout.flush()


def child_backup_loop(path: Path, folder: Path) -> None:
    """Back the document up again and again (T02: a kill during a backup must never leave a bad one)."""
    from kik_desktop.store.backup import make_backup

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        target = make_backup(path, "Dauerlauf", folder, rotate=False)
        sys.stdout.write(f"{target.name}\n")
        sys.stdout.flush()


# ---------------------------------------------------------------- checks
def integrity(path: Path) -> tuple[bool, bool]:
    """(integrity ok, a hot journal was there); opening read-write rolls it back, as the app does."""
    journal = path.with_name(path.name + "-journal")
    hot = journal.exists() and journal.stat().st_size > 0
    conn = sqlite3.connect(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        return rows == ["ok"] and not fk, hot
    except sqlite3.DatabaseError:
        return False, hot
    finally:
        conn.close()


_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?")


def content_digest(path: Path) -> str:
    """A digest of every table's rows, leaving out what differs between two equal runs (uids, times)."""
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    digest = hashlib.sha256()
    try:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        for table in tables:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            # change_log.session is a random id per opened document (team database, #17).
            keep = [c for c in cols if c not in ("uid", "session") and not c.endswith("_at")]
            if not keep:
                continue
            select = ", ".join(f'"{c}"' for c in keep)
            # Times inside logged values (change_log.attrs of a bulk write) differ between runs too.
            rows = sorted(
                _TIME.sub("<Zeit>", repr(r)) for r in conn.execute(f'SELECT {select} FROM "{table}"')
            )
            digest.update(table.encode())
            for row in rows:
                digest.update(row.encode())
    finally:
        conn.close()
    return digest.hexdigest()


def edit_state(path: Path) -> tuple[int, bool]:
    """(generation in the file, every measure carries that generation's title)."""
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM document_property WHERE key=?", (GEN_KEY,)).fetchone()
        gen = int(row[0]) if row else 0
        titles = conn.execute("SELECT id, title FROM measure").fetchall()
    finally:
        conn.close()
    if gen == 0:
        return 0, not any(str(t).startswith("Runde ") for _, t in titles)
    return gen, all(t == f"Runde {gen} Maßnahme {mid}" for mid, t in titles)


# ---------------------------------------------------------------- the parent
@dataclass
class Result:
    runs: int = 0
    intact: int = 0
    hot_journals: int = 0
    commits: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    killed_before_end: int = 0


def import_available() -> bool:
    return importlib.util.find_spec("kik_desktop.cli.excel_commands") is not None


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["KIK_DESKTOP_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def make_baseline(folder: Path, measures: int = 300) -> Path:
    from bench.synthetic import make_synthetic_document

    path = folder / "baseline.kik"
    make_synthetic_document(path, measures, seed=7).close()
    return path


def run_edit_kills(runs: int, folder: Path, *, seed: int = 1, max_delay: float = 1.5) -> Result:
    rng = random.Random(seed)
    # 60 measures: a round takes about 0.15 s, so kills land in start-up, mid-round and between rounds.
    baseline = make_baseline(folder, measures=60)
    result = Result()
    start = time.perf_counter()
    for i in range(runs):
        doc = folder / f"edit_{i}.kik"
        shutil.copyfile(baseline, doc)  # the baseline is closed: a plain copy is safe here
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.stress_kill", "--child-edit", str(doc)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=_env(folder / "data"),
        )
        # One kill in five lands anywhere from start-up on; the others in the edit loop, half of them
        # after the first commit (start-up is slow on a loaded machine and writes nothing).
        seen: list[str] = []
        where = rng.random()
        if where >= 0.2 and child.stdout is not None:
            seen.append(child.stdout.readline())
            if where >= 0.6:
                seen.append(child.stdout.readline())
        time.sleep(rng.uniform(0.0, max_delay))
        alive = child.poll() is None
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        out = "".join(seen) + out
        result.killed_before_end += alive
        reported = [int(x) for x in out.split() if x.isdigit()]
        last = max(reported, default=0)
        result.commits += len(reported)
        ok, hot = integrity(doc)
        result.hot_journals += hot
        result.runs += 1
        if not ok:
            result.failures.append(f"run {i}: integrity check failed")
            continue
        gen, consistent = edit_state(doc)
        if not consistent:
            result.failures.append(f"run {i}: a mix of rounds (generation {gen})")
        elif gen < last:
            result.failures.append(f"run {i}: commit {last} was reported but the file holds {gen}")
        elif gen > last + 1:
            result.failures.append(f"run {i}: generation {gen} after {last} reported commits")
        elif not alive and err.strip():
            result.failures.append(f"run {i}: the child died by itself: {err.strip()[-300:]}")
        else:
            result.intact += 1
        doc.unlink()
    result.seconds = time.perf_counter() - start
    return result


def make_workbook(folder: Path, baseline: Path) -> Path:
    """An export of the baseline with every measure's description changed: a big import."""
    from openpyxl import load_workbook

    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.store import open_document

    out = folder / "import.xlsx"
    with open_document(baseline, read_only=True) as doc:
        export_document(doc, out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        # Column D is the measure's description, on the overall sheet and on each field's sheet.
        for (cell,) in ws.iter_rows(min_row=4, min_col=4, max_col=4):
            if isinstance(cell.value, str) and cell.value:
                cell.value = cell.value + " (geändert)"
    wb.save(out)
    return out


def run_backup_kills(runs: int, folder: Path, *, seed: int = 1, max_delay: float = 0.6) -> Result:
    """T02: kill a loop of backups; every backup that is listed must verify, no reported one may be lost."""
    from kik_desktop.store.backup import list_backups, verify_backup

    rng = random.Random(seed)
    baseline = make_baseline(folder, measures=600)
    backups = folder / "sicherungen"
    result = Result()
    start = time.perf_counter()
    for i in range(runs):
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.stress_kill", "--child-backup", str(baseline), str(backups)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=_env(folder / "data"),
        )
        if child.stdout is not None:
            child.stdout.readline()
        time.sleep(rng.uniform(0.0, max_delay))
        alive = child.poll() is None
        child.send_signal(signal.SIGKILL)
        out, _err = child.communicate()
        result.killed_before_end += alive
        reported = {line for line in out.split() if line.endswith(".kik")}
        result.commits += len(reported)
        infos = list_backups(baseline, backups)
        bad = [info.path.name for info in infos if verify_backup(info)]
        lost = reported - {info.path.name for info in infos}
        result.runs += 1
        if bad or lost:
            result.failures.append(f"run {i}: {len(bad)} listed backups fail their check, {len(lost)} lost")
        else:
            result.intact += 1
    result.hot_journals = len([p for p in backups.iterdir() if p.name.endswith(".tmp")])
    result.seconds = time.perf_counter() - start
    return result


def import_command(workbook: Path, doc: Path) -> list[str]:
    return [sys.executable, "-m", "kik_desktop", "import", str(workbook), "--db", str(doc)]


def run_import_kills(
    runs: int,
    folder: Path,
    workbook: Path | None = None,
    *,
    seed: int = 1,
    extra_args: tuple[str, ...] = ("--yes",),
    measures: int = 120,
) -> Result:
    rng = random.Random(seed)
    baseline = make_baseline(folder, measures)
    if workbook is None:
        workbook = make_workbook(folder, baseline)
    old = content_digest(baseline)
    # The state after a complete import, from an import that is not killed.
    reference = folder / "reference.kik"
    shutil.copyfile(baseline, reference)
    t0 = time.perf_counter()
    done = subprocess.run(
        [*import_command(workbook, reference), *extra_args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(folder / "data"),
        timeout=600,
    )
    full = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"the reference import failed: {done.stderr.strip()[-500:]}")
    new = content_digest(reference)
    result = Result()
    start = time.perf_counter()
    for i in range(runs):
        doc = folder / f"import_{i}.kik"
        shutil.copyfile(baseline, doc)
        child = subprocess.Popen(
            [*import_command(workbook, doc), *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=_env(folder / "data"),
        )
        # Random moments over the whole life of the import, start-up included.
        time.sleep(rng.uniform(0.0, full * 1.05))
        alive = child.poll() is None
        child.send_signal(signal.SIGKILL)
        _out, err = child.communicate()
        result.killed_before_end += alive
        ok, hot = integrity(doc)
        result.hot_journals += hot
        result.runs += 1
        if not ok:
            result.failures.append(f"run {i}: integrity check failed")
            continue
        state = content_digest(doc)
        if state in (old, new):
            result.intact += 1
            result.commits += state == new
        else:
            result.failures.append(f"run {i}: neither the old nor the new state")
        if not alive and child.returncode != 0 and state != new:
            message = err.decode("utf-8", "replace").strip()[-400:]
            result.failures.append(
                f"run {i}: the import ended with {child.returncode} before the kill: {message}"
            )
        doc.unlink()
    result.seconds = time.perf_counter() - start
    return result


def report(mode: str, result: Result) -> str:
    per_run = f"{result.seconds / max(result.runs, 1):.2f} s per run"
    if mode == "backup":
        detail = (
            f"backups reported {result.commits}, temp files left {result.hot_journals} "
            "(cleaned by a later backup once an hour old)"
        )
    else:
        done = "complete imports" if mode == "import" else "commits reported"
        detail = f"hot journals seen {result.hot_journals}, {done} {result.commits}"
    lines = [
        f"{result.runs} runs, {result.intact} intact",
        f"mode {mode}: killed mid-run {result.killed_before_end}, {detail}, {per_run}",
    ]
    lines += [f"FAILED {f}" for f in result.failures]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--mode", choices=("auto", "edit", "import", "backup"), default="auto")
    parser.add_argument(
        "--workbook",
        type=Path,
        help="the workbook to import (default: the baseline's export, every title changed)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-edit", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-backup", type=Path, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_edit:
        child_edit_loop(args.child_edit)
        return 0
    if args.child_backup:
        child_backup_loop(*args.child_backup)
        return 0
    modes = [args.mode]
    if args.mode == "auto":
        modes = ["edit", "backup", "import"] if import_available() else ["edit", "backup"]
    code = 0
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"kik_kill_{mode}_") as tmp:
            if mode == "edit":
                result = run_edit_kills(args.runs, Path(tmp), seed=args.seed)
            elif mode == "backup":
                result = run_backup_kills(args.runs, Path(tmp), seed=args.seed)
            else:
                result = run_import_kills(args.runs, Path(tmp), args.workbook, seed=args.seed)
        print(report(mode, result), flush=True)
        code |= result.intact != result.runs
    return code


if __name__ == "__main__":
    sys.exit(main())
