"""How many attempts a learner may take: the lesson's limit plus the extra attempts given."""

import pytest

from app.quizzes.quota import attempt_limit, attempts_left, limit_reached_message, may_start


@pytest.mark.parametrize(
    ("max_attempts", "extra", "limit"),
    [(0, 0, None), (0, 3, None), (1, 0, 1), (1, 2, 3), (3, 1, 4), (2, -5, 2)],
)
def test_the_limit_is_the_lessons_setting_plus_the_learners_extra_attempts(
    max_attempts, extra, limit
):
    assert attempt_limit(max_attempts, extra) == limit


@pytest.mark.parametrize(
    ("next_number", "limit", "allowed"),
    [(1, 1, True), (2, 1, False), (3, 3, True), (4, 3, False), (1, None, True), (999, None, True)],
)
def test_the_next_attempt_number_is_compared_with_the_limit(next_number, limit, allowed):
    assert may_start(next_number, limit) is allowed


def test_an_extra_attempt_lets_a_learner_who_used_them_all_try_once_more():
    used = 1  # the one attempt "max attempts = 1" allows, already taken
    assert not may_start(used + 1, attempt_limit(1, 0))
    assert may_start(used + 1, attempt_limit(1, 1))
    assert not may_start(used + 2, attempt_limit(1, 1))


@pytest.mark.parametrize(
    ("used", "limit", "left"), [(0, 1, 1), (1, 1, 0), (1, 3, 2), (5, 3, 0), (4, None, None)]
)
def test_attempts_left_never_goes_below_zero(used, limit, left):
    assert attempts_left(used, limit) == left


def test_the_refusal_names_the_limit_the_learner_had():
    assert limit_reached_message(3) == "You have used all 3 attempts allowed for this quiz."
