"""The FSRS wrapper, without Flask: ratings, retention limits, and a day-scale schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from app.practice.scheduling import (
    DEFAULT_RETENTION,
    rating_for,
    retention_problem,
    review,
    usable_retention,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fraction", "rating"),
    [(1.0, Rating.Good), (0.9999999, Rating.Good), (0.5, Rating.Again), (0.0, Rating.Again)],
)
def test_right_is_good_and_anything_else_is_again(fraction, rating):
    assert rating_for(fraction) == rating  # 33.33333% weights leave a right answer at 0.9999999


@pytest.mark.parametrize("value", [0.69, 0.98, 1.5, "0.9", True, None, float("nan")])
def test_a_retention_outside_the_range_is_refused_and_never_used(value):
    assert retention_problem(value)
    assert usable_retention(value) == DEFAULT_RETENTION


def test_right_answers_push_a_card_out_and_a_wrong_one_brings_it_back():
    first = review(None, 7, NOW, 0.0, NOW, fuzzing=False)  # missed again at its first review
    assert first.rating == int(Rating.Again) and first.due - NOW == timedelta(days=1)
    at, state, gaps = first.due, first.state, []
    for _ in range(3):
        done = review(state, 7, NOW, 1.0, at, fuzzing=False)
        gaps.append(done.due - at)
        at, state = done.due, done.state
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]  # day-scale, growing
    lapse = review(state, 7, NOW, 0.0, at, fuzzing=False)
    assert lapse.due - at < gaps[-1]


def test_a_higher_retention_brings_a_card_back_sooner():
    low = review(None, 1, NOW, 1.0, NOW, retention=0.75, fuzzing=False)
    high = review(None, 1, NOW, 1.0, NOW, retention=0.97, fuzzing=False)
    later_low = review(low.state, 1, NOW, 1.0, low.due, retention=0.75, fuzzing=False)
    later_high = review(high.state, 1, NOW, 1.0, high.due, retention=0.97, fuzzing=False)
    assert later_high.due - high.due < later_low.due - low.due
