"""The twelve columns of the implementation table (Umsetzungstabelle) in the seed's order and wording."""

TABLE_HEADERS: tuple[str, ...] = (
    "Ziel",
    "Indikator (zu entwickeln)",
    "Maßnahme",
    "Beschreibung der Maßnahme",
    "Zielgruppe",
    "verantwortlich (für die Umsetzung)",
    "Akteur*innen für die Umsetzung",
    "Was wird für die Umsetzung benötigt?",
    "Beginn der Umsetzung (Termin Monat/Jahr)",
    "Umsetzung bis wann?",
    "Indikatoren (an denen sich der Erfolg festmachen lässt)",
    "Status",
)
