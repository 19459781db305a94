"""Item analysis against hand-computed values and Moodle's own worked example."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from app.quizzes.item_analysis import (
    AnalysedAttempt,
    ItemStats,
    OptionRates,
    flags,
    item_stats,
    option_rates,
    pearson,
    quiz_stats,
)

MOODLE = Path(__file__).parent.parent / "fixtures" / "moodle_statistics"


def attempt(*marks: float, out_of: float = 1.0, keys: str = "ab") -> AnalysedAttempt:
    return AnalysedAttempt(dict(zip(keys, marks, strict=True)), dict.fromkeys(keys, out_of))


def test_two_unrelated_questions_by_hand():
    attempts = [attempt(1, 1), attempt(1, 0), attempt(0, 1), attempt(0, 0)]
    a = item_stats(attempts)["a"]
    assert a.responses == 4 and a.facility == 0.5
    assert a.sd == pytest.approx(math.sqrt(1 / 3))  # Σ(x − ½)² / (n − 1)
    assert a.discrimination == pytest.approx(0.0)  # the rest (question b) is unrelated
    quiz = quiz_stats(attempts)
    assert (quiz.attempts, quiz.mean, quiz.median, quiz.common_items) == (4, 50.0, 50.0, 2)
    assert quiz.sd == pytest.approx(math.sqrt(5000 / 3))
    assert quiz.alpha == pytest.approx(0.0)  # 2/1 · (1 − (⅓ + ⅓) / ⅔)
    assert quiz.sem == pytest.approx(quiz.sd)


def test_two_questions_that_always_agree_by_hand():
    attempts = [attempt(1, 1), attempt(1, 1), attempt(0, 0), attempt(0, 0)]
    assert item_stats(attempts)["a"].discrimination == pytest.approx(1.0)
    quiz = quiz_stats(attempts)
    assert quiz.alpha == pytest.approx(1.0) and quiz.sem == pytest.approx(0.0)


def test_facility_is_the_fraction_of_the_points_available():
    attempts = [attempt(2, 0, out_of=4), attempt(4, 1, out_of=4), attempt(1, 0, out_of=4)]
    assert item_stats(attempts)["a"].facility == pytest.approx(7 / 12)


def test_strong_learners_missing_a_question_give_a_negative_discrimination():
    # Question a is right only for the learners who do worst on the rest.
    attempts = [attempt(0, 1, 1, keys="abc"), attempt(0, 1, 1, keys="abc"),
                attempt(1, 0, 0, keys="abc"), attempt(1, 0, 1, keys="abc")]  # fmt: skip
    assert item_stats(attempts)["a"].discrimination < 0


def test_undefined_figures_are_none_not_zero():
    assert pearson([1, 1, 1], [0, 1, 2]) is None  # a constant has no correlation
    single = item_stats([attempt(1, 0)])["a"]
    assert single.sd is None and single.discrimination is None
    assert quiz_stats([]).mean is None


def test_attempts_drawing_different_questions_have_no_alpha():
    attempts = [attempt(1, 0, keys="ab"), attempt(1, 1, keys="cd"), attempt(0, 1, keys="ef")]
    quiz = quiz_stats(attempts)
    assert quiz.common_items == 0 and quiz.alpha is None and quiz.sem is None
    assert item_stats(attempts)["c"].responses == 1


def _moodle_attempts() -> list[AnalysedAttempt]:
    with (MOODLE / "results00.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    slots = [name for name in rows[0] if name.startswith("slots.")]
    return [
        AnalysedAttempt({s: float(row[s]) for s in slots}, dict.fromkeys(slots, 1.0))
        for row in rows
    ]


def _moodle_expected() -> list[dict[str, str]]:
    with (MOODLE / "qstats00.csv").open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.parametrize("expected", _moodle_expected(), ids=lambda row: f"slot {row['slot']}")
def test_moodles_worked_example(expected):
    """Moodle's results00.csv → qstats00.csv: facility, sd and discrimination to 1e-6."""
    stats = item_stats(_moodle_attempts())[f"slots.{expected['slot']}.mark"]
    assert stats.responses == 25
    assert stats.facility == pytest.approx(float(expected["facility"]), abs=1e-6)
    assert stats.sd == pytest.approx(float(expected["sd"]), abs=1e-6)
    # Moodle prints the discrimination index ×100; ours is the correlation itself.
    assert stats.discrimination == pytest.approx(
        float(expected["discriminationindex"]) / 100, abs=1e-6
    )


def test_option_rates_by_thirds_of_the_class():
    picks = [(6.0, frozenset("A")), (5.0, frozenset("C")), (4.0, frozenset("A")),
             (3.0, frozenset("B")), (2.0, frozenset("B")), (1.0, frozenset("C"))]  # fmt: skip
    rates = option_rates(picks, ["A", "B", "C", "D"])
    assert rates.everyone == {"A": 2 / 6, "B": 2 / 6, "C": 2 / 6, "D": 0.0}
    assert rates.top == {"A": 0.5, "B": 0.0, "C": 0.5, "D": 0.0}
    assert rates.bottom == {"A": 0.0, "B": 0.5, "C": 0.5, "D": 0.0}


def _stats(facility: float, discrimination: float, responses: int = 20) -> ItemStats:
    return ItemStats(responses, facility, 0.3, discrimination)


@pytest.mark.parametrize(
    ("stats", "words"),
    [
        (_stats(0.97, 0.3), "Too easy"),
        (_stats(0.15, 0.3), "Too hard"),
        (_stats(0.6, 0.05), "Does not discriminate"),
        (_stats(0.6, -0.2), "check the key"),
    ],
)
def test_flags_say_what_is_wrong_in_plain_words(stats, words):
    assert any(words in flag for flag in flags(stats))


def test_no_flags_below_twenty_responses_or_for_a_healthy_question():
    assert flags(_stats(0.99, -0.5, responses=19)) == []
    assert flags(_stats(0.6, 0.4)) == []


def test_distractor_flags():
    rates = OptionRates(
        everyone={"A": 0.5, "B": 0.47, "C": 0.03},
        top={"A": 0.3, "B": 0.7, "C": 0.0},
        bottom={"A": 0.6, "B": 0.3, "C": 0.1},
    )
    found = flags(_stats(0.5, 0.3), rates, frozenset({"A"}))
    assert any("Distractor C is almost never picked" in flag for flag in found)
    assert any("distractor B more often than the key" in flag for flag in found)
    assert not any("Distractor A" in flag for flag in found)  # the key is no distractor
