"""Which quizzes are locked: sequential mode and the final exam's rule (`quiz_lock` is pure).

The rule (`CourseRules`, `app.course.settings`): in sequential mode a lesson's
quiz opens once the lesson before it in course order is passed; with
`final_exam_requires_all_passed` (the default) the final exam opens once every
other lesson is passed. The lesson text always stays readable. The start of a
quiz (`POST /lessons/<slug>/quiz`) refuses a locked one before any attempt row is
written; the lesson page says why and links to what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.course.cache import CourseStructure, LessonEntry
from app.course.settings import CourseRules
from app.quizzes.completion import passed_lessons, reading_passes


@dataclass(frozen=True)
class LessonRef:
    id: int
    slug: str
    title: str
    final_exam: bool


@dataclass(frozen=True)
class QuizLock:
    """Why a quiz is locked, and the lesson to go to instead."""

    message: str
    slug: str
    title: str


def lock_applies(rules: CourseRules, lesson: LessonRef) -> bool:
    """Tell whether any lock rule concerns this lesson (else no statement is spent on it)."""
    return rules.sequential or (lesson.final_exam and rules.final_exam_requires_all_passed)


def quiz_lock(
    order: list[LessonRef], passed: set[int], lesson: LessonRef, rules: CourseRules
) -> QuizLock | None:
    """Return why the lesson's quiz is locked for a learner who passed `passed`, or None."""
    if lesson.final_exam and rules.final_exam_requires_all_passed:
        for other in order:
            if not other.final_exam and other.id != lesson.id and other.id not in passed:
                return QuizLock(
                    f"The final exam opens when every other lesson is passed. "
                    f"Next to pass: {other.title}.",
                    other.slug,
                    other.title,
                )
    if rules.sequential:
        index = next((i for i, other in enumerate(order) if other.id == lesson.id), 0)
        if index > 0 and order[index - 1].id not in passed:
            before = order[index - 1]
            return QuizLock(
                f"This quiz opens when you have passed the lesson before it: {before.title}.",
                before.slug,
                before.title,
            )
    return None


def _ref(entry: LessonEntry) -> LessonRef:
    return LessonRef(
        entry.id, entry.slug, entry.title, bool(entry.settings and entry.settings.final_exam)
    )


def lock_for(course: CourseStructure, user_id: int, entry: LessonEntry) -> QuizLock | None:
    """Return why this learner's quiz at the lesson is locked, or None (one statement, and
    none at all when no rule concerns the lesson)."""
    lesson = _ref(entry)
    if not lock_applies(course.rules, lesson):
        return None
    reading_enough = {
        e.id: reading_passes(e.question_count, _ref(e).final_exam) for e in course.lessons
    }
    passed = passed_lessons([user_id], reading_enough)[user_id]
    return quiz_lock([_ref(e) for e in course.lessons], passed, lesson, course.rules)
