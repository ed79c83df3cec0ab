"""The next edition (Fortschreibung): done measures left out, the rest carried with origin and history,
the predecessor untouched byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kik_desktop.cli import main
from kik_desktop.domain import concept, plan
from kik_desktop.domain.edition import CARRY_TABLES, NOT_CARRIED, next_name, write_next_edition
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import Measure, StatusChange
from kik_desktop.store import Document, open_document
from kik_desktop.store.lock import DocumentLock
from kik_desktop.store.migrations import current_revision, head_revision

FIXTURES = Path(__file__).parent / "fixtures" / "db_versions"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measures(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for f in data["fields"] for g in f["goals"] for m in g["measures"]]


def dump_file(path: Path) -> dict[str, Any]:
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        return dump_plan(s)


@pytest.fixture
def source(default_doc: Document) -> Path:
    """The default concept with one measure done (after two status changes), one in progress."""
    with default_doc.transaction() as s:
        ids = list(s.scalars(select(Measure.id).order_by(Measure.id)))
        plan.update_item(s, "measure", ids[0], {"status_key": "anfang"}, now=datetime(2022, 3, 1))
        plan.update_item(s, "measure", ids[0], {"status_key": "umgesetzt"}, now=datetime(2023, 5, 1))
        plan.update_item(s, "measure", ids[1], {"status_key": "mitte"}, now=datetime(2023, 6, 1))
        concept.update_status(s, "mitte", {"label": "halb umgesetzt", "symbol": "H"})
        concept.add_steering_member(s, {"area": "Neu", "role": "Ehrenamt", "members": "E. M."})
    path = default_doc.path
    default_doc.close()
    return path


def test_cli_carries_open_measures_with_origin_and_history_and_leaves_source_alone(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before_hash = sha(source)
    old = dump_file(source)
    assert sha(source) == before_hash
    target = tmp_path / "fassung2.kik"
    code = main(["fortschreiben", str(target), "--db", str(source), "--name", "2. KIK Kempten 2026–2030"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert sha(source) == before_hash
    assert not DocumentLock(source).path.exists() and not DocumentLock(target).path.exists()
    assert "1 umgesetzte Maßnahmen nicht übernommen" in out

    new = dump_file(target)
    old_measures, new_measures = measures(old), measures(new)
    done = [m for m in old_measures if m["status"] == "umgesetzt"]
    assert len(done) == 1
    assert len(new_measures) == len(old_measures) - 1
    assert done[0]["title"] not in {m["title"] for m in new_measures}
    old_by_uid = {m["uid"]: m for m in old_measures}
    for m in new_measures:
        assert m["uid"] not in old_by_uid  # a new identity …
        origin = m["origin"]  # … with its origin in the previous edition
        assert origin["edition"] == "1: Das 1. Kommunale Integrationskonzept Kemptens (KIK)"
        carried = old_by_uid[origin["uid"]]
        assert {k: v for k, v in m.items() if k not in ("uid", "origin", "number")} == {
            k: v for k, v in carried.items() if k not in ("uid", "number")
        }
    for f_old, f_new in zip(old["fields"], new["fields"], strict=True):
        assert f_new["origin"]["uid"] == f_old["uid"] and f_new["title"] == f_old["title"]
        assert [g["origin"]["uid"] for g in f_new["goals"]] == [g["uid"] for g in f_old["goals"]]
    # Numbers close the gap of the measure left out.
    for f in new["fields"]:
        for g in f["goals"]:
            assert [m["number"] for m in g["measures"]] == [
                f"{g['number']}.{i}" for i in range(1, len(g["measures"]) + 1)
            ]
    # Registry and legend carried; the new document names its predecessor.
    for key in ("institutions", "steering_group", "cross_cutting_tasks", "funding_sources", "statuses"):
        assert new[key] == old[key], key
    props = new["properties"]
    assert props["concept_name"] == "2. KIK Kempten 2026–2030"
    assert props["edition"] == "2"
    assert props["predecessor_name"] == old["properties"]["concept_name"]
    assert props["predecessor_edition"] == "1"
    assert props["predecessor_file"] == str(source.resolve())
    assert (
        props["council_decision_date"] == "" and props["understanding"] == old["properties"]["understanding"]
    )

    # The status history of a carried measure came along.
    in_progress = next(m for m in new_measures if m["status"] == "mitte")
    with open_document(target, read_only=True) as doc, doc.reading() as s:
        mid = s.scalars(select(Measure.id).where(Measure.uid == in_progress["uid"])).one()
        history = [
            (h.old_status, h.new_status)
            for h in s.scalars(select(StatusChange).where(StatusChange.measure_id == mid))
        ]
        assert history == [("umgesetzt", "mitte")]  # the example measure was done before
        assert s.scalar(select(func.count(StatusChange.id))) == 1  # the done one's two changes are gone
        assert concept.predecessor(s)["predecessor_name"] == old["properties"]["concept_name"]


def test_with_done_measures_and_default_name(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "mit.kik"
    assert main(["fortschreiben", str(target), "--db", str(source), "--mit-umgesetzten"]) == 0
    new, old = dump_file(target), dump_file(source)
    assert len(measures(new)) == len(measures(old))
    done = next(m for m in measures(new) if m["status"] == "umgesetzt")
    assert done["origin"]["uid"] in {m["uid"] for m in measures(old)}
    assert new["properties"]["concept_name"] == "Das 2. Kommunale Integrationskonzept Kemptens (KIK)"
    with open_document(target, read_only=True) as doc, doc.reading() as s:
        mid = s.scalars(select(Measure.id).where(Measure.uid == done["uid"])).one()
        assert s.scalar(select(func.count(StatusChange.id)).where(StatusChange.measure_id == mid)) == 2


def test_chosen_done_measures_and_third_edition(source: Path, tmp_path: Path) -> None:
    from kik_desktop.domain.edition import done_measures

    with open_document(source, read_only=True) as doc, doc.reading() as s:
        done = done_measures(s)
    second = write_next_edition(source, tmp_path / "2.kik", carry_done=[done[0].uid])
    assert second.carried_done == done and not second.left_out
    third = write_next_edition(second.path, tmp_path / "3.kik")
    assert third.edition == "3" and third.name == "Das 3. Kommunale Integrationskonzept Kemptens (KIK)"
    assert [d.title for d in third.left_out] == [done[0].title]
    data = dump_file(third.path)
    assert data["properties"]["predecessor_edition"] == "2"
    assert measures(data)[0]["origin"]["edition"].startswith("2: Das 2.")


def test_refusals_change_nothing(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sha(source)
    existing = tmp_path / "da.kik"
    existing.write_bytes(b"nicht anfassen")
    assert main(["fortschreiben", str(existing), "--db", str(source)]) == 1
    assert "gibt es schon" in capsys.readouterr().err
    assert existing.read_bytes() == b"nicht anfassen"
    assert main(["fortschreiben", str(source), "--db", str(source), "--force"]) == 1
    assert "nicht die bisherige Datei" in capsys.readouterr().err
    assert main(["fortschreiben", str(tmp_path / "x.txt"), "--db", str(source)]) == 1
    with pytest.raises(ValueError, match="nicht \\(mehr\\) umgesetzt"):
        write_next_edition(source, tmp_path / "y.kik", carry_done=["0" * 32])
    assert not (tmp_path / "y.kik").exists() and not (tmp_path / "y.kik.neu").exists()
    # A target someone has open is not overwritten.
    target = tmp_path / "offen.kik"
    shutil.copy(source, target)
    target_before = sha(target)
    other = DocumentLock(target, app="anderes Programm")
    other.acquire()
    try:
        other_holder = other.holder()
        assert other_holder is not None
        import kik_desktop.store.lock as lock_module

        real_alive = lock_module.pid_alive
        lock_module.pid_alive = lambda pid: True  # our own pid looks like someone else's live process
        try:
            code = main(["fortschreiben", str(target), "--db", str(source), "--force"])
        finally:
            lock_module.pid_alive = real_alive
    finally:
        other.release()
    assert code == 1 and "bereits geöffnet" in capsys.readouterr().err
    assert sha(target) == target_before
    assert sha(source) == before


def test_source_open_in_window_is_read_and_noted(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = DocumentLock(source)
    lock.acquire()
    before = sha(source)
    try:
        assert main(["fortschreiben", str(tmp_path / "n.kik"), "--db", str(source)]) == 0
    finally:
        lock.release()
    assert "übernommen wird der gespeicherte Stand" in capsys.readouterr().err
    assert sha(source) == before


def test_older_format_source_is_upgraded_in_a_copy_only(tmp_path: Path) -> None:
    source = tmp_path / "alt.kik"
    shutil.copy(FIXTURES / "kik_0003_status_symbols_concept.kik", source)
    before = sha(source)
    result = write_next_edition(source, tmp_path / "neu.kik")
    assert sha(source) == before
    assert "Fixture umgesetzt" in [d.title for d in result.left_out]
    data = dump_file(result.path)
    assert "Fixture umgesetzt" not in {m["title"] for m in measures(data)}
    assert data["properties"]["predecessor_name"] == "Das 1. Kommunale Integrationskonzept Kemptens (KIK)"


def test_document_of_previous_format_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "vorher.kik"
    shutil.copy(FIXTURES / "kik_0003_status_symbols_concept.kik", path)
    with open_document(path) as doc:
        assert current_revision(doc.engine) == head_revision()
        with doc.reading() as s:
            data = dump_plan(s)
    assert measures(data)[0]["title"] == "Fixture umgesetzt" and measures(data)[0]["status"] == "umgesetzt"
    assert len(data["steering_group"]) == 13 and len(data["cross_cutting_tasks"]) == 7
    assert "origin" not in measures(data)[0]


def test_next_name() -> None:
    assert next_name("Das 1. Kommunale Integrationskonzept") == "Das 2. Kommunale Integrationskonzept"
    assert next_name("KIK") == "KIK – Fortschreibung"
    assert next_name("") == "Fortschreibung des Integrationskonzepts"


def test_carry_list_names_the_tables_of_the_plan() -> None:
    from kik_desktop.models import Base

    known = set(Base.metadata.tables)
    # Every table of the document is either carried or written fresh for the new edition.
    fresh = {"status", "document_property", "item_origin", "alembic_version", *NOT_CARRIED}
    assert known - fresh <= set(CARRY_TABLES), known - fresh - set(CARRY_TABLES)


def test_dump_of_source_has_no_origin(source: Path) -> None:
    data = dump_file(source)
    assert all("origin" not in m for m in measures(data))
    assert json.dumps(data)  # plain data
