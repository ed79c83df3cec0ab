"""A throwaway PostgreSQL for the tests: KIK_TEST_PG_URL, or a cluster of our own on a unix socket.

Used as a pytest plugin (fixtures ``pg_server``, ``pg_url``; marker ``postgres``) and from ``.ci/run``::

    python3 tests/pg_harness.py start DIR   # prints KIK_TEST_PG_URL=...
    python3 tests/pg_harness.py stop DIR

PostgreSQL refuses to run as root, so when we are root the cluster runs as ``nobody`` in a folder it owns.
The cluster listens on no TCP port, only on a socket in its own folder, and trusts local connections —
except the role ``kik_passwort``, which must log in with a password (scram-sha-256), for the tests of a
wrong password.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

ENV_URL = "KIK_TEST_PG_URL"
CLUSTER_USER = "kik"
# The role that needs a password on our cluster (pg_hba.conf: scram-sha-256); tests create it.
PASSWORD_ROLE = "kik_passwort"


def find_bin(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian puts it (newest version first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def fill_small_plan(doc: Any) -> Any:
    """Two fields, three goals, six measures with known titles (1.1.1 … 2.1.2), on any back end."""
    from kik_desktop.domain import plan

    with doc.transaction() as s:
        f1 = plan.create_item(s, "field", None, None, {"name": "Feld Eins"})
        f2 = plan.create_item(s, "field", None, None, {"name": "Feld Zwei"})
        g11 = plan.create_item(s, "goal", f1, None, {"title": "Ziel A", "indicator": "Ind A"})
        g12 = plan.create_item(s, "goal", f1, None, {"title": "Ziel B"})
        g21 = plan.create_item(s, "goal", f2, None, {"title": "Ziel C"})
        for goal, titles in ((g11, ["M1", "M2", "M3"]), (g12, ["M4"]), (g21, ["M5", "M6"])):
            for t in titles:
                plan.create_item(s, "measure", goal, None, {"title": t, "status_key": "anfang"})
    return doc


def _as_owner(cmd: list[str]) -> list[str]:
    if os.name == "posix" and os.geteuid() == 0:
        # runuser lives in /usr/sbin, which a minimal PATH (CI, env -i) may leave out.
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.path.exists(p)), "runuser"
        )
        return [runuser, "-u", "nobody", "--", *cmd]
    return cmd


def start_cluster(folder: Path) -> str:
    """initdb + pg_ctl start in folder; returns the server URL (database "postgres")."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError("PostgreSQL-Serverprogramme (initdb, pg_ctl) nicht gefunden")
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.name == "posix" and os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    folder.chmod(0o755)
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "cwd": str(folder)}
    subprocess.run(
        _as_owner(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                CLUSTER_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        ),
        **run,  # type: ignore[arg-type]
    )
    # One role must log in with a password (scram-sha-256) on the socket, for the wrong-password tests;
    # every other role is trusted (the rules are read top down).
    hba = data / "pg_hba.conf"
    hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
    # No durability (a throwaway server); wal_level=minimal makes CREATE DATABASE … TEMPLATE (a fresh
    # database per test) several times faster.
    options = (
        f"-k {folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=60 "
        "-c wal_level=minimal -c max_wal_senders=0"
    )
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start"]),
        **run,  # type: ignore[arg-type]
    )
    return f"postgresql://{CLUSTER_USER}@/postgres?host={quote(str(folder))}"


