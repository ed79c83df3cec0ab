"""Shared fixtures: a private data folder and fresh documents for every test; Qt runs offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kik_desktop.store import Document

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from kik_desktop.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user data folder (backups, logs, default document)."""
    path = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("KIK_DESKTOP_DATA_DIR", str(path))
    return path


# Modules marked ``both_backends`` run every test that takes one of these documents twice: on a SQLite file
# and on a fresh database of the PostgreSQL test server (marked ``postgres``, skipped without a server).
# A test of something only a file has (lock file, journal, quick_check, damage, file backups) is marked
# ``sqlite_only`` with its reason and runs on SQLite alone.
DOC_FIXTURES = {"default_doc", "empty_doc", "small_plan"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    node = metafunc.definition
    if node.get_closest_marker("both_backends") is None or node.get_closest_marker("sqlite_only") is not None:
        return
    if "backend" in metafunc.fixturenames or not DOC_FIXTURES & set(metafunc.fixturenames):
        return
    metafunc.fixturenames.append("doc_backend")
    metafunc.parametrize("doc_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


def _doc_backend(request: pytest.FixtureRequest) -> str:
    callspec = getattr(request.node, "callspec", None)
    return str(callspec.params.get("doc_backend", "sqlite")) if callspec is not None else "sqlite"


@pytest.fixture
def default_doc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Document]:
    """A fresh document made from the embedded default concept (on PostgreSQL too, see above)."""
    from kik_desktop.domain.defaults import create_default_document

    if _doc_backend(request) == "postgres":
        yield from open_fresh(request, "postgres", "default", tmp_path)
        return
    doc = create_default_document(tmp_path / "konzept.kik")
    yield doc
    doc.close()


@pytest.fixture
def empty_doc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Document]:
    """A fresh document with only the six statuses (on PostgreSQL too, see above)."""
    from kik_desktop.store import create_document

    if _doc_backend(request) == "postgres":
        yield from open_fresh(request, "postgres", "empty", tmp_path)
        return
    doc = create_document(tmp_path / "leer.kik")
    yield doc
    doc.close()


@pytest.fixture
def small_plan(empty_doc: Document) -> Document:
    """Two fields, three goals, six measures with known titles: 1.1.1 … 2.1.2."""
    from tests.pg_harness import fill_small_plan

    return fill_small_plan(empty_doc)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window with every extension, its own settings file, shown offscreen (1366×768)."""
    from PySide6.QtCore import QSettings

    from kik_desktop.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("board/since", "2026-01-01")  # the status board's "changes since" for its tests
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()


# A real PostgreSQL for the tests marked "postgres" (KIK_TEST_PG_URL, or a throwaway cluster).
from tests.pg_harness import (  # noqa: E402, F401
    any_default_doc,
    any_empty_doc,
    any_small_plan,
    backend,
    memory_keyring,
    open_fresh,
    password_url,
    pg_server,
    pg_url,
)
