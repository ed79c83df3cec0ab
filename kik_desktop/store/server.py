"""A KIK document in a PostgreSQL database: URLs, the password (keyring or asked), German error messages.

psycopg and keyring are imported only here and only when a ``postgresql://`` document is opened, so
nothing in the program needs them for a ``.kik`` file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
KEYRING_SERVICE = "KIK-Desktop"
CONNECT_TIMEOUT_SECONDS = 8

# Asked for a password: gets "user@host", returns the password or None (cancelled / no terminal).
PasswordProvider = Callable[[str], str | None]
_password_provider: PasswordProvider | None = None


class ServerError(Exception):
    """Base for the German messages of this module (wrapped into DocumentError by the caller)."""


def is_server_url(target: object) -> bool:
    """True for ``postgresql://…`` (and ``postgres://``), False for file paths."""
    if not isinstance(target, str):
        return False
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    return scheme in SCHEMES


def parse_url(url: str) -> URL:
    from kik_desktop.store.errors import DocumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DocumentError(
            f"„{url}“ ist keine gültige Server-Adresse (postgresql://benutzer@rechner/datenbank)."
        ) from None
    if not parsed.database:
        raise DocumentError(
            f"In „{redact(url)}“ fehlt der Name der Datenbank (postgresql://benutzer@rechner/datenbank)."
        )
    return parsed.set(drivername="postgresql+psycopg")


def redact(url: str) -> str:
    """The URL without its password: what may be shown, logged and remembered."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("@")[-1]
    # URL.set() ignores None: replace the field of the named tuple itself.
    shown = parsed._replace(password=None)
    if shown.drivername == "postgresql+psycopg":
        shown = shown.set(drivername="postgresql")
    return shown.render_as_string(hide_password=False)


def _host(parsed: URL) -> str:
    host = parsed.host or str(parsed.query.get("host", "") or "") or "localhost"
    return host


def user_at_host(url: str) -> str:
    """The keyring user name of a server document: ``user@host``."""
    parsed = make_url(url)
    return f"{parsed.username or ''}@{_host(parsed)}"


def display_name(url: str) -> str:
    """„datenbank auf rechner“ for titles and lists."""
    parsed = make_url(url)
    host = _host(parsed)
    if host.startswith("/"):
        host = "localhost"
    return f"{parsed.database} auf {host}"


def set_password_provider(provider: PasswordProvider | None) -> None:
    """How a password is asked when neither the URL nor the keyring has one (CLI: getpass; window: dialog)."""
    global _password_provider
    _password_provider = provider


def keyring_password(url: str) -> str | None:
    """The password stored in the system keyring for this user@host, or None (also when no keyring works)."""
    try:
        import keyring

        password = keyring.get_password(KEYRING_SERVICE, user_at_host(url))
    except Exception as exc:  # no backend, locked keychain, D-Bus missing: never fatal
        log.info("keyring not available: %s", exc)
        return None
    return password


def save_password(url: str, password: str) -> bool:
    """Store the password in the system keyring; False when there is no usable keyring."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, user_at_host(url), password)
    except Exception as exc:
        log.warning("password not stored in the keyring: %s", exc)
        return False
    return True


def describe_server_error(exc: BaseException, url: str = "") -> str:
    """A German sentence for a failure of the PostgreSQL server or the connection to it."""
    orig = getattr(exc, "orig", exc)
    message = str(orig).strip()
    low = message.lower()
    where = f"„{display_name(url)}“" if url else "die Server-Datenbank"
    sqlstate = getattr(orig, "sqlstate", None)
    if "password authentication failed" in low:
        return f"Anmeldung an {where} fehlgeschlagen: Benutzername oder Passwort ist falsch."
    if "no password supplied" in low or "password is required" in low:
        return f"Für {where} ist ein Passwort nötig (im Schlüsselbund gespeichert oder beim Öffnen eingeben)."
    if "does not exist" in low and "database" in low:
        return f"Die Datenbank {where} gibt es auf dem Server nicht. Bitte die IT, sie anzulegen."
    if "does not exist" in low and "role" in low:
        return f"Den Benutzer für {where} gibt es auf dem Server nicht."
    if sqlstate == "42501" or "permission denied" in low or "must be owner" in low:
        first = message.splitlines()[0]
        return f"Der Benutzer hat für {where} nicht die nötigen Rechte (Fehler des Servers: {first})."
    if any(
        s in low
        for s in (
            "connection refused",
            "could not connect",
            "could not translate host name",
            "timeout expired",
            "no route to host",
            "network is unreachable",
            "connection to server",
            "server closed the connection",
            "connection is closed",
            "terminating connection",
        )
    ):
        return (
            f"Der Server für {where} ist nicht erreichbar (Netzwerk getrennt oder Server aus). "
            "Bitte später erneut versuchen; es wurde nichts gespeichert."
        )
    if sqlstate == "25006" or "read-only transaction" in low:
        return f"{where} ist nur zum Lesen freigegeben: Die Änderung wurde nicht gespeichert."
    return f"Fehler der Server-Datenbank: {message.splitlines()[0] if message else type(orig).__name__}"


