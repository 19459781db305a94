"""Who may see what of a graded question: the one rule for keys and feedback (pure).

`key_visible` decides, for every page that could show a key or a feedback (the
result page, My scores' reviews, any later practice page), whether a part of a
question's review is shown to this learner now. It reads plain data: the
learner's standing in each lesson involved (passed? attempts used?) and those
lessons' current settings, so a past attempt's review follows today's settings.

A question drawn by the final exam shows a part only when both its own lesson's
rule and the final exam's rule allow it: passing a lesson must not reveal the
keys of a final exam still to be retaken, nor the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.course.settings import QuizSettings
from app.quizzes.quota import attempt_limit, out_of_attempts

ANSWERS = "answers"
MARKS = "marks"
POINTS = "points"
LESSON_LINK = "lesson_link"
CHOICE_FEEDBACK = "choice_feedback"
GENERAL_FEEDBACK = "general_feedback"
CORRECT_ANSWER = "correct_answer"


@dataclass(frozen=True)
class Standing:
    """A learner's standing in one lesson's quiz, with that quiz's current settings."""

    settings: QuizSettings
    passed: bool = False
    attempts_used: int = 0  # graded attempts
    extra_attempts: int = 0

    @property
    def out_of_attempts(self) -> bool:
        limit = attempt_limit(self.settings.max_attempts, self.extra_attempts)
        return out_of_attempts(self.attempts_used, limit)


@dataclass(frozen=True)
class LearnerStanding:
    """What `key_visible` knows of a learner: their standing in each lesson, by lesson id."""

    lessons: Mapping[int, Standing]


@dataclass(frozen=True)
class ReviewedQuestion:
    """A question as reviewed: its own lesson, and the final exam that drew it (if one did)."""

    lesson_id: int
    exam_lesson_id: int | None = None


def timing_allows(timing: str, standing: Standing) -> bool:
    """Tell whether a review timing (`REVIEW_TIMINGS`) allows a part at this standing."""
    if timing == "immediately":
        return True
    if timing == "after_pass":
        return standing.passed
    if timing == "after_last_attempt":
        return standing.out_of_attempts
    if timing == "after_pass_or_last_attempt":
        return standing.passed or standing.out_of_attempts
    return False  # "never", and anything unknown: a key stays hidden when in doubt


def key_visible(
    learner: LearnerStanding, question: ReviewedQuestion, part: str = CORRECT_ANSWER
) -> bool:
    """Tell whether the learner may see this part of the question's review now."""
    rules = [question.lesson_id]
    if question.exam_lesson_id is not None and question.exam_lesson_id != question.lesson_id:
        rules.append(question.exam_lesson_id)
    for lesson_id in rules:
        standing = learner.lessons.get(lesson_id)
        if standing is None or not timing_allows(standing.settings.review_timing(part), standing):
            return False
    return True
