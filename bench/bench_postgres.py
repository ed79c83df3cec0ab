"""Opening a document from a local PostgreSQL next to opening the same document from SQLite (#17).

"Opening" is what the window does before it can show the plan: open the document (schema check) and
load the tree rows (``load_tree``). The same synthetic document is copied to the server with
``kik-desktop copy``'s code; both are opened ``repeats`` times and the medians printed side by side,
with the target of issue #17 (PostgreSQL ≤ 1.5 × SQLite). Also: the copy itself and one empty poll of
the change log (what the window's live refresh costs every few seconds).

    python -m bench.bench_postgres [MEASURES]     # default 10000; KIK_TEST_PG_URL or a throwaway cluster
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.synthetic import make_synthetic_document
from kik_desktop.domain.live import ChangePoller
from kik_desktop.domain.plan_index import load_tree
from kik_desktop.store import open_document
from kik_desktop.store.transfer import copy_document
from tests.pg_harness import create_database, drop_database, start_cluster, stop_cluster


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def open_and_load(target: str) -> int:
    with open_document(target) as doc, doc.reading() as s:
        return len(load_tree(s))


def main(measures: int = 10_000, repeats: int = 5) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kik-bench-pg-"))
    os.environ.setdefault("KIK_DESKTOP_DATA_DIR", str(tmp / "data"))
    server = os.environ.get("KIK_TEST_PG_URL")
    cluster = None
    if not server:
        # A folder of its own: the cluster runs as another user, who could not enter tmp (mode 0700).
        cluster = Path(tempfile.mkdtemp(prefix="kik-bench-cluster-"))
        server = start_cluster(cluster)
    url = create_database(server)
    try:
        path = tmp / "bench.kik"
        make_synthetic_document(path, measures).close()
        start = time.perf_counter()
        copy_document(path, url)
        copy_s = time.perf_counter() - start
        open_and_load(str(path))  # warm both (imports, page cache)
        open_and_load(url)
        sqlite_ms = median_ms(lambda: open_and_load(str(path)), repeats)
        pg_ms = median_ms(lambda: open_and_load(url), repeats)
        with open_document(url) as doc:
            poller = ChangePoller(doc)
            poll_ms = median_ms(poller.poll, 20)
        ratio = pg_ms / sqlite_ms
        print(f"Öffnen + Baum laden, {measures} Maßnahmen (Median aus {repeats}):")
        print(f"  SQLite (Datei, Basiswert)   {sqlite_ms:8.0f} ms")
        print(f"  PostgreSQL (lokal, Socket)  {pg_ms:8.0f} ms   = {ratio:.2f} × SQLite (Ziel ≤ 1,5 ×)")
        print(f"Kopieren Datei → Server       {copy_s * 1000:8.0f} ms")
        print(f"Abfrage des Änderungsprotokolls (leer, Median aus 20): {poll_ms:.1f} ms")
    finally:
        drop_database(server, url)
        if cluster is not None:
            stop_cluster(cluster)
            shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
