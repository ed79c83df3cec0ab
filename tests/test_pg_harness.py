"""The PostgreSQL test harness itself: a server is reachable and every test gets its own database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgres


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


def test_databases_are_dropped_after_use(pg_server: str) -> None:
    import psycopg

    from tests.pg_harness import create_database, drop_database

    url = create_database(pg_server)
    name = url.split("/")[-1].split("?")[0]
    drop_database(pg_server, url)
    with psycopg.connect(pg_server) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert left == (0,)
