"""The PostgreSQL test harness itself: a server is reachable and every test gets its own database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.postgres
def test_each_test_gets_a_fresh_empty_database(pg_server: str, pg_url: str) -> None:
    import psycopg

    assert pg_url != pg_server
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        conn.execute("CREATE TABLE probe (x int)")
        conn.commit()
    assert tables == (0,)


@pytest.mark.postgres
def test_databases_are_dropped_after_use(pg_server: str) -> None:
    import psycopg

    from tests.pg_harness import create_database, drop_database

    url = create_database(pg_server)
    name = url.split("/")[-1].split("?")[0]
    drop_database(pg_server, url)
    with psycopg.connect(pg_server) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert left == (0,)


def test_without_a_server_the_postgres_variants_are_skipped_with_the_reason() -> None:
    """No KIK_TEST_PG_URL and no initdb: the SQLite variant of a both-back-end test runs, the PostgreSQL
    variant is skipped and says why (a fresh pytest in which the harness finds no server programs)."""
    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys, pytest, tests.pg_harness as h; h.find_bin = lambda name: None; "
        "sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', "
        "'tests/test_change_records.py::test_create_is_an_int_with_its_place']))"
    )
    env = {k: v for k, v in os.environ.items() if k != "KIK_TEST_PG_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "SKIPPED" in result.stdout and "kein PostgreSQL" in result.stdout