def is_server_environment_error(exc: BaseException) -> bool:
    """True for connection, permission and server-state failures (not bugs of the program)."""
    orig = getattr(exc, "orig", exc)
    if not type(orig).__module__.startswith("psycopg"):
        return False
    import psycopg

    if isinstance(orig, psycopg.OperationalError):
        return True
    return getattr(orig, "sqlstate", "") in ("42501", "25006", "53100", "53200", "57P01", "57P03")


def _needs_password(exc: BaseException) -> bool:
    low = str(getattr(exc, "orig", exc)).lower()
    return "no password supplied" in low or "password authentication failed" in low


def make_server_engine(parsed: URL) -> Engine:
    return create_engine(
        parsed,
        pool_size=2,
        max_overflow=4,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "KIK Desktop"},
    )


def connect_engine(url: str, password_provider: PasswordProvider | None = None) -> tuple[Engine, str | None]:
    """An engine whose first connection succeeded; returns it and the password that was asked (or None).

    The password comes from the URL, else the keyring, else libpq's own sources (PGPASSWORD, .pgpass),
    else it is asked once through the password provider. Raises DocumentError with a German message.
    """
    from sqlalchemy.exc import DBAPIError

    from kik_desktop.store.errors import DocumentError

    parsed = parse_url(url)
    asked: str | None = None
    if parsed.password is None:
        stored = keyring_password(url)
        if stored:
            parsed = parsed.set(password=stored)
    for attempt in range(2):
        engine = make_server_engine(parsed)
        try:
            with engine.connect() as conn:
                conn.rollback()
            return engine, asked
        except ImportError as exc:
            engine.dispose()
            raise DocumentError(
                "Für Server-Dokumente fehlt das Paket „psycopg“ (pip install 'psycopg[binary]')."
            ) from exc
        except DBAPIError as exc:
            engine.dispose()
            provider = password_provider or _password_provider
            if attempt == 0 and _needs_password(exc) and provider is not None:
                asked = provider(user_at_host(url))
                if asked:
                    parsed = parsed.set(password=asked)
                    continue
                raise DocumentError(
                    f"Verbindung zu „{display_name(url)}“ abgebrochen: kein Passwort."
                ) from exc
            raise DocumentError(describe_server_error(exc, url)) from exc
    raise AssertionError("unreachable")


def check_password(url: str, password: str) -> None:
    """Log in once with this password (not the keyring's, not asked); raises DocumentError with the
    German message when the server refuses it (or cannot be reached), so a wrong password is never stored."""
    from sqlalchemy.exc import DBAPIError

    from kik_desktop.store.errors import DocumentError

    engine = make_server_engine(parse_url(url).set(password=password))
    try:
        with engine.connect() as conn:
            conn.rollback()
    except ImportError as exc:
        raise DocumentError(
            "Für Server-Dokumente fehlt das Paket „psycopg“ (pip install 'psycopg[binary]')."
        ) from exc
    except DBAPIError as exc:
        raise DocumentError(describe_server_error(exc, url)) from exc
    finally:
        engine.dispose()


def insufficient_privilege(exc: BaseException) -> bool:
    orig: Any = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) == "42501" or "permission denied" in str(orig).lower()
