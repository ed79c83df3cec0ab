"""Synthetic plans for benchmarks: clearly marked as synthetic, deterministic by seed."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select

from kik_desktop.domain.defaults import STATUS_KEYS
from kik_desktop.models import Field, Goal, Institution, Measure
from kik_desktop.store import Document, create_document

WORDS = (
    "Sprachkurs Beratung Netzwerk Elternarbeit Ausbildung Qualifikation Begegnung Ehrenamt Sport Kultur "
    "Gesundheit Pflege Vielfalt Teilhabe Quartier Information Kooperation Mentoring Frauen Jugend Schule "
    "Kita Verwaltung Antidiskriminierung Dolmetschen Arbeitsmarkt Praktikum Vorträge Austausch Treffen"
).split()
GROUPS = ("Neuzugewanderte", "Eltern", "Jugendliche", "Frauen", "Senior*innen", "Geflüchtete", "Fachkräfte")


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _measure_row(
    rng: random.Random, number: int, goal_id: int, position: int, institutions: list[str], now: datetime
) -> dict[str, object]:
    """One synthetic measure; the order of the random draws is part of the fixed output per seed."""
    start_year = rng.randint(2021, 2027)
    end = rng.choice(["laufend", f"{rng.randint(1, 12):02d}/{start_year + rng.randint(0, 3)}", ""])
    return {
        "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
        "goal_id": goal_id,
        "position": position,
        "title": f"SYNTH Maßnahme {number}: {_sentence(rng, 4)}",
        "description": _sentence(rng, rng.randint(10, 40)),
        "target_group": rng.choice(GROUPS),
        "responsible": rng.choice(institutions),
        "actors": "\n".join(rng.sample(institutions, rng.randint(0, 4))),
        "needs": _sentence(rng, 6),
        "start": f"{rng.randint(1, 12):02d}/{start_year}",
        "end": end,
        "success_indicator": f"{rng.randint(5, 50)} {rng.choice(GROUPS)} pro Treffen",
        "status_key": rng.choice([*STATUS_KEYS, None]),
        "priority": rng.choice([1, 2, 3, None]),
        "funding": "",
        "notes": "",
        "is_example": False,
        "updated_at": now,
    }


def make_synthetic_document(
    path: Path, measures: int, *, seed: int = 1, goals_per_field: int = 8
) -> Document:
    """A document with six synthetic fields and `measures` synthetic measures, spread over the goals.

    Every title starts with "SYNTH" so no one mistakes it for the city's data.
    """
    rng = random.Random(seed)
    doc = create_document(path, overwrite=True)
    with doc.transaction() as s:
        institutions = [f"SYNTH Institution {i:03d}" for i in range(85)]
        s.execute(insert(Institution), [{"name": n, "short_name": "", "notes": ""} for n in institutions])
        field_rows = [
            {
                "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
                "position": i,
                "name": f"SYNTH Handlungsfeld {i + 1}",
                "description": _sentence(rng, 12),
                "adopted_goals": goals_per_field,
                "adopted_measures": measures // 6,
                "working_group": f"SYNTH AG {i + 1}",
                "actors": "",
            }
            for i in range(6)
        ]
        s.execute(insert(Field), field_rows)
        field_ids = list(s.scalars(select(Field.id).order_by(Field.position)))
        goal_rows = []
        for fid in field_ids:
            for j in range(goals_per_field):
                goal_rows.append(
                    {
                        "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
                        "field_id": fid,
                        "position": j,
                        "title": f"SYNTH Ziel {_sentence(rng, 5)}",
                        "description": _sentence(rng, 15),
                        "indicator": _sentence(rng, 4) if rng.random() < 0.7 else "",
                        "is_example": False,
                    }
                )
        s.execute(insert(Goal), goal_rows)
        goal_ids = list(s.scalars(select(Goal.id).order_by(Goal.field_id, Goal.position)))
        per_goal: dict[int, int] = {}
        now = datetime(2026, 1, 1)
        rows = []
        for i in range(measures):
            gid = goal_ids[i % len(goal_ids)]
            pos = per_goal.get(gid, 0)
            per_goal[gid] = pos + 1
            rows.append(_measure_row(rng, i + 1, gid, pos, institutions, now))
        for chunk in range(0, len(rows), 5000):
            s.execute(insert(Measure), rows[chunk : chunk + 5000])
    return doc


# The council's shape (DEVELOPERS.md, "The domain in brief"): goals and measures per field of action,
# 43 goals and 144 measures.
CONCEPT_GOALS = (8, 8, 6, 5, 8, 8)
CONCEPT_MEASURES = (30, 27, 19, 18, 24, 26)


def make_concept_shaped_document(path: Path, *, seed: int = 1) -> Document:
    """A synthetic document shaped like the adopted concept: 6 fields, 43 goals, 144 measures.

    Same synthetic texts as `make_synthetic_document` ("SYNTH" titles); only the counts per field follow
    the council's decision, so the start-up and report figures are taken at the real size.
    """
    rng = random.Random(seed)
    doc = create_document(path, overwrite=True)
    institutions = [f"SYNTH Institution {i:03d}" for i in range(85)]
    now = datetime(2026, 1, 1)
    with doc.transaction() as s:
        s.execute(insert(Institution), [{"name": n, "short_name": "", "notes": ""} for n in institutions])
        for i, (n_goals, n_measures) in enumerate(zip(CONCEPT_GOALS, CONCEPT_MEASURES, strict=True)):
            field = Field(
                uid=uuid.UUID(int=rng.getrandbits(128)).hex,
                position=i,
                name=f"SYNTH Handlungsfeld {i + 1}",
                description=_sentence(rng, 12),
                adopted_goals=n_goals,
                adopted_measures=n_measures,
                working_group=f"SYNTH AG {i + 1}",
                actors="",
            )
            s.add(field)
            s.flush()
            goal_ids = []
            for j in range(n_goals):
                goal = Goal(
                    uid=uuid.UUID(int=rng.getrandbits(128)).hex,
                    field_id=field.id,
                    position=j,
                    title=f"SYNTH Ziel {_sentence(rng, 5)}",
                    description=_sentence(rng, 15),
                    indicator=_sentence(rng, 4) if rng.random() < 0.7 else "",
                    is_example=False,
                )
                s.add(goal)
                s.flush()
                goal_ids.append(goal.id)
            rows = []
            for k in range(n_measures):
                rows.append(
                    _measure_row(
                        rng,
                        sum(CONCEPT_MEASURES[:i]) + k + 1,
                        goal_ids[k % n_goals],
                        k // n_goals,
                        institutions,
                        now,
                    )
                )
            s.execute(insert(Measure), rows)
    return doc


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Synthetisches KIK-Dokument erzeugen (für Messungen).")
    parser.add_argument("output", type=Path)
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--concept", action="store_true", help="Gestalt des Konzepts: 6 Felder, 43 Ziele, 144"
    )
    a = parser.parse_args()
    if a.concept:
        make_concept_shaped_document(a.output, seed=a.seed).close()
        a.measures = sum(CONCEPT_MEASURES)
    else:
        make_synthetic_document(a.output, a.measures, seed=a.seed).close()
    print(f"{a.output}: {a.measures} synthetische Maßnahmen")
