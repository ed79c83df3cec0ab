"""Status from what a status cell says: its text (labels, keys, colour words) or its fill colour, with the
workbook's own legend when it has one."""

from __future__ import annotations

from kik_desktop.domain.defaults import STATUS_KEYS
from kik_desktop.domain.queries import StatusInfo
from kik_desktop.exchange import status_words  # fidelity #18: short names, symbols, colour words
from kik_desktop.exchange.colors import nearest_status
from kik_desktop.exchange.columns import normalize_header

_COLOR_WORDS = {
    "gruen": "umgesetzt",
    "grun": "umgesetzt",
    "green": "umgesetzt",
    "dunkelgruen": "umgesetzt",
    "hellgruen": "ende",
    "orange": "anfang",
    "amber": "anfang",
    "gelb": "mitte",
    "yellow": "mitte",
    "rot": "gefaehrdet",
    "red": "gefaehrdet",
    "grau": "zukuenftig",
    "grey": "zukuenftig",
    "gray": "zukuenftig",
}


class StatusReader:
    """Turns what a status cell says (text or fill colour) into a status key, with the workbook's legend."""

    def __init__(self, status_list: list[StatusInfo]) -> None:
        self.statuses = status_list
        self.by_label = {normalize_header(s.label): s.key for s in status_list}
        self.keys = {s.key for s in status_list} | set(STATUS_KEYS)
        self.palette = {s.key: s.color for s in status_list if s.color}
        self.legend: dict[str, str] = {}
        self.label_of = {s.key: s.label for s in status_list}
        # fidelity #18 hook: short names, symbols; colour words of a text legend ("grün = umgesetzt")
        for norm, key in status_words.short_names(status_list).items():
            self.by_label.setdefault(norm, key)
        self.word_legend: dict[str, str] = {}
        self.symbols = {s.symbol.strip(): s.key for s in status_list if s.symbol.strip()}

    def from_text(self, text: str, *, strict: bool = False) -> str | None:
        if text.strip() in self.symbols:  # fidelity #18 hook: ✓ ◔ ◑ ◕ ✗ ○
            return self.symbols[text.strip()]
        norm = normalize_header(text)
        if not norm:
            return None
        if norm in self.by_label:
            return self.by_label[norm]
        if norm.replace(" ", "") in self.keys:
            return norm.replace(" ", "")
        word = status_words.color_word_of_norm(norm)  # fidelity #18 hook: colour words via the legend
        if word is not None:
            by_word, _how = status_words.Legend(self.word_legend, self.legend).word_status(word)
            if by_word is not None:
                return by_word
        words = norm.split()
        if (
            len(words) <= 2
            and all(w in _COLOR_WORDS for w in words)
            and len({_COLOR_WORDS[w] for w in words}) == 1
        ):
            return _COLOR_WORDS[words[0]]
        return None if strict else _status_of_phrase(norm)

    def from_color(self, rgb: str) -> tuple[str | None, str | None]:
        """(key, warning) for a fill colour: the workbook's legend decides, else the nearest palette
        colour."""
        if rgb in self.legend:
            return self.legend[rgb], None
        if self.legend:
            # A legend exists but does not name this colour: nearest legend colour, flagged.
            match = nearest_status(rgb, {f"{k}|{c}": c for c, k in self.legend.items()})
            if match.key is not None and match.sure:
                key = match.key.split("|")[0]
                return key, None
        match = nearest_status(rgb, self.palette)
        if match.key is not None and match.sure and not self.legend:
            return match.key, None
        if match.key is not None:
            return match.key, (
                f"Die Farbe #{rgb} ist keine der Statusfarben; als nächstliegende als "
                f"„{self.label_of.get(match.key, match.key)}“ "
                "gedeutet – bitte prüfen."
            )
        return (
            None,
            f"Die Farbe #{rgb} ist keiner der sechs Status eindeutig zuzuordnen; "
            "der Status bleibt unverändert.",
        )


def _status_of_phrase(norm: str) -> str | None:
    """The status a free wording names („Umsetzung begonnen, Mitte“, „erledigt“); None if none."""
    if "nicht moeglich" in norm or "gefaehrdet" in norm or "nicht umgesetzt" in norm:
        return "gefaehrdet"
    if "zukuenftig" in norm or "zukunft" in norm or norm in ("geplant", "noch nicht begonnen"):
        return "zukuenftig"
    if "umsetzung" in norm or "begonnen" in norm:
        if "anfang" in norm:
            return "anfang"
        if "mitte" in norm:
            return "mitte"
        if "ende" in norm or "abschluss" in norm:
            return "ende"
    if norm in ("umgesetzt", "erledigt", "abgeschlossen", "fertig", "nach plan") or norm.startswith(
        "umgesetzt"
    ):
        return "umgesetzt"
    return None
