"""Colours of conditional formats (issue #18): a status cell coloured by a rule ("Zellwert = „grün“" or
"Text enthält „umgesetzt“") instead of a fill. Only the rule types people use for status cells are
evaluated: cellIs (equal, notEqual, numeric comparisons), containsText, beginsWith, endsWith, notContainsText.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Rule = tuple[list[tuple[int, int, int, int]], str, str, list[str], str]


def _operand(text: str) -> Any:
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        return t[1:-1].replace('""', '"')
    try:
        return float(t)
    except ValueError:
        return None  # a formula or a cell reference: not evaluated


def _compare(op: str, value: Any, operands: list[Any]) -> bool:
    if not operands or operands[0] is None:
        return False
    a = operands[0]
    if isinstance(a, str):
        v = "" if value is None else str(value)
        if op == "equal":
            return v.strip().casefold() == a.casefold()
        if op == "notEqual":
            return v.strip().casefold() != a.casefold()
        return False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not isinstance(a, float):
        return False
    b = operands[1] if len(operands) > 1 else None
    num = float(value)
    if op == "equal":
        return num == a
    if op == "notEqual":
        return num != a
    if op == "greaterThan":
        return num > a
    if op == "greaterThanOrEqual":
        return num >= a
    if op == "lessThan":
        return num < a
    if op == "lessThanOrEqual":
        return num <= a
    if op in ("between", "notBetween") and isinstance(b, float):
        inside = min(a, b) <= num <= max(a, b)
        return inside if op == "between" else not inside
    return False


def conditional_fill(rules: Sequence[Rule], row: int, col: int, value: Any) -> str | None:
    """The fill colour the first matching rule gives the cell, or None."""
    for boxes, kind, op, operands, rgb in rules:
        if not any(c1 <= col <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in boxes):
            continue
        text = "" if value is None else str(value).casefold()
        if kind == "cellIs":
            if _compare(op, value, [_operand(o) for o in operands]):
                return rgb
        elif kind in ("containsText", "beginsWith", "endsWith", "notContainsText"):
            needle = next((o for o in reversed(operands) if o and not o.startswith(("NOT(", "ISERROR("))), "")
            needle = needle.strip('"').casefold()
            if not needle:
                continue
            hit = {
                "containsText": needle in text,
                "notContainsText": needle not in text,
                "beginsWith": text.startswith(needle),
                "endsWith": text.endswith(needle),
            }[kind]
            if hit:
                return rgb
    return None


__all__ = ["conditional_fill"]
