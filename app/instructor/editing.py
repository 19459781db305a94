"""The stale-edit check every editor uses: never save over a change made since the form opened.

Each editor's form carries the state of what it edits as it was when the form
was opened (a question's version number, a fingerprint of a lesson's text or
settings). Under the write lock the editor compares it with the state now; if
someone saved in between, `refuse_stale_edit` raises `StaleEdit`, the unit of
work stores nothing, and the form comes back with the instructor's changes and
the new state, so the next save is based on what is stored now.
"""

from __future__ import annotations

from dataclasses import astuple

from app.bank.models import Question
from app.course.files import content_hash
from app.course.models import Course, Lesson
from app.course.services import lesson_text

QUESTION_CHANGED = (
    "Someone saved this question while you were editing it (it is now version {state}). "
    "Your changes are below and were not saved: compare, then save again."
)
LESSON_CHANGED = (
    "Someone saved this lesson while you were editing it. Your changes are below and "
    "were not saved: compare, then save again."
)
SETTINGS_CHANGED = (
    "Someone changed these settings while you were editing them. Your values are below "
    "and were not saved: compare, then save again."
)


class StaleEdit(Exception):
    """What the form edits changed since it was opened; `state` is its state now."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message.format(state=state))
        self.state = state


def refuse_stale_edit(opened_on: str | None, state: str, message: str) -> None:
    """Raise StaleEdit when the form was opened on another state than `state` (now).

    A form without a state (opened before this check existed) is not refused.
    """
    if opened_on and opened_on != state:
        raise StaleEdit(state, message)


def question_state(question: Question) -> str:
    """A question's state: its current version number."""
    return str(question.current_number)


def lesson_text_state(lesson: Lesson) -> str:
    """A lesson text's state: a fingerprint of everything the text form edits."""
    return content_hash(list(astuple(lesson_text(lesson))))[:16]


def settings_state(lesson: Lesson) -> str:
    """A lesson's quiz settings' state: a fingerprint of its own settings."""
    return content_hash(lesson.quiz_settings or {})[:16]


def course_settings_state(course: Course) -> str:
    """The course settings' state: a fingerprint of the stored course-wide defaults."""
    return content_hash(course.quiz_defaults or {})[:16]
