"""A lesson's state, the overall count, the next step and the score chart: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.progress.chart import ScorePoint, score_chart, usual_pass_mark
from app.progress.states import (
    ATTEMPTED,
    IN_PROGRESS,
    NOT_STARTED,
    PASSED,
    READ,
    STEP_DONE,
    STEP_FINAL_EXAM,
    STEP_LESSON,
    STEP_PRACTICE,
    STEP_RESUME,
    LessonFacts,
    LessonStep,
    lesson_state,
    next_step,
    overall,
)


def facts(**given) -> LessonFacts:
    values = dict(read=False, open_attempt=False, graded=False, passed=False, scored_questions=3)
    return LessonFacts(**{**values, **given})


@pytest.mark.parametrize(
    ("given", "state"),
    [
        ({}, NOT_STARTED),
        ({"read": True}, READ),
        ({"read": True, "open_attempt": True}, IN_PROGRESS),
        ({"read": True, "graded": True}, ATTEMPTED),
        ({"read": True, "graded": True, "open_attempt": True}, IN_PROGRESS),
        ({"read": True, "graded": True, "passed": True}, PASSED),
        ({"graded": True, "passed": True, "open_attempt": True}, PASSED),
        ({"read": True, "scored_questions": 0}, PASSED),  # nothing to score: passed once read
        ({"scored_questions": 0}, NOT_STARTED),
        ({"read": True, "scored_questions": 0, "final_exam": True}, READ),  # never by reading
    ],
)
def test_each_lesson_state_follows_from_what_is_stored(given, state):
    assert lesson_state(facts(**given)) == state


def test_the_overall_count_leaves_the_final_exam_apart():
    lessons = [
        (facts(passed=True), PASSED),
        (facts(), NOT_STARTED),
        (facts(final_exam=True, passed=True), PASSED),
    ]
    counted = overall(lessons)
    assert (counted.passed, counted.total, counted.final_exam_passed) == (1, 2, True)
    assert counted.percent == 50 and not counted.complete
    assert overall([(facts(passed=True), PASSED)]).final_exam_passed is None


def step(slug, state, final=False, open_id=None):
    return LessonStep(slug, slug.title(), state, final, open_id)


def test_the_next_step_resumes_an_open_quiz_first():
    lessons = [step("one", NOT_STARTED), step("two", IN_PROGRESS, open_id=7)]
    assert next_step(lessons, practice_due=3).kind == STEP_RESUME
    assert next_step(lessons).attempt_id == 7


def test_then_due_practice_then_the_first_lesson_not_passed():
    lessons = [step("one", PASSED), step("two", ATTEMPTED), step("exam", NOT_STARTED, True)]
    assert next_step(lessons, practice_due=2).kind == STEP_PRACTICE
    found = next_step(lessons, practice_due=0)
    assert (found.kind, found.slug) == (STEP_LESSON, "two")


def test_the_final_exam_comes_only_when_everything_else_is_passed_then_done():
    lessons = [step("one", PASSED), step("exam", ATTEMPTED, True)]
    assert next_step(lessons).kind == STEP_FINAL_EXAM
    assert next_step([step("one", PASSED), step("exam", PASSED, True)]).kind == STEP_DONE


def test_the_chart_places_scores_over_time_with_the_pass_mark_as_a_line():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    points = [
        ScorePoint(start + timedelta(days=2), 100.0, "b", 70.0, 2),
        ScorePoint(start, 40.0, "a", 70.0, 1),
    ]
    chart = score_chart(points, 70.0)
    assert chart is not None
    first, last = chart.points
    assert first.point.label == "a" and last.point.label == "b"  # oldest first
    assert first.x == chart.left and last.x == chart.right  # time on x
    assert last.y < chart.pass_y < first.y  # 100% above the pass line, 40% below
    assert chart.line == f"{first.x},{first.y} {last.x},{last.y}"
    assert [p.point.passed for p in chart.points] == [False, True]
    assert score_chart([], 70.0) is None


def test_attempts_at_the_same_moment_are_spread_so_each_stays_visible():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    chart = score_chart([ScorePoint(when, 50.0, "a", 50.0), ScorePoint(when, 60.0, "b", 50.0)], 50)
    assert chart is not None
    assert chart.points[0].x < chart.points[1].x


def test_the_course_chart_uses_the_pass_mark_most_lessons_use():
    assert usual_pass_mark([70.0, 70.0, 50.0]) == 70.0
    assert usual_pass_mark([]) == 0.0


def test_a_quiz_lock_names_the_lesson_to_pass_first():
    from app.course.settings import CourseRules
    from app.quizzes.sequence import LessonRef, quiz_lock

    one, two, exam = (
        LessonRef(1, "one", "One", False),
        LessonRef(2, "two", "Two", False),
        (LessonRef(3, "exam", "Exam", True)),
    )
    order = [one, two, exam]
    default = CourseRules()
    assert quiz_lock(order, set(), two, default) is None  # not sequential by default
    assert quiz_lock(order, {1}, exam, default).slug == "two"  # the final exam waits for all
    assert quiz_lock(order, {1, 2}, exam, default) is None
    assert quiz_lock(order, set(), exam, CourseRules(final_exam_requires_all_passed=False)) is None
    sequential = CourseRules(sequential=True)
    assert quiz_lock(order, set(), one, sequential) is None  # nothing before the first
    assert quiz_lock(order, set(), two, sequential).slug == "one"
    assert quiz_lock(order, {1}, two, sequential) is None
