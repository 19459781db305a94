"""Which score counts, and whether it passes: plain functions over plain numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttemptScore:
    """A graded attempt, in the order the learner submitted them."""

    attempt_id: int
    score: float
    max_score: float

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class CountedGrade:
    attempt_id: int | None
    score: float
    max_score: float
    percent: float
    passed: bool


def counted_grade(attempts: list[AttemptScore], rule: str, pass_mark: float) -> CountedGrade:
    """Pick the score that counts by the lesson's rule (highest, last, first, average)."""
    if not attempts:
        return CountedGrade(None, 0.0, 0.0, 0.0, False)
    if rule == "average":
        percent = sum(a.percent for a in attempts) / len(attempts)
        last = attempts[-1]
        score = percent * last.max_score / 100.0
        return CountedGrade(None, score, last.max_score, percent, passes(percent, pass_mark))
    if rule == "first":
        chosen = attempts[0]
    elif rule == "last":
        chosen = attempts[-1]
    elif rule == "highest":
        # The earliest of equal best scores counts, so a later equal score changes nothing.
        chosen = max(attempts, key=lambda a: (a.percent, -attempts.index(a)))
    else:
        raise ValueError(f"unknown counted-score rule {rule!r}")
    return CountedGrade(
        chosen.attempt_id, chosen.score, chosen.max_score, chosen.percent,
        passes(chosen.percent, pass_mark),
    )  # fmt: skip


def passes(percent: float, pass_mark: float) -> bool:
    """Tell whether a score passes: the one pass rule (counted grades, result pages)."""
    # Round away float noise: 7 of 10 is 70%, which passes a 70% mark.
    return round(percent, 6) >= pass_mark


def attempts_allowed(max_attempts: int, extra: int = 0) -> int:
    """Return how many attempts a learner may make at a quiz (0 = unlimited).

    The one place the limit is computed: starting an attempt checks it, and the
    review's "after the last attempt" waits for it. Allowances for one learner
    (`extra`) add to the quiz's own limit; an unlimited quiz stays unlimited.
    """
    return max_attempts + extra if max_attempts else 0


def out_of_attempts(used: int, allowed: int) -> bool:
    """Tell whether a learner has used every attempt allowed (never, when unlimited)."""
    return bool(allowed) and used >= allowed
