"""Month/year dates as the implementation table writes them: "03/2022", "2022", "laufend"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

OPEN_WORDS = {"laufend", "fortlaufend", "dauerhaft", "offen", "kontinuierlich", "ständig", "fortlaufende"}

MONTHS = {
    "januar": 1,
    "jan": 1,
    "jänner": 1,
    "februar": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "mrz": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}


@dataclass(frozen=True)
class MonthYear:
    """A parsed date of the table: a year with an optional month, or open-ended, or unparsed text."""

    year: int | None = None
    month: int | None = None
    open_ended: bool = False
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self.year is None and not self.open_ended and not self.text

    @property
    def is_valid(self) -> bool:
        """True when the text was understood (or is empty)."""
        return self.year is not None or self.open_ended or not self.text

    def canonical(self) -> str:
        if self.open_ended:
            return "laufend"
        if self.year is None:
            return self.text
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.month:02d}/{self.year:04d}"

    def last_month(self) -> tuple[int, int] | None:
        """(year, month) of the last month this date covers; a bare year covers December."""
        if self.year is None:
            return None
        return (self.year, self.month or 12)

    def first_month(self) -> tuple[int, int] | None:
        if self.year is None:
            return None
        return (self.year, self.month or 1)


def _year(text: str) -> int | None:
    y = int(text)
    if len(text) == 2:
        y += 2000
    return y if 1990 <= y <= 2100 else None


def parse_month_year(value: object) -> MonthYear:
    """Parse what people write: 03/2022, 3/22, 2022-03, März 2022, 2022, laufend, Excel dates."""
    if value is None:
        return MonthYear()
    if isinstance(value, datetime | date):
        return MonthYear(year=value.year, month=value.month)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1990 <= int(value) <= 2100:
            return MonthYear(year=int(value))
        return MonthYear(text=str(value))
    raw = str(value).strip()
    if not raw:
        return MonthYear()
    text = raw.lower().rstrip(".")
    if text in OPEN_WORDS or text.startswith(("laufend", "fortlaufend", "dauerhaft")):
        return MonthYear(open_ended=True)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})", text)
    if m:
        month, year = int(m.group(1)), _year(m.group(2))
        if 1 <= month <= 12 and year:
            return MonthYear(year=year, month=month)
    m = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})", text)
    if m:
        year, month = _year(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and year:
            return MonthYear(year=year, month=month)
    m = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}|\d{2})", text)
    if m:
        month, year = int(m.group(2)), _year(m.group(3))
        if 1 <= month <= 12 and year:
            return MonthYear(year=year, month=month)
    m = re.fullmatch(r"([a-zäöü]+)\.?\s*(\d{4}|\d{2})", text)
    if m and m.group(1) in MONTHS:
        year = _year(m.group(2))
        if year:
            return MonthYear(year=year, month=MONTHS[m.group(1)])
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        year = _year(m.group(1))
        if year:
            return MonthYear(year=year)
    return MonthYear(text=raw)


_SEASONS = ("frühjahr", "fruehjahr", "frühling", "fruehling", "sommer", "herbst", "winter")
_VAGUE = (
    re.compile(r"^q\s*[1-4]\s*[/.\- ]?\s*(\d{4}|\d{2})$"),  # Q2/2024, Q2 2024
    re.compile(r"^[1-4]\.\s*quartal\s*(\d{4}|\d{2})$"),  # 2. Quartal 2024
    re.compile(r"^[12]\.\s*(?:hj|halbjahr|hälfte|haelfte)\.?\s*(\d{4}|\d{2})$"),  # 2. Hj. 2024
    re.compile(
        r"^(?:ab|seit|nach|vor|bis|ca\.?|circa|etwa|voraussichtlich|spätestens|frühestens)\s+.*(\d{4})$"
    ),
    re.compile(r"^(?:anfang|mitte|ende|beginn|start)\s*(\d{4}|\d{2})$"),  # Ende 2023
    re.compile(r"^(?:" + "|".join(_SEASONS) + r")\s*(\d{4}|\d{2})$"),  # Herbst 2022
    re.compile(r"^(\d{4})\s*[/–\-]\s*(\d{4}|\d{2})$"),  # 2023/24, 2023–2025
    re.compile(r"^(?:schuljahr|sj)\s*(\d{4}).*$"),
)


def vague_date(value: object) -> bool:
    """True for a date given only roughly ("Q2/2024", "2. Hj. 2024", "ab 2023", "Herbst 2022", "Ende 2023"):
    kept as text, with a hint, instead of being refused or guessed."""
    if not isinstance(value, str):
        return False
    text = " ".join(value.strip().lower().rstrip(".").split())
    if not text or len(text) > 60 or parse_month_year(value).year is not None:
        return False
    return any(p.match(text) for p in _VAGUE)


def normalize_month_year(value: object) -> str:
    """The canonical text of a date, or the input text unchanged when it is not understood."""
    return parse_month_year(value).canonical()


def month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)
