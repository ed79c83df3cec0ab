"""German counts with the right noun form: ``counted(1, "Ziel", "Ziele")`` → "1 Ziel"."""

from __future__ import annotations


def counted(n: int, one: str, many: str) -> str:
    """``n`` and the singular or plural noun (German: singular only for exactly one)."""
    return f"{n} {one if n == 1 else many}"


def measures(n: int) -> str:
    return counted(n, "Maßnahme", "Maßnahmen")


def goals(n: int) -> str:
    return counted(n, "Ziel", "Ziele")


def fields(n: int) -> str:
    return counted(n, "Handlungsfeld", "Handlungsfelder")


__all__ = ["counted", "fields", "goals", "measures"]
