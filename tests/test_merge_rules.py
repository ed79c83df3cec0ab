"""The three-way merge rules against a small reference implementation, over random triples."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kik_desktop.domain import indicator_merge as im
from kik_desktop.domain.merge import Choice, Outcome, decide, merge_items, resolve

VALUES = st.sampled_from(["", "a", "b", "c", None, " a"])


def reference(base: Any, sheet: Any, doc: Any) -> str:
    """The rules of issue #11, written out plainly: the value to write, or 'conflict'."""
    n = lambda v: (v or "").strip()  # noqa: E731
    b, s, d = n(base), n(sheet), n(doc)
    if s == d:
        return "nothing"
    if s == b:
        return "keep"  # never revert the document's newer value
    if d == b:
        return "take"
    return "conflict"


@settings(max_examples=400, deadline=None)
@given(VALUES, VALUES, VALUES)
def test_decide_matches_the_reference(base: Any, sheet: Any, doc: Any) -> None:
    expected = {
        "nothing": Outcome.SAME,
        "keep": Outcome.KEEP,
        "take": Outcome.TAKE,
        "conflict": Outcome.CONFLICT,
    }[reference(base, sheet, doc)]
    assert decide(base, sheet, doc) is expected


ITEMS = st.dictionaries(
    st.sampled_from(["u1", "u2", "u3", "u4"]),
    st.dictionaries(st.sampled_from(["status", "responsible", "end"]), VALUES, min_size=3, max_size=3),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(ITEMS, ITEMS, ITEMS, st.booleans())
def test_merge_items_and_resolve(base: Any, sheet: Any, doc: Any, take_sheet: bool) -> None:
    result = merge_items(base, sheet, doc)
    written = resolve(result, take_sheet_on_conflict=take_sheet)
    for key, values in sheet.items():
        if key not in doc:
            assert (key in result.new) == (key not in base)
            assert (key in result.deleted_in_document) == (key in base)
            assert key not in written
            continue
        for attr, s_value in values.items():
            b_value = base.get(key, {}).get(attr)
            if key not in base:  # an item the base does not know: two-way for it
                expected = "nothing" if (s_value or "").strip() == (doc[key][attr] or "").strip() else "take"
            else:
                expected = reference(b_value, s_value, doc[key][attr])
            got = written.get(key, {}).get(attr, "<not written>")
            if expected == "take" or (expected == "conflict" and take_sheet):
                assert got == s_value
            else:
                assert got == "<not written>"
            in_conflicts = any(d.key == key and d.attribute == attr for d in result.conflicts)
            in_kept = any(d.key == key and d.attribute == attr for d in result.kept)
            assert in_conflicts == (expected == "conflict")
            assert in_kept == (expected == "keep")
    assert set(result.missing) == {k for k in base if k in doc and k not in sheet}


def test_without_a_base_the_sheet_wins_where_it_differs() -> None:
    result = merge_items(None, {"u": {"status": "ende"}}, {"u": {"status": "anfang"}})
    assert not result.base_known
    assert [(d.attribute, d.outcome) for d in result.changed] == [("status", Outcome.TAKE)]
    assert resolve(result) == {"u": {"status": "ende"}}


def test_choices_per_value() -> None:
    base = {"u": {"status": "anfang", "responsible": "A", "end": "01/2026"}}
    sheet = {"u": {"status": "ende", "responsible": "B", "end": "02/2026"}}
    doc = {"u": {"status": "mitte", "responsible": "A", "end": "01/2026"}}
    result = merge_items(base, sheet, doc)
    assert [d.attribute for d in result.conflicts] == ["status"]
    assert resolve(result) == {"u": {"responsible": "B", "end": "02/2026"}}
    chosen = resolve(
        result,
        {("u", "status"): Choice.TAKE_SHEET, ("u", "end"): Choice.KEEP_DOCUMENT},
    )
    assert chosen == {"u": {"status": "ende", "responsible": "B"}}
    edited = resolve(result, {("u", "status"): (Choice.EDIT, "umgesetzt")})
    assert edited["u"]["status"] == "umgesetzt"


# Indicators (domain/indicator_merge.py): numbers written in different ways, measured months that come
# and go. Checking the merged sheet in a second time must change nothing.
NUMBERS = st.sampled_from([None, 12, 12.0, "12", "12,0", 12.5, "12,5", 30, "1.234,5", 1234.5])
MONTHS = st.dictionaries(st.sampled_from([(2025, 3), (2026, 5), (2026, 6)]), NUMBERS, max_size=3)


def _indicator_values(target: Any, months: dict[tuple[int, int], Any]) -> dict[str, str]:
    out = {"target": im.text("target", target)}
    for (year, month), value in months.items():
        if value is not None:
            out[im.value_attribute(year, month)] = im.text(im.value_attribute(year, month), value)
    return out


@settings(max_examples=300, deadline=None)
@given(NUMBERS, NUMBERS, NUMBERS, MONTHS, MONTHS, MONTHS, st.booleans())
def test_indicator_values_merge_like_the_rest_and_twice_changes_nothing(
    b_target: Any, s_target: Any, d_target: Any, b_months: Any, s_months: Any, d_months: Any, take: bool
) -> None:
    key = ("indicator", "i")
    base = {key: _indicator_values(b_target, b_months)}
    sheet = {key: _indicator_values(s_target, s_months)}
    doc = {key: _indicator_values(d_target, d_months)}
    im.fill_new_months(base, sheet)
    result = merge_items(base, sheet, doc)
    written = resolve(result, take_sheet_on_conflict=take).get(key, {})
    for attr, s_value in sheet[key].items():
        expected = reference(base[key].get(attr), s_value, doc[key].get(attr))
        if expected == "take" or (expected == "conflict" and take):
            assert written[attr] == s_value
        else:
            assert attr not in written
        if im.month_attribute(attr) and attr not in doc[key] and s_value:
            # A month the document does not have: added unless the base had it (deleted meanwhile).
            assert (attr in written) == (base[key][attr] == "" or (take and base[key][attr] != s_value))
    after = {key: {**doc[key], **written}}
    again = resolve(merge_items(base, sheet, after), take_sheet_on_conflict=take)
    assert again == {}
