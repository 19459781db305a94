"""The demo class's learners, simulated: who they are and how they answer. Pure: no Flask.

An item-response model (two-parameter logistic, fixed slope): a learner of ability θ
answers a question of difficulty b right with probability 1 / (1 + e^(−1.7 (θ − b))),
b read from the question's difficulty tag. Everything is drawn from one seeded
`random.Random`, so a seed gives the same class every time. Two behaviours are
deliberately broken so the statistics page's flags show at once: on a "wrong key"
question strong learners pick a distractor and weak ones the key; a "giveaway"
question everybody gets right.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from app.bank.grading import matching_rows
from app.bank.model import QuestionData

SLOPE = 1.7
DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
NORMAL, WRONG_KEY, GIVEAWAY = "normal", "wrong key", "giveaway"

FIRST_NAMES = (
    "Amira", "Bastien", "Chiara", "Dmitri", "Elif", "Farida", "Gustav", "Hana", "Ingrid", "Jonas",
    "Kwame", "Leila", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rania", "Sven", "Tomasz",
    "Ugo", "Valentina", "Wen", "Ximena", "Yusuf", "Zofia", "Åsa", "Łukasz", "Olúwaseun", "Ngozi",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Neill", "Petrov", "Quispe",
    "Rossi", "Schmidt", "Tanaka", "Uzun", "Vargas", "Weber", "Xu", "Yilmaz", "Zhang", "Østergaard",
)  # fmt: skip


@dataclass(frozen=True)
class SimulatedLearner:
    number: int
    name: str
    email: str
    ability: float
    persistence: float  # chance to go on to the next lesson


def learners(count: int, rng: random.Random, domain: str) -> list[SimulatedLearner]:
    """Make `count` learners with names, abilities (standard normal) and persistence."""
    return [
        SimulatedLearner(
            number=n,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            email=f"demo-learner-{n:05d}@{domain}",
            ability=rng.gauss(0.0, 1.0),
            persistence=rng.uniform(0.75, 0.99),
        )
        for n in range(1, count + 1)
    ]


def p_right(ability: float, difficulty: str | None) -> float:
    """Return the chance a learner of this ability answers a question of this difficulty."""
    b = DIFFICULTY.get(difficulty or "", 0.0)
    return 1.0 / (1.0 + math.exp(-SLOPE * (ability - b)))


def answers_right(
    ability: float, difficulty: str | None, behaviour: str, rng: random.Random
) -> bool:
    """Decide whether the learner answers right, by the model or by a broken behaviour."""
    if behaviour == GIVEAWAY:
        return True
    if behaviour == WRONG_KEY:  # strong learners fall for the distractor, weak ones do not
        return rng.random() < (0.05 if ability > 0 else 0.85)
    return rng.random() < p_right(ability, difficulty)


def stored_answer(
    question: QuestionData, right: bool, rng: random.Random, lure: bool = False
) -> Any:
    """Return the stored answer (as `read_answer` stores it) a learner gives, right or wrong.

    A wrong answer picks any wrong choice, or with `lure` (a wrong key question) the first.
    """
    kind = question.type
    if kind in ("single", "multi"):
        best = max((c.fraction for c in question.choices), default=0.0)
        keys = [i for i, c in enumerate(question.choices) if c.fraction > 0]
        wrong = [i for i, c in enumerate(question.choices) if c.fraction <= 0]
        if kind == "single":
            top = [i for i, c in enumerate(question.choices) if c.fraction == best]
            if right or not wrong:
                return rng.choice(top)
            return wrong[0] if lure else rng.choice(wrong)
        if right or not wrong:
            return keys
        return sorted({*rng.sample(keys, max(0, len(keys) - 1)), rng.choice(wrong)})
    if kind == "truefalse":
        return bool(question.correct) if right else not question.correct
    if kind == "short":
        best = max(question.choices, key=lambda c: c.fraction, default=None)
        return best.text if right and best is not None else "I am not sure"
    if kind == "numerical":
        best_number = max(question.numeric_answers, key=lambda a: a.fraction)
        return best_number.value if right else best_number.value + 1000 + 10 * best_number.tolerance
    if kind == "matching":
        rows = matching_rows(question)
        if right:
            return list(rows)
        return [
            next((i for i, p in enumerate(question.pairs)
                  if p.right != question.pairs[row].right), row)
            for row in rows
        ]  # fmt: skip
    return None
