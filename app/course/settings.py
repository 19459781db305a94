"""Quiz settings: course-wide defaults overridden per lesson."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

COUNTED_SCORE_RULES = ("highest", "last", "first", "average")
FINAL_EXAM_DRAW = 20

# When a part of the review appears after an attempt (after Moodle's review options).
REVIEW_TIMINGS = (
    "immediately",
    "after_pass",
    "after_last_attempt",
    "after_pass_or_last_attempt",
    "never",
)
# The parts of a graded question's review; each is a setting `review_<part>`.
REVIEW_PARTS = (
    "answers",
    "marks",
    "points",
    "lesson_link",
    "choice_feedback",
    "general_feedback",
    "correct_answer",
)


class InvalidSettings(ValueError):
    """A quiz setting has a value the quiz cannot use."""


@dataclass(frozen=True)
class QuizSettings:
    pass_mark: float = 70.0
    max_attempts: int = 0  # 0 = unlimited
    time_limit_minutes: int = 0  # 0 = none
    draw: int = 0  # 0 = all active scored questions
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    counted_score: str = "highest"
    final_exam: bool = False
    # What a learner sees of each question after an attempt, and when (REVIEW_TIMINGS).
    # Feedback often restates the key, so it waits like the key does.
    review_answers: str = "immediately"
    review_marks: str = "immediately"
    review_points: str = "immediately"
    review_lesson_link: str = "immediately"
    review_choice_feedback: str = "after_pass_or_last_attempt"
    review_general_feedback: str = "after_pass_or_last_attempt"
    review_correct_answer: str = "after_pass_or_last_attempt"

    def review_timing(self, part: str) -> str:
        """Return when the review shows `part` (one of REVIEW_PARTS)."""
        return str(getattr(self, "review_" + part))


def resolve_settings(defaults: dict[str, Any], overrides: dict[str, Any]) -> QuizSettings:
    """Merge a lesson's overrides onto the course defaults and validate the result."""
    merged: dict[str, Any] = {}
    known = {f.name: f for f in fields(QuizSettings)}
    for source in (defaults or {}, overrides or {}):
        for key, value in source.items():
            if key in known:
                merged[key] = value
    settings = QuizSettings(**merged)
    problems = validate_settings(settings)
    if problems:
        raise InvalidSettings("; ".join(problems))
    if settings.final_exam and not settings.draw:
        settings = QuizSettings(**{**merged, "draw": FINAL_EXAM_DRAW})
    return settings


def validate_settings(settings: QuizSettings) -> list[str]:
    """List what is wrong with the settings, in words an instructor understands."""
    problems = []
    if isinstance(settings.pass_mark, bool) or not isinstance(settings.pass_mark, int | float):
        problems.append("pass mark must be a number")
    elif not 0 <= settings.pass_mark <= 100:
        problems.append("pass mark must be between 0 and 100")
    for name in ("max_attempts", "time_limit_minutes", "draw"):
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"{name.replace('_', ' ')} must be a whole number, 0 or more")
    for name in ("shuffle_questions", "shuffle_choices", "final_exam"):
        if not isinstance(getattr(settings, name), bool):
            problems.append(f"{name.replace('_', ' ')} must be true or false")
    if settings.counted_score not in COUNTED_SCORE_RULES:
        problems.append("counted score must be one of " + ", ".join(COUNTED_SCORE_RULES))
    for part in REVIEW_PARTS:
        if settings.review_timing(part) not in REVIEW_TIMINGS:
            label = "review " + part.replace("_", " ")
            problems.append(f"{label} must be one of " + ", ".join(REVIEW_TIMINGS))
    return problems


def changes_grades(before: QuizSettings, after: QuizSettings) -> bool:
    """Tell whether stored grades must be recomputed (the pass mark or the counted rule moved)."""
    return (before.pass_mark, before.counted_score) != (after.pass_mark, after.counted_score)


@dataclass(frozen=True)
class CourseRules:
    """Course-wide rules of the way through the course (not per lesson; stored beside the
    quiz defaults in the course row, set in course.toml's [quiz_defaults] or on the course
    settings page).

    `sequential`: a lesson's quiz opens only once the lesson before it (course order)
    is passed. `final_exam_requires_all_passed`: the final exam opens only once every
    other lesson is passed, in either mode.
    """

    sequential: bool = False
    final_exam_requires_all_passed: bool = True


COURSE_RULE_KEYS = frozenset(f.name for f in fields(CourseRules))


def course_rules(defaults: dict[str, Any] | None) -> CourseRules:
    """Read the course rules from the course's stored defaults (a non-bool keeps the default)."""
    values = {
        key: value
        for key, value in (defaults or {}).items()
        if key in COURSE_RULE_KEYS and isinstance(value, bool)
    }
    return CourseRules(**values)
