"""What a learner sees of a graded question, and when: `key_visible` without Flask."""

from __future__ import annotations

import pytest

from app.course.settings import REVIEW_PARTS, InvalidSettings, QuizSettings, resolve_settings
from app.quizzes.quota import attempt_limit
from app.quizzes.visibility import (
    ANSWERS,
    CHOICE_FEEDBACK,
    CORRECT_ANSWER,
    GENERAL_FEEDBACK,
    LESSON_LINK,
    MARKS,
    POINTS,
    LearnerStanding,
    ReviewedQuestion,
    Standing,
    key_visible,
)

LESSON, EXAM = 1, 9


def _learner(**standings: Standing) -> LearnerStanding:
    ids = {"lesson": LESSON, "exam": EXAM}
    return LearnerStanding({ids[name]: standing for name, standing in standings.items()})


def test_the_parts_are_the_settings_parts():
    assert {ANSWERS, MARKS, POINTS, LESSON_LINK, CHOICE_FEEDBACK, GENERAL_FEEDBACK,
            CORRECT_ANSWER} == set(REVIEW_PARTS)  # fmt: skip


def test_by_default_answers_marks_points_and_the_link_show_at_once_and_the_rest_waits():
    learner = _learner(lesson=Standing(QuizSettings(), passed=False, attempts_used=3))
    question = ReviewedQuestion(LESSON)
    shown = {part for part in REVIEW_PARTS if key_visible(learner, question, part)}
    assert shown == {ANSWERS, MARKS, POINTS, LESSON_LINK}


@pytest.mark.parametrize(
    ("timing", "passed", "used", "limit", "visible"),
    [
        ("immediately", False, 1, 0, True),
        ("never", True, 5, 5, False),
        ("after_pass", False, 3, 3, False),
        ("after_pass", True, 1, 0, True),
        ("after_last_attempt", True, 1, 3, False),
        ("after_last_attempt", False, 3, 3, True),
        ("after_last_attempt", False, 99, 0, False),  # unlimited: there is no last attempt
        ("after_pass_or_last_attempt", False, 2, 3, False),
        ("after_pass_or_last_attempt", True, 1, 3, True),
        ("after_pass_or_last_attempt", False, 3, 3, True),
        ("after_pass_or_last_attempt", False, 50, 0, False),
    ],
)
def test_each_timing(timing, passed, used, limit, visible):
    settings = QuizSettings(max_attempts=limit, review_correct_answer=timing)
    learner = _learner(lesson=Standing(settings, passed=passed, attempts_used=used))
    assert key_visible(learner, ReviewedQuestion(LESSON), CORRECT_ANSWER) is visible


def test_an_extra_attempt_moves_the_last_attempt_on():
    settings = QuizSettings(max_attempts=2)
    assert Standing(settings, attempts_used=2).out_of_attempts
    assert not Standing(settings, attempts_used=2, extra_attempts=1).out_of_attempts
    assert attempt_limit(2, 1) == 3 and attempt_limit(0, 5) is None


def test_a_question_drawn_by_the_final_exam_needs_both_rules():
    lesson_passed = Standing(QuizSettings(), passed=True, attempts_used=1)
    lesson_open = Standing(QuizSettings(), passed=False, attempts_used=1)
    exam_passed = Standing(QuizSettings(final_exam=True), passed=True, attempts_used=1)
    exam_open = Standing(QuizSettings(final_exam=True), passed=False, attempts_used=1)
    drawn = ReviewedQuestion(LESSON, exam_lesson_id=EXAM)
    assert key_visible(_learner(lesson=lesson_passed, exam=exam_passed), drawn)
    assert not key_visible(_learner(lesson=lesson_passed, exam=exam_open), drawn)
    assert not key_visible(_learner(lesson=lesson_open, exam=exam_passed), drawn)
    # In its own lesson's quiz only the lesson's rule counts.
    assert key_visible(_learner(lesson=lesson_passed, exam=exam_open), ReviewedQuestion(LESSON))


def test_a_lesson_it_knows_nothing_about_keeps_the_key_hidden():
    learner = _learner(lesson=Standing(QuizSettings(review_correct_answer="immediately")))
    assert key_visible(learner, ReviewedQuestion(LESSON))
    assert not key_visible(learner, ReviewedQuestion(LESSON, exam_lesson_id=EXAM))
    assert not key_visible(learner, ReviewedQuestion(2))


def test_review_options_come_from_the_course_and_the_lesson():
    settings = resolve_settings(
        {"review_correct_answer": "never", "review_marks": "after_pass"},
        {"review_correct_answer": "immediately"},
    )
    assert settings.review_correct_answer == "immediately"
    assert settings.review_marks == "after_pass"
    assert settings.review_choice_feedback == "after_pass_or_last_attempt"


@pytest.mark.parametrize("value", ["soon", "", 3, None, True])
def test_an_unknown_timing_is_refused_in_words(value):
    with pytest.raises(InvalidSettings, match="review general feedback must be one of"):
        resolve_settings({}, {"review_general_feedback": value})