def stop_cluster(folder: Path) -> None:
    pg_ctl = find_bin("pg_ctl")
    if pg_ctl and (folder / "data" / "postmaster.pid").exists():
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def with_database(server_url: str, dbname: str) -> str:
    """The server URL pointing at another database."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(database=dbname)
    return url.render_as_string(hide_password=False)


def _admin(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


_file_copy: dict[str, bool] = {}


def create_database(server_url: str, template: str | None = None) -> str:
    """A fresh database on the server; returns its URL. A copy of a template is made by copying its files
    (PostgreSQL 15's STRATEGY FILE_COPY: faster for small databases than logging every block)."""
    import psycopg

    name = f"kik_test_{secrets.token_hex(6)}"
    sql = f'CREATE DATABASE "{name}"'
    with psycopg.connect(server_url, autocommit=True) as conn:
        if template:
            if server_url not in _file_copy:
                version = conn.execute("SHOW server_version_num").fetchone()
                _file_copy[server_url] = version is not None and int(version[0]) >= 150000
            sql += f' TEMPLATE "{template}"' + (" STRATEGY FILE_COPY" if _file_copy[server_url] else "")
        conn.execute(sql)  # type: ignore[arg-type]
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with contextlib.suppress(Exception):
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- pytest plugin -----------------------------------------------------------------------------------

try:
    import pytest
except ImportError:  # pragma: no cover - the command-line use needs no pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def pg_server() -> Iterator[str]:
        """The URL of a PostgreSQL server where the tests may create databases (skips without one)."""
        url = os.environ.get(ENV_URL)
        if url:
            yield url
            return
        if not (find_bin("initdb") and find_bin("pg_ctl")):
            pytest.skip(
                "kein PostgreSQL: weder KIK_TEST_PG_URL gesetzt noch initdb/pg_ctl installiert "
                "(Debian: apt-get install postgresql)"
            )
        folder = Path(tempfile.mkdtemp(prefix="kikpg-"))
        try:
            url = start_cluster(folder)
        except (subprocess.CalledProcessError, OSError) as exc:
            stderr = getattr(exc, "stderr", b"") or b""
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip(f"PostgreSQL-Testserver startet nicht: {exc} {stderr.decode(errors='replace')}")
        try:
            yield url
        finally:
            stop_cluster(folder)
            shutil.rmtree(folder, ignore_errors=True)

    @pytest.fixture
    def pg_url(pg_server: str) -> Iterator[str]:
        """A fresh, empty database on the test server, dropped after the test."""
        url = create_database(pg_server)
        try:
            yield url
        finally:
            drop_database(pg_server, url)

    @pytest.fixture
    def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
        """A keyring in memory for the test (no desktop, no D-Bus); yields what is stored in it."""
        import keyring
        from keyring.backend import KeyringBackend

        stored: dict[tuple[str, str], str] = {}

        class MemoryKeyring(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                return stored.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                stored[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                stored.pop((service, username), None)

        previous = keyring.get_keyring()
        keyring.set_keyring(MemoryKeyring())
        try:
            yield stored
        finally:
            keyring.set_keyring(previous)

    @pytest.fixture
    def password_url(pg_server: str, pg_url: str) -> str:
        """A KIK document in a fresh database owned by ``kik_passwort``, which must give its password
        (``richtig``) on our cluster; its URL has no password. Skips on a server that trusts the role."""
        import psycopg
        from sqlalchemy.engine import make_url

        name = make_url(pg_url).database
        with psycopg.connect(pg_server, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PASSWORD_ROLE,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(f"{verb} ROLE \"{PASSWORD_ROLE}\" LOGIN PASSWORD 'richtig'")  # type: ignore[arg-type]
            conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{PASSWORD_ROLE}"')  # type: ignore[arg-type]
        url = make_url(pg_url).set(username=PASSWORD_ROLE)
        try:
            psycopg.connect(url.set(password="falsch").render_as_string(hide_password=False)).close()
        except psycopg.OperationalError:
            pass
        else:
            pytest.skip(f"der Test-Server verlangt von „{PASSWORD_ROLE}“ kein Passwort (pg_hba.conf)")
        from kik_desktop.store import create_document

        create_document(url.set(password="richtig").render_as_string(hide_password=False)).close()
        return url.render_as_string(hide_password=False)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: pg_harness.py start|stop DIR", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if argv[0] == "start":
        print(f"{ENV_URL}={start_cluster(folder)}")
    else:
        stop_cluster(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


if pytest is not None:
    _templates: dict[tuple[str, str], str] = {}

    def document_database(server_url: str, kind: str) -> str:
        """A fresh database holding a new KIK document ("empty" or "default"), copied from a template
        made once per session (migrating a database takes seconds; copying a template does not)."""
        key = (server_url, kind)
        if key not in _templates:
            from kik_desktop.domain.defaults import create_default_document
            from kik_desktop.store import create_document

            url = create_database(server_url)
            # Dropped when the tests end (a server of KIK_TEST_PG_URL outlives them; our own cluster is
            # gone by then, and the drop fails quietly).
            atexit.register(drop_database, server_url, url)
            doc = create_document(url) if kind == "empty" else create_default_document(url)
            doc.close()
            from sqlalchemy.engine import make_url

            _templates[key] = str(make_url(url).database)
        return create_database(server_url, template=_templates[key])

    @pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
    def backend(request: pytest.FixtureRequest) -> str:
        """Parametrises a test over both back ends (the PostgreSQL run is marked ``postgres``)."""
        return str(request.param)

    def open_fresh(request: pytest.FixtureRequest, backend: str, kind: str, tmp_path: Path) -> Iterator[Any]:
        if backend == "sqlite":
            from kik_desktop.domain.defaults import create_default_document
            from kik_desktop.store import create_document

            path = tmp_path / f"{kind}.kik"
            doc = create_document(path) if kind == "empty" else create_default_document(path)
            yield doc
            doc.close()
            return
        from kik_desktop.store import open_document

        server = request.getfixturevalue("pg_server")
        url = document_database(server, kind)
        doc = open_document(url)
        try:
            yield doc
        finally:
            doc.close()
            drop_database(server, url)

    @pytest.fixture
    def any_empty_doc(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Any]:
        """A fresh document with only the six statuses, on SQLite and on PostgreSQL."""
        yield from open_fresh(request, backend, "empty", tmp_path)

    @pytest.fixture
    def any_default_doc(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Any]:
        """A fresh document of the embedded default concept, on SQLite and on PostgreSQL."""
        yield from open_fresh(request, backend, "default", tmp_path)

    @pytest.fixture
    def any_small_plan(any_empty_doc: Any) -> Any:
        """The small plan of conftest's ``small_plan`` (1.1.1 … 2.1.2), on both back ends."""
        return fill_small_plan(any_empty_doc)
