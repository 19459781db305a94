"""Item analysis: how a quiz and each of its questions performed. Pure functions, no Flask.

The figures are those of Moodle's quiz statistics report, over whichever attempts the
caller chose to analyse (first attempts by default, graded only):

- per question (or per question version — the caller picks the key): responses,
  facility index (mean fraction of the available points earned), standard deviation
  of that fraction, and discrimination index (Pearson correlation of the question's
  mark with the mark on the rest of the attempt, in [−1, 1]; Moodle prints it ×100);
- per quiz: attempts, mean, median and standard deviation of the percentage, and
  Cronbach's alpha with the standard error of measurement over the questions common
  to every analysed attempt (not computed with fewer than two: the final exam draws
  different questions per attempt);
- for choice questions: how often the top and the bottom third of the class (by
  attempt total) picked each option;
- flags in plain words once a question has enough responses.

Standard deviations and variances are sample ones (n − 1), as Moodle's are.
`tests/unit/test_item_analysis.py` checks them against hand-computed values and
against Moodle's worked example (tests/fixtures/moodle_statistics/).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

MIN_RESPONSES_FOR_FLAGS = 20
TOO_EASY = 0.95
TOO_HARD = 0.20
LOW_DISCRIMINATION = 0.10
RARE_DISTRACTOR = 0.05


@dataclass(frozen=True)
class AnalysedAttempt:
    """One analysed attempt: the points earned per question key, out of what was available."""

    marks: Mapping[Hashable, float]
    max_marks: Mapping[Hashable, float]

    # Cached: item_stats asks every attempt's total once per question (10,000 attempts × 12).
    @cached_property
    def total(self) -> float:
        return sum(self.marks.values())

    @cached_property
    def max_total(self) -> float:
        return sum(self.max_marks.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


@dataclass(frozen=True)
class ItemStats:
    responses: int
    facility: float | None  # mean fraction of the available points, 0..1
    sd: float | None  # sample standard deviation of that fraction
    discrimination: float | None  # Pearson r of the item's mark with the rest, −1..1


@dataclass(frozen=True)
class QuizStats:
    attempts: int
    mean: float | None  # percentages
    median: float | None
    sd: float | None
    common_items: int  # questions every analysed attempt had
    alpha: float | None  # Cronbach's alpha over the common questions
    sem: float | None  # standard error of measurement, in percentage points


def sample_variance(values: Sequence[float]) -> float | None:
    """Return the sample variance (n − 1), or None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    # Floats and fsum rather than statistics.variance (exact fractions: seconds at 10,000).
    mean = math.fsum(values) / n
    return math.fsum((value - mean) ** 2 for value in values) / (n - 1)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Return Pearson's r, or None when it is undefined (fewer than 2 pairs, a constant)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    syy = math.fsum((y - mean_y) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def item_stats(attempts: Sequence[AnalysedAttempt]) -> dict[Hashable, ItemStats]:
    """Return each question key's statistics over the attempts that had it."""
    keys: dict[Hashable, None] = {}
    for attempt in attempts:
        keys.update(dict.fromkeys(attempt.marks))
    found = {}
    for key in keys:
        fractions, marks, rests = [], [], []
        for attempt in attempts:
            if key not in attempt.marks:
                continue
            mark, available = attempt.marks[key], attempt.max_marks.get(key, 0.0)
            fractions.append(mark / available if available else 0.0)
            marks.append(mark)
            rests.append(attempt.total - mark)
        variance = sample_variance(fractions)
        found[key] = ItemStats(
            responses=len(fractions),
            facility=math.fsum(fractions) / len(fractions) if fractions else None,
            sd=math.sqrt(variance) if variance is not None else None,
            discrimination=pearson(marks, rests),
        )
    return found


