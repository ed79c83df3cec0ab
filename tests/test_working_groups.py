"""Working groups in the document: defaults, editing, dump, and the upgrade of older documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kik_desktop.domain import working_groups as wg
from kik_desktop.domain.changes import Action
from kik_desktop.domain.plan import PlanError
from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document, open_document

pytestmark = pytest.mark.both_backends

FIXTURES = Path(__file__).parent / "fixtures"


def test_default_document_has_one_group_per_field_with_its_actors(default_doc: Document) -> None:
    with default_doc.reading() as s:
        groups = dump_plan(s)["working_groups"]
        fields = dump_plan(s)["fields"]
    assert [g["fields"] for g in groups] == [[f["number"]] for f in fields]
    assert [g["name"] for g in groups] == [f"AG {f['title']}" for f in fields]
    work = groups[1]
    assert set(work) == {"name", "fields", "members", "contact", "email"}
    # Members are the field's actors that are in the registry.
    assert "Agentur für Arbeit" in work["members"]
    assert set(work["members"]) <= set(fields[1]["actors"])


def test_edit_groups_returns_change_sets(default_doc: Document) -> None:
    with default_doc.transaction() as s:
        gid, cs = wg.create_group(
            s,
            {
                "name": "  AG   Querschnitt ",
                "field_ids": [1, 2],
                "members": ["Agentur für Arbeit"],
                "contact": "Frau Muster",
                "email": "muster@kempten.de",
            },
        )
        assert [c.action for c in cs] == [Action.CREATED] and cs.changes[0].kind == "working_group"
        cs = wg.update_group(s, gid, {"contact": "Herr Beispiel"})
        assert dict(cs.changes[0].values) == {"contact": "Herr Beispiel"}
    with default_doc.reading() as s:
        g = wg.find_group(s, "ag querschnitt")
    assert g is not None
    assert (g.name, g.fields, g.members, g.contact) == (
        "AG Querschnitt",
        ("1", "2"),
        ("Agentur für Arbeit",),
        "Herr Beispiel",
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": ""}, "braucht einen Namen"),
        ({"name": "AG Sprache und Bildung"}, "gibt es schon"),
        ({"name": "X", "members": ["Gibt es nicht e.V."]}, "Nicht im Verzeichnis"),
        ({"name": "Y", "email": "keine adresse"}, "keine E-Mail-Adresse"),
    ],
)
def test_bad_group_values_are_refused(default_doc: Document, values: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError, match=message), default_doc.transaction() as s:
        wg.create_group(s, values)
    with default_doc.reading() as s:
        assert len(wg.list_groups(s)) == 6


def test_older_document_upgrades_with_a_group_per_field(tmp_path: Path) -> None:
    path = tmp_path / "alt.kik"
    shutil.copy(FIXTURES / "db_versions" / "kik_0001_base.kik", path)
    with open_document(path) as doc, doc.reading() as s:
        data = dump_plan(s)
    assert data["fields"][0]["goals"][0]["measures"][0]["title"] == "Fixture-Maßnahme"
    assert [g["name"] for g in data["working_groups"]] == [f"AG {f['title']}" for f in data["fields"]]
    assert [g["fields"] for g in data["working_groups"]] == [[f["number"]] for f in data["fields"]]
