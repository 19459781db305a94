"""Which score counts, by each rule, and the pass mark at its edge."""

import pytest

from app.course.settings import InvalidSettings, QuizSettings, resolve_settings
from app.quizzes.scoring import AttemptScore, counted_grade

ATTEMPTS = [AttemptScore(1, 5, 10), AttemptScore(2, 9, 10), AttemptScore(3, 7, 10)]


@pytest.mark.parametrize(
    ("rule", "attempt_id", "percent"),
    [("highest", 2, 90.0), ("first", 1, 50.0), ("last", 3, 70.0), ("average", None, 70.0)],
)
def test_each_rule_picks_its_score(rule, attempt_id, percent):
    grade = counted_grade(ATTEMPTS, rule, pass_mark=70)
    assert grade.attempt_id == attempt_id
    assert grade.percent == pytest.approx(percent)
    assert grade.passed is (percent >= 70)


def test_exactly_the_pass_mark_passes_and_just_below_fails():
    assert counted_grade([AttemptScore(1, 7, 10)], "last", 70).passed
    assert not counted_grade([AttemptScore(1, 6.99, 10)], "last", 70).passed


def test_no_attempts_means_no_grade():
    grade = counted_grade([], "highest", 70)
    assert grade.attempt_id is None and not grade.passed


def test_highest_keeps_the_earliest_of_equal_scores():
    grade = counted_grade([AttemptScore(1, 8, 10), AttemptScore(2, 8, 10)], "highest", 70)
    assert grade.attempt_id == 1


def test_lesson_settings_override_course_defaults():
    settings = resolve_settings({"pass_mark": 70, "draw": 0}, {"pass_mark": 80})
    assert settings == QuizSettings(pass_mark=80)


def test_a_final_exam_draws_twenty_by_default():
    assert resolve_settings({}, {"final_exam": True}).draw == 20


@pytest.mark.parametrize(
    "overrides",
    [
        {"pass_mark": 120},
        {"max_attempts": -1},
        {"counted_score": "best"},
        {"shuffle_questions": "yes"},
        {"draw": 1.5},
    ],
)
def test_unusable_settings_are_refused(overrides):
    with pytest.raises(InvalidSettings):
        resolve_settings({}, overrides)
