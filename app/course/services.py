"""Read the course's structure: the course row, its modules and lessons, their quiz settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.course.models import Course, Lesson, Module
from app.course.settings import InvalidSettings, QuizSettings, resolve_settings
from app.extensions import db
from app.rendering import RENDER_VERSION, render_inline, render_markdown


def current_course() -> Course | None:
    """Return the one course this app teaches (None before the first `flask course load`)."""
    return db.session.scalar(select(Course).limit(1))


def bump_content_revision() -> None:
    """Mark the course content as changed: every process rebuilds its cache on next use.

    Call it from every write to course content (in the same unit of work).
    """
    db.session.execute(
        update(Course)
        .values(content_revision=Course.content_revision + 1)
        .execution_options(synchronize_session=False)
    )


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


def settings_or_defaults(
    lesson: Lesson, defaults: dict | None = None
) -> tuple[QuizSettings, str | None]:
    """Return the lesson's settings, or the defaults and why the lesson's own are unusable.

    `defaults` (the course's, when the caller already has them) saves a query per lesson.
    """
    defaults = quiz_defaults() if defaults is None else defaults
    try:
        return resolve_settings(defaults, lesson.quiz_settings), None
    except InvalidSettings as error:
        try:
            return resolve_settings(defaults, {}), str(error)
        except InvalidSettings:
            return QuizSettings(), str(error)


def course_settings() -> tuple[QuizSettings, str | None]:
    """Return the course-wide defaults as settings, or the built-in ones and why not."""
    try:
        return resolve_settings(quiz_defaults(), {}), None
    except InvalidSettings as error:
        return QuizSettings(), str(error)


def settings_of_lessons(lessons: list[Lesson]) -> dict[int, QuizSettings]:
    """Return each lesson's usable settings by lesson id, reading the course row once."""
    defaults = quiz_defaults()
    return {lesson.id: settings_or_defaults(lesson, defaults)[0] for lesson in lessons}


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
    render_lesson(lesson)


def lesson_html(
    body_md: str, objectives: list[str], key_terms: list[dict[str, str]], summary: str
) -> dict[str, Any]:
    """Render a lesson's texts to the sanitised HTML stored beside them (column: value)."""
    return {
        "body_html": str(render_markdown(body_md)),
        "objectives_html": [str(render_inline(objective)) for objective in objectives or []],
        "key_terms_html": [
            {
                "term": str(render_inline(term.get("term", ""))),
                "definition": str(render_inline(term.get("definition", ""))),
            }
            for term in key_terms or []
        ],
        "summary_html": str(render_markdown(summary)),
        "render_version": RENDER_VERSION,
    }


def render_lesson(lesson: Lesson) -> None:
    """Store the lesson's rendered text in place (a derived cache of its Markdown)."""
    html = lesson_html(lesson.body_md, lesson.objectives, lesson.key_terms, lesson.summary)
    for column, value in html.items():
        setattr(lesson, column, value)


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
