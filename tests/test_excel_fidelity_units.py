"""Issue #18: the pure functions behind reading messy tables, one by one."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from kik_desktop.domain.dates import parse_month_year, vague_date
from kik_desktop.domain.defaults import create_default_document
from kik_desktop.exchange import (
    conditional,
    csv_reader,
    headers,
    name_lists,
    row_kinds,
    sheet_hints,
    status_words,
)
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import preview_document

# -- headers --------------------------------------------------------------------------------------------


def test_group_header_combined_with_names_below() -> None:
    rows = {
        1: {1: "Rückmeldung"},
        3: {1: "Ziel", 2: "Maßnahme", 4: "Zuständig", 5: "Zeitraum der Umsetzung", 7: "Ampel"},
        4: {2: "Nr.", 3: "Titel", 5: "von", 6: "bis"},
        5: {1: "1.1 Ziel", 2: "1.1.1", 3: "Kurs", 4: "Amt", 5: "01/2024", 6: "12/2024", 7: "grün"},
    }
    merges = [(1, 3, 1, 4), (2, 3, 3, 3), (4, 3, 4, 4), (5, 3, 6, 3), (7, 3, 7, 4)]
    match = headers.find_header(rows, merges)
    assert match is not None
    assert (match.row, match.group_row) == (4, 3)
    assert match.columns == {
        "goal": 1,
        "number": 2,
        "title": 3,
        "responsible": 4,
        "start": 5,
        "end": 6,
        "status": 7,
    }
    texts = {g.column: g.text for g in match.guesses}
    assert texts[5] == "Zeitraum der Umsetzung / von" and texts[3] == "Maßnahme / Titel"


def test_plain_header_without_group_row_stays_on_its_row() -> None:
    rows = {1: {1: "Ziel", 2: "Maßnahme", 3: "Status"}, 2: {1: "1.1 A", 2: "B", 3: "umgesetzt"}}
    match = headers.find_header(rows, [])
    assert match is not None and (match.row, match.group_row) == (1, None)


def test_synonyms_and_unsure_spelling() -> None:
    assert headers.guess_key("Erfolgskriterien")[:2] == ("success_indicator", "sicher")
    assert headers.guess_key("Nr. / Titel")[0] == "title"
    assert headers.guess_key("Bezeichnung")[0] == "title"
    assert headers.guess_key("Kooperationspartner")[0] == "actors"
    assert headers.guess_key("Bemerkung")[0] is None
    key, confidence, why = headers.guess_key("Umsetzngstand")  # a typo: proposed, asked
    assert (key, confidence, why) == ("status", "unsicher", "ähnliche Schreibweise")
    for key, names in headers.SYNONYMS.items():
        for name in names:
            assert headers.guess_key(name)[0] == key, name


def test_overrides_and_remembered_mapping(tmp_path: Path) -> None:
    rows = {1: {1: "Ziel", 2: "Maßnahme", 3: "Ampel", 4: "Bemerkung"}}
    match = headers.find_header(rows, [])
    assert match is not None and 4 not in match.columns.values()
    chosen = {"bemerkung": "description", "ampel": ""}
    changed = headers.find_header(rows, [], overrides=chosen)
    assert changed is not None
    assert changed.columns == {"goal": 1, "title": 2, "description": 4}
    store = tmp_path / "zuordnung.json"
    headers.remember(match.signature, chosen, store)
    assert headers.remembered(match.signature, store) == chosen
    # The same names in another order have the same signature.
    other = headers.find_header({1: {1: "Bemerkung", 2: "Ampel", 3: "Maßnahme", 4: "Ziel"}}, [])
    assert other is not None and other.signature == match.signature
    assert headers.remembered("anders", store) == {}


# -- rows -----------------------------------------------------------------------------------------------


def _status_of(text: str) -> str | None:
    return {
        "umgesetzt": "umgesetzt",
        "grün": "umgesetzt",
        "rot": "gefaehrdet",
        "gefährdet": "gefaehrdet",
    }.get(text.strip())


def test_row_kinds() -> None:
    cols = {"goal": 1, "title": 2, "status": 3}

    def kind(values: dict[int, object], **kw: bool) -> str:
        args = {"trailing": False, "after_gap": False, "has_fill": False} | kw
        return row_kinds.classify_row(values, cols, status_of=_status_of, **args).kind

    assert kind({1: "Hinweis: bitte prüfen"}) == "note"
    assert kind({1: "* vorläufig"}) == "note"
    assert kind({1: "¹ ohne Gewähr"}) == "note"
    assert kind({1: "Stand: 03/2024"}) == "note"
    assert kind({1: "Legende"}) == "legend"
    assert kind({1: "grün = umgesetzt, rot = gefährdet"}) == "legend"
    assert kind({2: "umgesetzt"}) == "legend"
    assert kind({1: "1.2 Ein Ziel ohne Maßnahmen"}) == "data"  # a goal row inside the table
    assert kind({1: "1.2 Ein Ziel"}, trailing=True) == "data"  # the last goal, directly under the table
    assert kind({1: "1.2 Ein Ziel"}, trailing=True, after_gap=True) == "question"
    assert kind({2: "Bitte bis Mai zurücksenden."}, trailing=True) == "question"
    assert kind({1: "Hinweis", 2: "Kurs", 3: "rot"}) == "data"
    assert kind({1: "Hinweis: x"}, has_fill=True) == "data"


# -- statuses -------------------------------------------------------------------------------------------


def test_colour_words_through_legend_or_palette() -> None:
    assert status_words.color_word("Hellgrün") == "hellgruen"
    assert status_words.color_word("hell-grün") == "hellgruen"
    assert status_words.color_word("grün (erledigt)") == "gruen"
    assert status_words.color_word("Grünanlage pflegen und erweitern jetzt") is None
    none = status_words.Legend({}, {})
    assert none.word_status("gelb") == ("mitte", "Standardfarben")
    assert none.word_status("hellgruen") == ("ende", "Standardfarben")
    by_text = status_words.Legend({"gelb": "anfang"}, {})
    assert by_text.word_status("gelb") == ("anfang", "Legende")
    # A legend of coloured cells: the word's colour finds the nearest legend colour.
    by_fill = status_words.Legend({}, {"FFD966": "anfang", "00B050": "umgesetzt", "C00000": "gefaehrdet"})
    assert by_fill.word_status("gelb")[0] == "anfang"
    assert by_fill.word_status("rot")[0] == "gefaehrdet"


def test_text_legend_lines() -> None:
    def status_of(t: str) -> str | None:
        return {"umgesetzt": "umgesetzt", "in umsetzung (anfang)": "anfang", "anfang": "anfang"}.get(
            t.strip().lower()
        )

    words, doubtful = status_words.read_text_legend(
        [
            "grün = umgesetzt",
            "gelb: in Umsetzung (Anfang)",
            "Anfang – orange",
            "gelb = umgesetzt",
            "Kein = Satz",
        ],
        status_of,
    )
    assert words == {"gruen": "umgesetzt", "orange": "anfang"}
    assert doubtful == ["gelb"]


def test_short_names_include_symbols() -> None:
    class S:
        key, short, symbol = "mitte", "Mitte", "◑"

    names = status_words.short_names([S()])
    assert names["mitte"] == "mitte" and names["◑"] == "mitte" and names["geplant"] == "zukuenftig"


def test_conditional_fill() -> None:
    rules = [
        ([(6, 2, 6, 40)], "cellIs", "equal", ['"ok"'], "00B050"),
        ([(6, 2, 6, 40)], "cellIs", "between", ["1", "3"], "FFFF00"),
        (
            [(6, 2, 6, 40)],
            "containsText",
            "containsText",
            ['NOT(ISERROR(SEARCH("Verzug",F2)))', "Verzug"],
            "FF0000",
        ),
    ]
    assert conditional.conditional_fill(rules, 3, 6, "OK") == "00B050"
    assert conditional.conditional_fill(rules, 3, 6, 2) == "FFFF00"
    assert conditional.conditional_fill(rules, 3, 6, "im Verzug") == "FF0000"
    assert conditional.conditional_fill(rules, 3, 6, "offen") is None
    assert conditional.conditional_fill(rules, 3, 5, "ok") is None  # outside the range
    assert conditional.conditional_fill(rules, 1, 6, "ok") is None


# -- names ----------------------------------------------------------------------------------------------


def test_name_lists() -> None:
    reg = name_lists.Registry(["Amt für Jugend, Familie und Soziales", "Caritasverband Kempten", "Jobcenter"])
    assert name_lists.split_names("A\nB; C") == ["A", "B", "C"]
    assert name_lists.split_names("Caritas, Diakonie und AWO") == ["Caritas", "Diakonie", "AWO"]
    assert name_lists.split_names("Amt für Jugend, Familie und Soziales, Jobcenter", reg) == [
        "Amt für Jugend, Familie und Soziales",
        "Jobcenter",
    ]
    assert name_lists.split_names("Amt für Kindertagesstätten, Schulen und Sport") == [
        "Amt für Kindertagesstätten, Schulen und Sport"
    ]
    text, hints = name_lists.normalize_list("jobcenter; Caritasverband Kemptn", reg)
    assert text == "Jobcenter\nCaritasverband Kemptn"
    assert hints == [name_lists.NameHint("Caritasverband Kemptn", "Caritasverband Kempten")]
    assert name_lists.same_names("A; B", "A\nB") and not name_lists.same_names("A; B", "B\nA")


# -- CSV ------------------------------------------------------------------------------------------------


def test_csv_detection(tmp_path: Path) -> None:
    assert csv_reader.decode("Maßnahme".encode("cp1252")) == ("Maßnahme", "Windows-1252")
    assert csv_reader.decode(b"\xef\xbb\xbfZiel") == ("Ziel", "UTF-8 (mit BOM)")
    assert csv_reader.decode("Ziel;Maß".encode()) == ("Ziel;Maß", "UTF-8")
    assert csv_reader.sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert csv_reader.sniff_delimiter('a,b,c\n"x;y",2,3\n') == ","
    path = tmp_path / "t.csv"
    path.write_bytes("Ziel;Maßnahme\n1.1 Ä;Kurs\n".encode("cp1252"))
    grid = csv_reader.read_csv(path)
    assert grid.sheets[0].cells[2] == {1: ("1.1 Ä", 0), 2: ("Kurs", 0)}
    assert "Windows-1252" in grid.csv_info


# -- dates ----------------------------------------------------------------------------------------------


def test_dates_exact_and_vague() -> None:
    assert parse_month_year("12.05.2023").canonical() == "05/2023"
    assert parse_month_year("März 2024").canonical() == "03/2024"
    for text in ("Q2/2024", "2. Hj. 2024", "ab 2023", "Herbst 2022", "Ende 2023", "2. Quartal 2025"):
        assert vague_date(text), text
        assert parse_month_year(text).canonical() == text
    for text in ("03/2024", "Sprachkurs", "", "laufend"):
        assert not vague_date(text), text


# -- hints ----------------------------------------------------------------------------------------------


def test_number_prefix_and_change_location() -> None:
    assert sheet_hints.strip_number_prefix("3) Sprachkurs") == "Sprachkurs"
    assert sheet_hints.strip_number_prefix("Nr. 4: Elterncafé") == "Elterncafé"
    assert sheet_hints.strip_number_prefix("2.1 Lotsen") == "Lotsen"
    assert sheet_hints.strip_number_prefix("2024 Fest") == "2024 Fest"
    assert sheet_hints.strip_number_prefix("3 D-Druck") == "3 D-Druck"
    values = {"title": [("A", "all"), ("A", "hf2")], "status_key": [("mitte", "all"), ("ende", "hf2")]}
    assert sheet_hints.change_location(values, {"status_key": "ende"}, "all") == "hf2"
    assert sheet_hints.change_location(values, {}, "all") == "all"


# -- our own export -------------------------------------------------------------------------------------


def test_edit_on_field_sheet_is_located_there_and_not_flagged(tmp_path: Path) -> None:
    doc = create_default_document(tmp_path / "k.kik")
    try:
        book = tmp_path / "export.xlsx"
        export_document(doc, book)
        wb = load_workbook(book)
        # A field sheet as older exports wrote it (today the field is a column of "Alle Maßnahmen"): a copy
        # of the table; its first measure belongs to field 2.
        ws = wb.copy_worksheet(wb["Alle Maßnahmen"])
        ws.title = "HF 2 Arbeit und Ausbildung"
        header = [c.value for c in ws[3]]
        status_col = header.index("Status") + 1
        row = next(
            r for r in range(4, ws.max_row + 1) if ws.cell(r, header.index("KIK-ID Maßnahme") + 1).value
        )
        assert ws.cell(row, header.index("Handlungsfeld") + 1).value == "2 Arbeit und Ausbildung"
        cell = ws.cell(row, status_col)
        assert cell.value != "in Umsetzung (Mitte)"
        cell.value = "in Umsetzung (Mitte)"  # the text edited, the old fill stays
        wb.save(book)
        preview = preview_document(doc, book)
        assert not preview.errors
        assert len(preview.changed) == 1
        item = preview.changed[0]
        assert (item.sheet, item.row) == ("HF 2 Arbeit und Ausbildung", row)
        assert [c.attr for c in item.changes] == ["status_key"]
        assert not any("widersprechen" in i.message for i in preview.issues)
    finally:
        doc.close()


def test_unrecognised_measure_column_gives_no_titleless_measures_and_can_be_mapped(tmp_path: Path) -> None:
    """The issue's first workbook: the measure column is not recognised. No measure without a title is
    announced; mapping the column to „Maßnahme“ in the preview reads the measures."""
    from openpyxl import Workbook

    from kik_desktop.store import create_document

    wb = Workbook()
    ws = wb.active
    ws.title = "HF 1 Sprache"
    ws.append(["Ziel", "Vorhaben", "Zuständig", "Ampel"])
    ws.append(["1.1 Deutsch lernen", "Sprachcafé", "vhs", "grün"])
    ws.append([None, "Lesepaten", "Bibliothek", "gelb"])
    book = tmp_path / "vorhaben.xlsx"
    wb.save(book)
    doc = create_document(tmp_path / "leer.kik")
    try:
        preview = preview_document(doc, book)
        assert not preview.errors
        assert [i.kind for i in preview.new] == ["field", "goal"]
        assert all(i.title.strip() for i in preview.new)
        texts = " ".join(i.message for i in preview.warnings)
        assert "nur Ziele" in texts and "keinen Titel" in texts
        mapped = preview_document(doc, book, {"vorhaben": "title"})
        assert [i.title for i in mapped.new if i.kind == "measure"] == ["Sprachcafé", "Lesepaten"]
        assert not mapped.warnings
    finally:
        doc.close()
