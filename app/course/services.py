"""Read the course's structure: the course row, its modules and lessons, their quiz settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.course.models import Course, Lesson, Module
from app.course.settings import InvalidSettings, QuizSettings, resolve_settings
from app.extensions import db


def current_course() -> Course | None:
    """Return the one course this app teaches (None before the first `flask course load`)."""
    return db.session.scalar(select(Course).limit(1))


def course_title() -> str:
    course = current_course()
    return course.title if course else "Course"


def quiz_defaults() -> dict:
    """Return the course-wide quiz settings that lessons inherit."""
    course = current_course()
    return dict(course.quiz_defaults or {}) if course else {}


def settings_for(lesson: Lesson) -> QuizSettings:
    """Return the lesson's quiz settings over the course defaults (raises InvalidSettings)."""
    return resolve_settings(quiz_defaults(), lesson.quiz_settings)


def settings_or_defaults(lesson: Lesson) -> tuple[QuizSettings, str | None]:
    """Return the lesson's settings, or the defaults and why the lesson's own are unusable."""
    defaults = quiz_defaults()
    try:
        return resolve_settings(defaults, lesson.quiz_settings), None
    except InvalidSettings as error:
        try:
            return resolve_settings(defaults, {}), str(error)
        except InvalidSettings:
            return QuizSettings(), str(error)


def settings_for_lessons(lessons: list[Lesson]) -> dict[int, QuizSettings]:
    """Return each lesson's usable settings by lesson id, reading the course defaults once.

    For pages that list many lessons (the gradebook): a fixed number of statements
    however many lessons there are. A lesson whose own settings are unusable gets the
    defaults, as `settings_or_defaults` gives it.
    """
    defaults = quiz_defaults()
    try:
        fallback = resolve_settings(defaults, {})
    except InvalidSettings:
        fallback = QuizSettings()
    found = {}
    for lesson in lessons:
        try:
            found[lesson.id] = resolve_settings(defaults, lesson.quiz_settings)
        except InvalidSettings:
            found[lesson.id] = fallback
    return found


@dataclass(frozen=True)
class LessonText:
    """What an author writes for a lesson (its quiz settings apart)."""

    title: str
    body_md: str
    objectives: list[str]
    key_terms: list[dict[str, str]]
    summary: str


def lesson_text(lesson: Lesson) -> LessonText:
    return LessonText(
        title=lesson.title,
        body_md=lesson.body_md,
        objectives=list(lesson.objectives or []),
        key_terms=[dict(term) for term in lesson.key_terms or []],
        summary=lesson.summary,
    )


def set_lesson_text(lesson: Lesson, text: LessonText) -> None:
    """Copy the text into the lesson's row (the course loader and the lesson editor)."""
    lesson.title = text.title
    lesson.body_md = text.body_md
    lesson.objectives = text.objectives
    lesson.key_terms = text.key_terms
    lesson.summary = text.summary


def modules_with_lessons() -> list[Module]:
    """Return every module with its lessons, in order (two queries)."""
    return list(
        db.session.scalars(
            select(Module).options(selectinload(Module.lessons)).order_by(Module.position)
        )
    )


def lesson_by_slug(slug: str) -> Lesson | None:
    return db.session.scalar(
        select(Lesson).where(Lesson.slug == slug).options(selectinload(Lesson.module))
    )


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """Return the lessons before and after this one in course order."""
    previous = db.session.scalar(
        select(Lesson)
        .where(Lesson.position < lesson.position)
        .order_by(Lesson.position.desc())
        .limit(1)
    )
    following = db.session.scalar(
        select(Lesson).where(Lesson.position > lesson.position).order_by(Lesson.position).limit(1)
    )
    return previous, following


def scored_question_count(lesson_id: int) -> int:
    """Count a lesson's active scored questions (one query)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Question)
            .join(QuestionVersion, is_current_version())
            .where(Question.lesson_id == lesson_id, is_drawable())
        )
        or 0
    )