def quiz_stats(attempts: Sequence[AnalysedAttempt]) -> QuizStats:
    """Return the quiz-level figures over the analysed attempts."""
    percents = [a.percent for a in attempts]
    if not percents:
        return QuizStats(0, None, None, None, 0, None, None)
    variance = sample_variance(percents)
    sd = math.sqrt(variance) if variance is not None else None
    common = set(attempts[0].marks)
    for attempt in attempts[1:]:
        common &= set(attempt.marks)
    alpha = cronbach_alpha(attempts, sorted(common, key=repr))
    sem = sd * math.sqrt(1 - alpha) if sd is not None and alpha is not None and alpha <= 1 else None
    return QuizStats(
        attempts=len(percents),
        mean=math.fsum(percents) / len(percents),
        median=statistics.median(percents),
        sd=sd,
        common_items=len(common),
        alpha=alpha,
        sem=sem,
    )


def cronbach_alpha(attempts: Sequence[AnalysedAttempt], keys: Sequence[Hashable]) -> float | None:
    """Return Cronbach's alpha over these questions, or None when it cannot be computed.

    alpha = k / (k − 1) · (1 − Σ var(item marks) / var(attempt totals over `keys`)), on
    the points earned, so a question worth more weighs more.
    """
    k = len(keys)
    if k < 2 or len(attempts) < 2:
        return None
    totals = [math.fsum(a.marks[key] for key in keys) for a in attempts]
    total_variance = sample_variance(totals)
    if not total_variance:
        return None
    item_variance = math.fsum(
        sample_variance([a.marks[key] for a in attempts]) or 0.0 for key in keys
    )
    return k / (k - 1) * (1 - item_variance / total_variance)


@dataclass(frozen=True)
class OptionRates:
    """How often each option was picked, by everyone and by the top and bottom thirds."""

    everyone: dict[Hashable, float]
    top: dict[Hashable, float]
    bottom: dict[Hashable, float]


def option_rates(
    picks: Sequence[tuple[float, frozenset[Hashable]]], options: Sequence[Hashable]
) -> OptionRates:
    """Rate each option's picks from (attempt total, options picked) pairs.

    The thirds are taken by attempt total (ties in the order given); with fewer than
    three attempts the thirds are empty and their rates 0.
    """
    ranked = sorted(picks, key=lambda pick: pick[0], reverse=True)
    third = len(ranked) // 3

    def rates(group: Sequence[tuple[float, frozenset[Hashable]]]) -> dict[Hashable, float]:
        if not group:
            return dict.fromkeys(options, 0.0)
        return {o: sum(1 for _, chosen in group if o in chosen) / len(group) for o in options}

    top = ranked[:third]
    bottom = ranked[len(ranked) - third :] if third else []
    return OptionRates(rates(ranked), rates(top), rates(bottom))


def flags(
    stats: ItemStats, options: OptionRates | None = None, keys: frozenset[Hashable] = frozenset()
) -> list[str]:
    """Say in plain words what looks wrong with a question (nothing below 20 responses).

    `options` and `keys` (the right options) add the distractor flags for choice questions.
    """
    if stats.responses < MIN_RESPONSES_FOR_FLAGS:
        return []
    found = []
    if stats.facility is not None and stats.facility > TOO_EASY:
        found.append("Too easy: almost everyone gets it right.")
    if stats.facility is not None and stats.facility < TOO_HARD:
        found.append("Too hard: few learners get it right.")
    if stats.discrimination is not None:
        if stats.discrimination < 0:
            found.append(
                "Negative discrimination: strong learners miss it more often than weak ones "
                "— check the key."
            )
        elif stats.discrimination < LOW_DISCRIMINATION:
            found.append("Does not discriminate: strong and weak learners do about as well.")
    if options is not None:
        for option, rate in options.everyone.items():
            if option in keys:
                continue
            if rate < RARE_DISTRACTOR:
                found.append(f"Distractor {option} is almost never picked.")
            if keys and options.top.get(option, 0.0) > max(options.top.get(k, 0.0) for k in keys):
                found.append(
                    f"The top third picks distractor {option} more often than the key "
                    "— possible wrong key."
                )
    return found
