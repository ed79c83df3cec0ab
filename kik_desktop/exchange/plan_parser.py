"""What the rows of a sheet mean: fields of action, goals and measures as the file states them.

``PlanParser`` walks the ``TableRow``s of every table (``table_reader``) and builds ``PField``/``PGoal``/
``PMeasure`` with every value and where it stands; ``parse_table`` runs one named step per row kind
(skipped rows, section rows, the row's goal, the row's measure). It knows nothing of the document; the
matcher compares its result with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kik_desktop.domain import plan
from kik_desktop.domain.dates import parse_month_year, vague_date
from kik_desktop.exchange import headers, name_lists, row_kinds, sheet_hints, status_words  # fidelity #18
from kik_desktop.exchange.colors import is_white
from kik_desktop.exchange.columns import BY_KEY, COLUMNS, column_letter, match_header, match_header_exact
from kik_desktop.exchange.import_model import (
    MEASURE_KEYS,
    MEASURE_VALUE_KEYS,
    UNCHANGED,
    Issue,
    Level,
    Loc,
    PField,
    PGoal,
    PMeasure,
    cell_text,
    normalize_name,
    parse_uid,
)
from kik_desktop.exchange.status_reader import StatusReader
from kik_desktop.exchange.table_reader import LegendLabels, Table, TableRow, read_legend, table_rows
from kik_desktop.exchange.workbook_reader import MAX_COLS, MAX_ROWS, WorkbookGrid

_MEASURE_NO = re.compile(r"^\s*(\d{1,3}\.\d{1,3}\.\d{1,3})[.:)]?(?:[ \t\n]|$)")
_GOAL_NO = re.compile(r"^\s*(\d{1,3}\.\d{1,3})[.:)]?(?:[ \t\n]|$)")
_FIELD_HEAD = re.compile(
    r"^\s*(?:handlungsfeld|hf)\s*(\d{1,2})\b[\s:.\-–—)]*(.*)$", re.IGNORECASE | re.DOTALL
)
_OWN_SECTION = re.compile(r"\AHandlungsfeld (\d{1,3}): ?(.*)\Z", re.DOTALL)
_FIELD_COLUMN_TEXT = re.compile(r"\A(?:Handlungsfeld )?(\d{1,3})[:.]? (.*)\Z", re.DOTALL)
_FIELD_NO = re.compile(r"^\s*(\d{1,2})[.:)]?\s+(\D.*)$", re.DOTALL)
_ID_KEYS = ("measure_uid", "goal_uid", "field_uid")


_PRIORITY_WORDS = {word: number for number, word in plan.PRIORITIES.items()}
_PRIORITY_TEXT = re.compile(r"\A([123])(?:[.,]0)?(?:\s*[-–:(]?\s*([a-zäöü]+)\)?)?\Z")


def _priority_of(text: str) -> int | None:
    """The priority a cell names: "hoch", "2", "3 – niedrig", "1 (hoch)"; None when it names none (or a
    digit and a word that disagree)."""
    norm = " ".join(text.lower().split())
    if norm in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[norm]
    m = _PRIORITY_TEXT.match(norm)
    if m is None:
        return None
    number = int(m.group(1))
    word = m.group(2)
    if word is not None and _PRIORITY_WORDS.get(word) != number:
        return None
    return number


def strip_goal_number(text: str) -> str:
    """A goal title without a leading "2.3" number."""
    m = _GOAL_NO.match(text)
    return text[m.end() :] if m else text


@dataclass
class _SheetState:
    """Where the walk down one sheet stands: the field and goal that following rows belong to."""

    current_field: PField | None
    current_goal: PGoal | None = None
    last_goal_text: str | None = None
    seen_uids: dict[str, int] = field(default_factory=dict)

    def enter_field(self, pf: PField) -> None:
        self.current_field, self.current_goal, self.last_goal_text = pf, None, None


@dataclass
class _RowIds:
    measure: str | None
    goal: str | None
    field: str | None


class PlanParser:
    """Parses the tables of a workbook into the plan the file describes (``fields``), with issues."""

    def __init__(self, grid: WorkbookGrid, status_reader: StatusReader, field_names: dict[str, str]) -> None:
        self.grid = grid
        self.status = status_reader
        self.field_names = field_names
        self.issues: list[Issue] = []
        self.fields: dict[tuple[str, str], PField] = {}
        self.field_alias: dict[tuple[str, str], PField] = {}
        self.goals: dict[tuple[Any, ...], PGoal] = {}
        self.measures: dict[tuple[Any, ...], PMeasure] = {}
        self.order = 0
        self.columns_seen: set[str] = set()
        self.sheets_read: list[str] = []
        self.sheet_fields: dict[str, set[int]] = {}  # sheet → fields (by id) with measures on it
        self.legend_label = LegendLabels(status_reader)
        # fidelity #18: header mappings, institution registry, cells flagged once
        self.mapping: dict[str, str] = {}
        self.header_matches: dict[str, headers.HeaderMatch] = {}
        self.registry = name_lists.Registry()
        self.flagged: set[tuple[str, int, int]] = set()
        self.remembered_used: dict[str, str] = {}

    def issue(
        self,
        level: Level,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: int | None = None,
    ) -> None:
        self.issues.append(Issue(level, message, sheet, row, column))

    def read_legend(self, tables: dict[int, Table]) -> None:
        self.issues.extend(read_legend(self.grid, tables, self.legend_label))

    # -- one table ----------------------------------------------------------------------------

    def parse_table(self, table: Table) -> None:
        """Every row of one table, in order; a "Legende" row ends the table."""
        self.sheets_read.append(table.sheet.title)
        self.columns_seen.update(table.columns)
        self.report_columns(table)
        state = _SheetState(self.sheet_field(table))
        id_cols = {table.columns[k] for k in _ID_KEYS if k in table.columns}
        rows = list(table_rows(self.grid, table))
        # fidelity #18 hook: hidden columns, where the table ends (for notes below it)
        sheet, cols = table.sheet, table.columns
        for message, hc in sheet_hints.hidden_column_hints(sheet, cols):
            self.issue("warning", message, sheet.title, table.header_row, hc)
        table_end = sheet_hints.last_table_row({row.row: row.cells for row in rows}, list(cols.values()))
        prev_row = table.header_row
        for row in rows:
            nonempty = row.nonempty()
            if not nonempty and row.fill is None:
                continue
            # fidelity #18 hook: notes, footnotes, legend lines, text below the table (row_kinds.py)
            verdict = row_kinds.classify_row(
                nonempty,
                cols,
                trailing=row.row > table_end,
                after_gap=row.row > prev_row + 1,
                has_fill=row.fill is not None,
                status_of=self.legend_label,
            )
            prev_row = row.row
            if verdict.kind != "data":
                self.report_not_table_row(row, nonempty, verdict)
                continue
            if not self.parse_data_row(table, state, row, nonempty, id_cols):
                break  # the legend below the table

    def parse_data_row(
        self, table: Table, state: _SheetState, row: TableRow, nonempty: dict[int, Any], id_cols: set[int]
    ) -> bool:
        """One row of the table's data: a field, goal or measure (or a section row naming a field);
        False at the start of the legend below the table, which ends it."""
        sheet, cols = table.sheet, table.columns
        for hint_level, hint, hint_col in sheet_hints.hints_for_row(
            self.grid, sheet, row.row, row.cells, cols
        ):
            self.issue("info" if hint_level == "info" else "warning", hint, sheet.title, row.row, hint_col)
        if self.is_legend_start(nonempty):
            return False
        if self.is_repeated_header(row, nonempty) or self.is_legend_row(row, nonempty, id_cols):
            return True
        ids = self.row_ids(row)
        has_measure = (
            ids.measure is not None
            or row.fill is not None
            or any(cell_text(row.value(k)).strip() for k in MEASURE_KEYS)
        )
        field_col = cols.get("field")
        if field_col is not None:
            self.field_column(state, row, ids)
        content = {c: v for c, v in nonempty.items() if c not in id_cols and c != field_col}
        if not has_measure and self.section_row(state, row, ids, content):
            return True
        if ids.field:
            pf = self.field_for(uid=ids.field, loc=row.loc)
            if state.current_field is not pf:
                state.enter_field(pf)
        self.row_goal(state, row, ids)
        if has_measure:
            self.row_measure(state, row, ids)
        return True

    def field_column(self, state: _SheetState, row: TableRow, ids: _RowIds) -> None:
        """The field as its own column (our export's "Alle Maßnahmen"): "1 Sprache und Bildung"."""
        field_raw = row.value("field")
        if isinstance(field_raw, str) and (fm := _FIELD_COLUMN_TEXT.match(field_raw)):
            wanted = self.field_for(
                uid=ids.field,
                number=int(fm.group(1)),
                name=fm.group(2),
                loc=row.loc,
                explicit=True,
                exact=True,
            )
            if wanted is not state.current_field:
                state.enter_field(wanted)

    def report_not_table_row(
        self, row: TableRow, nonempty: dict[int, Any], verdict: row_kinds.RowVerdict
    ) -> None:
        """fidelity #18: a note, footnote or text below the table is reported (a legend line silently
        skipped); it never becomes a goal or a measure."""
        if verdict.kind == "legend":
            return
        c0, v0 = min(nonempty.items())
        shown = cell_text(v0) if len(cell_text(v0)) <= 60 else cell_text(v0)[:59] + "…"
        if verdict.kind == "note":
            level: Level = "info"
            message = f"„{shown}“ ist eine {verdict.reason} und wird nicht übernommen."
        else:
            level = "warning"
            message = (
                f"„{shown}“ steht unter der Tabelle – kein Ziel und keine Maßnahme? Die Zeile "
                "wird nicht übernommen; soll sie ein Ziel sein, bitte die Leerzeile darüber "
                "entfernen."
            )
        self.issue(level, message, row.loc.sheet, row.row, c0)

    def report_columns(self, table: Table) -> None:
        """Issues about the header: unknown and doubled columns, missing ones, data beyond the limits."""
        sheet, title, cols = table.sheet, table.sheet.title, table.columns
        header_cells = sheet.cells.get(table.header_row, {})
        known_cols = set(cols.values())
        for c, (value, _s) in sorted(header_cells.items()):
            if value not in (None, "") and c not in known_cols:
                self.issue(
                    "info",
                    f"Die Spalte „{cell_text(value)[:60]}“ gehört nicht zur Umsetzungstabelle "
                    "und wird nicht übernommen.",
                    title,
                    table.header_row,
                    c,
                )
        for key, c in cols.items():
            dup = [
                cc
                for cc, (v, _s) in header_cells.items()
                if cc != c and isinstance(v, str) and match_header(v) == key
            ]
            for cc in dup:
                self.issue(
                    "warning",
                    f"Die Spalte „{BY_KEY[key].header}“ kommt doppelt vor; "
                    f"übernommen wird Spalte {column_letter(c)}.",
                    title,
                    table.header_row,
                    cc,
                )
        self.report_missing_columns(table)

    def report_missing_columns(self, table: Table) -> None:
        """Issues about columns the table lacks and data beyond the limits of the sheet."""
        sheet, title, cols = table.sheet, table.sheet.title, table.columns
        if "title" not in cols:
            self.issue(
                "warning",
                "Die Spalte „Maßnahme“ fehlt; von diesem Blatt werden nur Ziele übernommen.",
                title,
                table.header_row,
            )
        missing = [c.header for c in COLUMNS if c.key not in cols and c.key not in ("title",)]
        if missing:
            self.issue(
                "info",
                "Nicht im Blatt (bleiben unverändert): " + ", ".join(f"„{m}“" for m in missing),
                title,
                table.header_row,
            )
        if sheet.rows_beyond:
            self.issue(
                "warning",
                f"Das Blatt hat Daten unterhalb von Zeile {MAX_ROWS} (ab Zeile "
                f"{sheet.first_row_beyond}); sie liegen außerhalb des erwarteten Bereichs und werden nicht "
                "gelesen.",
                title,
                sheet.first_row_beyond,
            )
        if sheet.cols_beyond:
            self.issue(
                "warning",
                f"Das Blatt hat Daten rechts von Spalte {column_letter(MAX_COLS)}; sie liegen "
                "außerhalb des erwarteten Bereichs und werden nicht gelesen.",
                title,
                None,
                sheet.first_col_beyond,
            )

    # -- row kinds -----------------------------------------------------------------------------

    @staticmethod
    def is_legend_start(nonempty: dict[int, Any]) -> bool:
        first_texts = [v for c, v in sorted(nonempty.items())[:2] if isinstance(v, str) and len(v) < 60]
        return any(t.strip().lower().startswith("legende") for t in first_texts)

    @staticmethod
    def is_repeated_header(row: TableRow, nonempty: dict[int, Any]) -> bool:
        """A repeated header row (e.g. a second table on the sheet): its goal or title cell is a header."""
        probe = [v for k in ("goal", "title") if isinstance(v := row.value(k), str) and len(v) < 60]
        if probe and any(match_header_exact(v) in ("goal", "title") for v in probe):
            hits = {match_header_exact(v) for v in nonempty.values() if isinstance(v, str)} - {None}
            return len(hits) >= 3
        return False

    def is_legend_row(self, row: TableRow, nonempty: dict[int, Any], id_cols: set[int]) -> bool:
        """A status label beside a coloured empty cell, nothing else."""
        if len(nonempty) != 1 or set(nonempty) & id_cols:
            return False
        ((only_c, only_v),) = nonempty.items()
        if not self.legend_label(only_v) or only_c == row.columns.get("status"):
            return False
        neighbours = [row.cells.get(only_c - 1), row.cells.get(only_c + 1)]
        return any(n is not None and not is_white(self.grid.fill_rgb(n[1])) for n in neighbours)

    def row_ids(self, row: TableRow) -> _RowIds:
        """The row's KIK-IDs; a value in an ID column that is no ID is reported and ignored."""
        for key in _ID_KEYS:
            raw = row.value(key)
            if raw not in (None, "") and parse_uid(raw) is None:
                self.issue(
                    "warning",
                    f"„{cell_text(raw)[:40]}“ ist keine gültige KIK-ID und wird nicht beachtet.",
                    row.loc.sheet,
                    row.row,
                    row.columns[key],
                )
        return _RowIds(
            parse_uid(row.value("measure_uid")),
            parse_uid(row.value("goal_uid")),
            parse_uid(row.value("field_uid")),
        )

    def section_row(self, state: _SheetState, row: TableRow, ids: _RowIds, content: dict[int, Any]) -> bool:
        """A row (without a measure) that names a field of action, or a lone text that is skipped: True
        when the row is used up."""
        loc, cols = row.loc, row.columns
        if ids.field and not ids.goal and not ids.measure and len(content) <= 1:
            text = cell_text(next(iter(content.values()))) if content else ""
            own = _OWN_SECTION.match(text)
            field_no: int | None
            if own:
                field_no, name = int(own.group(1)), own.group(2)
            else:
                parsed = self.parse_field_text(text) if text else None
                field_no, name = parsed if parsed else (None, text)
            state.enter_field(
                self.field_for(
                    uid=ids.field, number=field_no, name=name, loc=loc, explicit=True, exact=bool(own)
                )
            )
            return True
        if len(content) != 1 or ids.goal:
            return False
        ((c, v),) = content.items()
        text = cell_text(v).strip()
        parsed = self.parse_field_text(text)
        bold = self.grid.is_bold(row.cells[c][1])
        is_goal_numbered = bool(_GOAL_NO.match(text))
        if parsed is not None or row.wide or (bold and not is_goal_numbered and c == cols.get("goal")):
            field_no, name = parsed if parsed else (None, text)
            state.enter_field(
                self.field_for(uid=ids.field, number=field_no, name=name, loc=loc, explicit=True)
            )
            return True
        if c != cols.get("goal"):
            self.issue(
                "info",
                f"Die Zeile enthält nur „{text[:50]}“ und wird nicht übernommen.",
                loc.sheet,
                row.row,
                c,
            )
            return True
        return False

    def row_goal(self, state: _SheetState, row: TableRow, ids: _RowIds) -> None:
        """The goal of this row: given in the row, or continued from above (blank or merged cells)."""
        cols, loc = row.columns, row.loc
        goal_text = cell_text(row.value("goal"))
        if goal_text.strip() or ids.goal:
            goal_norm = normalize_name(goal_text)
            current = state.current_goal
            if ids.goal:
                same = current is not None and current.uid == ids.goal
            else:
                same = current is not None and goal_norm == state.last_goal_text
            if not same:
                current = self.goal_for(state.current_field, goal_text, ids.goal, loc, cols.get("goal"))
                state.current_goal, state.current_field = current, current.pfield
            state.last_goal_text = goal_norm
            assert current is not None
            if goal_text.strip():
                current.titles.append((goal_text, loc))
            if "goal_indicator" in cols:
                current.indicator.append((cell_text(row.value("goal_indicator")), loc))
        elif "goal_indicator" in cols and state.current_goal is not None:
            ind = cell_text(row.value("goal_indicator"))
            if ind.strip():
                state.current_goal.indicator.append((ind, loc))

    def row_measure(self, state: _SheetState, row: TableRow, ids: _RowIds) -> None:
        """The measure of this row with its values; its goal from the number when none stands above."""
        cols, loc = row.columns, row.loc
        title_text = cell_text(row.value("title"))
        m_no = _MEASURE_NO.match(title_text)
        number: str | None = m_no.group(1) if m_no else None
        if m_no:
            title_text = title_text[m_no.end() :]
        elif "number" in cols:
            m_col = _MEASURE_NO.match(cell_text(row.value("number")).strip() + " ")
            number = m_col.group(1) if m_col else None
        # fidelity #18 hook: "3) Titel", "Nr. 4: Titel"; no measure without a title; struck = cancelled
        if ids.measure is None:
            title_text = sheet_hints.strip_number_prefix(title_text)
        if ids.measure is None and not title_text.strip():
            self.issue(
                "warning",
                "Die Zeile hat Angaben zu einer Maßnahme, aber keinen Titel (Spalte „Maßnahme“ "
                + ("leer" if "title" in cols else "nicht erkannt")
                + "); sie wird nicht als Maßnahme übernommen.",
                loc.sheet,
                row.row,
                cols.get("title"),
            )
            return
        if sheet_hints.title_struck(self.grid, row.cells, cols):
            self.issue(
                "warning",
                f"Die Maßnahme „{title_text.strip()[:50]}“ ist durchgestrichen (gestrichen?); sie wird "
                "nicht übernommen.",
                loc.sheet,
                row.row,
                cols.get("title"),
            )
            return
        goal = state.current_goal or self.goal_from_number(state, row, number)
        if goal is None:
            return
        state.current_goal = goal
        if not self.first_on_sheet(state, row, ids.measure):
            return
        pm = self.measure_for(goal, ids.measure, number, title_text, loc)
        pm.sheets.add(loc.sheet)
        self.sheet_fields.setdefault(loc.sheet, set()).add(id(goal.pfield))
        self.add_measure_values(pm, row, title_text)

    def goal_from_number(self, state: _SheetState, row: TableRow, number: str | None) -> PGoal | None:
        """The goal of a measure without a goal above it: from its number (2.3.1 → goal 2.3)."""
        cols, loc = row.columns, row.loc
        if number is None:
            self.issue(
                "warning",
                "Die Maßnahme hat kein Ziel (Spalte „Ziel“ leer und kein Ziel darüber); "
                "sie wird nicht übernommen.",
                loc.sheet,
                row.row,
                cols.get("goal"),
            )
            return None
        goal_number = number.rsplit(".", 1)[0]
        pf = state.current_field or self.field_for(number=int(goal_number.split(".")[0]), loc=loc)
        return self.goal_for(pf, goal_number, None, loc, cols.get("goal"))

    def first_on_sheet(self, state: _SheetState, row: TableRow, uid: str | None) -> bool:
        """False (reported) when the measure's KIK-ID stood on an earlier row of this sheet."""
        if uid is None:
            return True
        if uid in state.seen_uids:
            self.issue(
                "error",
                f"Die KIK-ID {uid} steht doppelt auf diesem Blatt (auch in Zeile {state.seen_uids[uid]}).",
                row.loc.sheet,
                row.row,
                row.columns.get("measure_uid"),
            )
            return False
        state.seen_uids[uid] = row.row
        return True

    # -- fields, goals, measures ------------------------------------------------------------

    def field_for(
        self,
        *,
        uid: str | None = None,
        number: int | None = None,
        name: str = "",
        loc: Loc | None = None,
        explicit: bool = False,
        exact: bool = False,
    ) -> PField:
        if not exact:
            name = name.strip()
        keys: list[tuple[str, str]] = []
        if uid:
            keys.append(("uid", uid))
        if normalize_name(name):
            keys.append(("name", normalize_name(name)))
        if number is not None:
            keys.append(("num", str(number)))
        if not keys:
            keys.append(("none", ""))
        if uid:
            pf = self.field_alias.get(("uid", uid))
            if pf is None:
                # A field named by a sheet (no ID yet) is the same field as rows with its ID.
                pf = next((self.field_alias[k] for k in keys[1:] if k in self.field_alias), None)
                if pf is not None and pf.uid is not None:
                    pf = None
        else:
            pf = next((self.field_alias[k] for k in keys if k in self.field_alias), None)
        if pf is None:
            self.order += 1
            pf = PField(key=keys[0], name=name, number=number, uid=uid, loc=loc, order=self.order)
            self.fields[keys[0]] = pf
        for k in keys:
            self.field_alias.setdefault(k, pf)
        if number is not None and pf.number is None:
            pf.number = number
        if exact and not pf.exact_name:
            pf.name, pf.exact_name = name, True
        elif name and not pf.name and not pf.exact_name:
            pf.name = name
        if uid and not pf.uid:
            pf.uid = uid
        pf.explicit = pf.explicit or explicit
        return pf

    def parse_field_text(self, text: str) -> tuple[int | None, str] | None:
        """(number, name) when text names a field of action: "Handlungsfeld 2: …", "2 Arbeit …",
        a known name."""
        text = " ".join(text.split())
        m = _FIELD_HEAD.match(text)
        if m:
            name = m.group(2).strip()
            return int(m.group(1)), self.field_names.get(normalize_name(name), name)
        norm = normalize_name(text)
        if norm in self.field_names:
            return None, self.field_names[norm]
        m = _FIELD_NO.match(text)
        if m and normalize_name(m.group(2)) in self.field_names:
            return int(m.group(1)), self.field_names[normalize_name(m.group(2))]
        return None

    def sheet_field(self, table: Table) -> PField | None:
        sheet = table.sheet
        guess = self.parse_field_text(sheet.title)
        for r in sorted(sheet.cells):
            if r >= table.header_row:
                break
            for value, _style in sheet.cells[r].values():
                if isinstance(value, str) and _FIELD_HEAD.match(value.strip()):
                    guess = self.parse_field_text(value) or guess
        if guess is None:
            return None
        number, name = guess
        return self.field_for(number=number, name=name, loc=Loc(sheet.title, table.header_row))

    def goal_for(
        self, pf: PField | None, goal_text: str, uid: str | None, loc: Loc, col: int | None
    ) -> PGoal:
        m = _GOAL_NO.match(goal_text)
        number = m.group(1) if m else None
        title = goal_text[m.end() :] if m else goal_text
        if pf is None:
            if number is not None:
                pf = self.field_for(number=int(number.split(".")[0]), loc=loc)
            else:
                pf = self.field_for(name=loc.sheet, loc=loc)
                self.issue(
                    "warning",
                    f"Für das Ziel ist kein Handlungsfeld angegeben (keine Abschnittszeile, "
                    f"keine Nummer); es wird dem Handlungsfeld „{loc.sheet}“ (Name des Blatts) zugeordnet.",
                    loc.sheet,
                    loc.row,
                    col,
                )
        if uid:
            key: tuple[Any, ...] = ("uid", uid)
            pg = self.goals.get(key)
        else:
            key = ("title", id(pf), normalize_name(title)) if title.strip() else ("num", id(pf), number)
            pg = self.goals.get(key)
            if pg is None and title.strip():
                pg = next((g for g in pf.goals if normalize_name(strip_goal_number(g.title)) == key[2]), None)
        if pg is None:
            self.order += 1
            pg = PGoal(key=key, pfield=pf, title=title, number=number, uid=uid, loc=loc, order=self.order)
            self.goals[key] = pg
            pf.goals.append(pg)
        elif number and not pg.number:
            pg.number = number
        return pg

    def measure_for(self, pg: PGoal, uid: str | None, number: str | None, title: str, loc: Loc) -> PMeasure:
        if uid:
            key: tuple[Any, ...] = ("uid", uid)
            pm = self.measures.get(key)
            if pm is not None:
                return pm
        else:
            # Without an ID every row is its own measure, unless the same measure is on another sheet.
            key = ("row", loc.sheet, loc.row)
            if number:
                prior = self.measures.get(("num", number, normalize_name(title)))
                if prior is not None and prior.loc is not None and prior.loc.sheet != loc.sheet:
                    return prior
        self.order += 1
        pm = PMeasure(key=key, pgoal=pg, number=number, uid=uid, loc=loc, order=self.order)
        self.measures[key] = pm
        if number and not uid:
            self.measures.setdefault(("num", number, normalize_name(title)), pm)
        pg.measures.append(pm)
        return pm

    def add_measure_values(self, pm: PMeasure, row: TableRow, title_text: str) -> None:
        """The row's values of the measure's columns (texts cleaned, dates read) and its status."""
        loc, cols, sheet = row.loc, row.columns, row.sheet

        def add(attr: str, value: Any) -> None:
            pm.values.setdefault(attr, []).append((value, loc))

        for key in MEASURE_VALUE_KEYS:
            c = cols.get(key)
            if c is None:
                continue
            raw = row.value(key)
            self.report_cell(sheet.formulas, sheet.errors, raw, loc, c)
            attr = BY_KEY[key].attr
            if key == "title":
                add(attr, self.clean(title_text, loc, c))
            elif key in ("start", "end"):
                add(attr, self.date_value(raw, loc, c))
            elif key in ("responsible", "actors") and pm.uid is None:  # fidelity #18 hook: name lists
                names, hints = name_lists.normalize_list(self.clean(cell_text(raw), loc, c), self.registry)
                for h in hints:
                    self.issue(
                        "info",
                        f"„{h.name}“ steht nicht im Institutionenverzeichnis; gemeint ist vielleicht "
                        f"„{h.suggestion}“?",
                        loc.sheet,
                        loc.row,
                        c,
                    )
                add(attr, names)
            else:
                add(attr, self.clean(cell_text(raw), loc, c))
        if "status" in cols:
            add("status_key", self.status_value(row, own_export=pm.uid is not None))
        if "priority" in cols:
            raw = row.value("priority")
            self.report_cell(sheet.formulas, sheet.errors, raw, loc, cols["priority"])
            add("priority", self.priority_value(raw, loc, cols["priority"]))

    def report_cell(
        self, formulas: set[tuple[int, int]], errors: set[tuple[int, int]], raw: Any, loc: Loc, c: int
    ) -> None:
        if (loc.row, c) in formulas:
            self.issue(
                "warning",
                "Die Zelle enthält eine Formel; übernommen wird ihr zuletzt berechneter Wert "
                f"„{cell_text(raw)[:40]}“.",
                loc.sheet,
                loc.row,
                c,
            )
        if (loc.row, c) in errors:
            self.issue(
                "warning",
                "Die Zelle enthält einen Excel-Fehlerwert; sie wird als leer gelesen.",
                loc.sheet,
                loc.row,
                c,
            )

    def status_value(self, row: TableRow, *, own_export: bool) -> Any:
        """The status key the row's status cell gives (text first, else its fill), UNCHANGED when neither
        is recognised, None when the cell is blank and white. ``own_export``: the row has a KIK-ID (a
        status edited in the program's own export is not flagged when its old fill disagrees)."""
        loc, c = row.loc, row.columns["status"]
        text = cell_text(row.value("status")).strip()
        key_from_text = self.status.from_text(text) if text else None
        key_from_color: str | None = None
        color_warning = None
        if row.fill is not None:
            key_from_color, color_warning = self.status.from_color(row.fill)
        if text and key_from_text is None:
            if key_from_color is not None and color_warning is None:
                self.issue(
                    "warning",
                    f"Der Status-Text „{text[:50]}“ ist keiner der sechs Status; "
                    "übernommen wird die Farbe der Zelle "
                    f"(„{self.status.label_of.get(key_from_color)}“).",
                    loc.sheet,
                    loc.row,
                    c,
                )
                return key_from_color
            self.issue(
                "warning",
                f"Der Status „{text[:50]}“ ist keiner der sechs Status; der Status bleibt unverändert.",
                loc.sheet,
                loc.row,
                c,
            )
            return UNCHANGED
        if key_from_text is not None:
            if (
                key_from_color is not None
                and key_from_color != key_from_text
                and color_warning is None
                and not own_export  # fidelity #18 hook: not for statuses edited in our own export
                and status_words.disagreement_once(self.flagged, loc.sheet, loc.row, c)
            ):
                self.issue(
                    "info",
                    f"Farbe und Text der Statuszelle widersprechen sich; übernommen wird der Text "
                    f"„{text[:50]}“.",
                    loc.sheet,
                    loc.row,
                    c,
                )
            return key_from_text
        if row.fill is not None:
            if key_from_color is None:
                self.issue("warning", color_warning or "Status nicht erkannt.", loc.sheet, loc.row, c)
                return UNCHANGED
            if color_warning:
                self.issue("warning", color_warning, loc.sheet, loc.row, c)
            return key_from_color
        return None

    def clean(self, text: str, loc: Loc, col: int) -> str:
        cleaned = plan.clean_text(text)
        if len(cleaned) > plan.MAX_TEXT:
            self.issue(
                "warning",
                f"Der Text ist {len(cleaned)} Zeichen lang und wird auf {plan.MAX_TEXT} Zeichen gekürzt.",
                loc.sheet,
                loc.row,
                col,
            )
            cleaned = cleaned[: plan.MAX_TEXT]
        return cleaned

    def priority_value(self, raw: Any, loc: Loc, col: int) -> Any:
        """1, 2 or 3 from "hoch"/"mittel"/"niedrig" (as the export writes it), a digit, or both ("1 – hoch");
        None for a blank cell; UNCHANGED, with a warning, for anything else."""
        text = cell_text(raw).strip()
        if not text:
            return None
        found = _priority_of(text)
        if found is None:
            self.issue(
                "warning",
                f"„{text[:40]}“ ist keine Priorität (hoch, mittel, niedrig oder 1, 2, 3); "
                "die Priorität bleibt unverändert.",
                loc.sheet,
                loc.row,
                col,
            )
            return UNCHANGED
        return found

    def date_value(self, raw: Any, loc: Loc, col: int) -> str:
        if isinstance(raw, int | float) and not isinstance(raw, bool) and 20_000 <= raw <= 80_000:
            try:
                from openpyxl.utils.datetime import from_excel  # openpyxl only when importing

                d = from_excel(raw)
            except (ValueError, OverflowError):
                d = None
            if isinstance(d, datetime):
                self.issue(
                    "warning",
                    f"Die Zahl {cell_text(raw)} wurde als Excel-Datum {d:%m/%Y} gedeutet.",
                    loc.sheet,
                    loc.row,
                    col,
                )
                return f"{d.month:02d}/{d.year:04d}"
        if isinstance(raw, str):
            raw = self.clean(raw, loc, col)
        parsed = parse_month_year(raw.strip() if isinstance(raw, str) else raw)
        if not parsed.is_valid and vague_date(raw):  # fidelity #18 hook: rough dates kept as text
            self.issue(
                "info",
                f"„{cell_text(raw)[:50]}“ ist eine ungefähre Zeitangabe; sie wird als Text übernommen.",
                loc.sheet,
                loc.row,
                col,
            )
        elif not parsed.is_valid:
            self.issue(
                "warning",
                f"„{cell_text(raw)[:50]}“ ist kein Datum (Monat/Jahr); es wird als Text übernommen.",
                loc.sheet,
                loc.row,
                col,
            )
        return parsed.canonical()
