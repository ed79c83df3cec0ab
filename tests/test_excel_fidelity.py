"""Issue #18: the city's own tables read as a person would – a corpus of messy workbooks and CSV files
(tests/corpus/messy.py) imports right value by value, and nothing becomes an item with an empty title."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.excel_import import import_file, preview_document
from kik_desktop.store import Document, create_document
from tests.corpus.messy import FILE_NAMES, MessyCase, build_messy_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, MessyCase]:
    folder = tmp_path_factory.mktemp("messy")
    return {case.name: case for case in build_messy_corpus(folder)}


def plan_of(doc: Document) -> tuple[dict[str, dict[str, Any]], list[str], list[str]]:
    """measures by title (with their goal's title), goal titles, field names."""
    with doc.reading() as s:
        data = dump_plan(s)
    measures: dict[str, dict[str, Any]] = {}
    goals: list[str] = []
    for f in data["fields"]:
        for g in f["goals"]:
            goals.append(g["title"])
            for m in g["measures"]:
                measures[m["title"]] = {**m, "goal": g["title"]}
    return measures, goals, [f["title"] for f in data["fields"]]


def test_corpus_has_at_least_twelve_different_layouts(corpus: dict[str, MessyCase]) -> None:
    assert len(corpus) >= 12
    assert len({c.path.suffix for c in corpus.values()}) == 3  # .xlsx, .csv, .xlsm
    assert len({c.what for c in corpus.values()}) == len(corpus)


@pytest.mark.parametrize("name", FILE_NAMES)
def test_messy_file_imports_value_by_value(name: str, corpus: dict[str, MessyCase], tmp_path: Path) -> None:
    case = corpus[name]
    doc = create_document(tmp_path / "leer.kik")
    try:
        preview = preview_document(doc, case.path)
        assert not preview.errors, [i.text() for i in preview.errors]
        # Nothing new without a title, in the preview and in the document.
        assert all(item.title.strip() for item in preview.new), [i.label for i in preview.new]
        notes = " | ".join(i.text() for i in preview.issues)
        for hint in case.hints:
            assert hint in notes, (hint, notes)
        import_file(doc, case.path)
        measures, goals, fields = plan_of(doc)
        assert all(t.strip() for t in measures) and all(g.strip() for g in goals) and all(fields)
        assert sorted(goals) == sorted(case.goals)
        assert sorted(measures) == sorted(case.measures), notes
        for title, expected in case.measures.items():
            got = {k: measures[title][k] for k in expected}
            assert got == expected, (title, notes)
        for text in case.absent:
            assert not any(text in t for t in [*measures, *goals, *fields]), text
    finally:
        doc.close()


def test_messy_file_twice_changes_nothing(corpus: dict[str, MessyCase], tmp_path: Path) -> None:
    """A second import of the same file finds everything unchanged (names, dates, colours read alike)."""
    for name in ("antwort_ag_bildung.xlsx", "excel_de.csv", "blatt_je_feld.xlsx", "legende_als_text.xlsx"):
        doc = create_document(tmp_path / f"{name}.kik")
        try:
            import_file(doc, corpus[name].path)
            again = preview_document(doc, corpus[name].path)
            assert again.new == [] and again.changed == [], (name, [i.label for i in again.changed])
        finally:
            doc.close()
