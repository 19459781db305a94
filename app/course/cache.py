"""The course's structure, kept in memory per process and checked against the database.

What learner pages need of the course (modules, lessons in order, their neighbours,
each lesson's count of drawable questions, its resolved quiz settings and its
rendered text) changes only when an instructor edits or the course is loaded. Every
such write bumps `courses.content_revision` (`bump_content_revision`), so a process
keeps one `CourseStructure` per app and rebuilds it when the revision in the database
differs from the one it was built from. Several processes (gunicorn workers, servers
on one PostgreSQL) each notice an edit on their next request.

The revision is read once per request: the logged-in user's query reads it
(`app.quizzes.learner`), and otherwise `structure()` reads it with one small SELECT.
Inside a unit of work the structure is built afresh and never kept: what a write
transaction reads may still roll back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.course.models import Course, Lesson, Module
from app.course.settings import (
    CourseRules,
    InvalidSettings,
    QuizSettings,
    course_rules,
    resolve_settings,
)
from app.database import in_unit_of_work, request_memo
from app.extensions import db

_EXTENSION = "milidip.course_cache"
_REVISION = "content_revision"


@dataclass(frozen=True)
class LessonEntry:
    """A lesson as learner pages show it: plain data, safe to share between requests."""

    id: int
    slug: str
    title: str
    position: int
    module_title: str
    body_html: Markup  # stored sanitised HTML (see `set_lesson_text`), marked safe once here
    objectives_html: tuple[Markup, ...]
    key_terms_html: tuple[tuple[Markup, Markup], ...]
    summary_html: Markup
    question_count: int
    settings: QuizSettings | None
    settings_error: str | None

    def quiz_settings(self) -> QuizSettings:
        """Return the resolved settings (raises InvalidSettings, as `settings_for` does)."""
        if self.settings is None:
            raise InvalidSettings(self.settings_error or "invalid quiz settings")
        return self.settings


@dataclass(frozen=True)
class ModuleEntry:
    slug: str
    title: str
    lessons: tuple[LessonEntry, ...]


@dataclass(frozen=True)
class CourseStructure:
    """One revision of the course's structure."""

    revision: int | None  # None: no course loaded yet
    title: str
    modules: tuple[ModuleEntry, ...]
    lessons: tuple[LessonEntry, ...]  # in course order
    rules: CourseRules = field(default_factory=CourseRules)  # sequential mode, the final exam
    _by_slug: dict[str, LessonEntry] = field(default_factory=dict, repr=False)
    _by_id: dict[int, LessonEntry] = field(default_factory=dict, repr=False)

    def lesson(self, slug: str) -> LessonEntry | None:
        return self._by_slug.get(slug)

    def lesson_by_id(self, lesson_id: int) -> LessonEntry | None:
        return self._by_id.get(lesson_id)

    def neighbours(self, lesson: LessonEntry) -> tuple[LessonEntry | None, LessonEntry | None]:
        """Return the lessons before and after this one in course order."""
        index = self.lessons.index(lesson)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def revision_column():
    """A scalar subquery of the course's revision, for a statement a page already runs."""
    return select(Course.content_revision).order_by(Course.id).limit(1).scalar_subquery()


def note_revision(revision: int | None) -> None:
    """Remember the revision this request read with another statement (the user's)."""
    request_memo()[_REVISION] = revision


def structure() -> CourseStructure:
    """Return the course structure of the revision in the database (cached per process)."""
    if in_unit_of_work():
        return _build()
    memo = request_memo()
    if _REVISION not in memo:
        memo[_REVISION] = db.session.scalar(
            select(Course.content_revision).order_by(Course.id).limit(1)
        )
    held: CourseStructure | None = current_app.extensions.get(_EXTENSION)
    if held is not None and held.revision == memo[_REVISION]:
        return held
    built = _build()
    current_app.extensions[_EXTENSION] = built
    memo[_REVISION] = built.revision
    return built


def _build() -> CourseStructure:
    """Read the structure (four statements); the revision first, so the label is never newer."""
    course = db.session.execute(
        select(Course.content_revision, Course.title, Course.quiz_defaults)
        .order_by(Course.id)
        .limit(1)
    ).first()
    modules = list(
        db.session.scalars(
            select(Module).options(selectinload(Module.lessons)).order_by(Module.position)
        )
    )
    counts = dict(
        db.session.execute(
            select(Question.lesson_id, func.count())
            .join(QuestionVersion, is_current_version())
            .where(is_drawable())
            .group_by(Question.lesson_id)
        ).all()
    )
    defaults = dict(course.quiz_defaults or {}) if course else {}
    module_entries = tuple(
        ModuleEntry(
            module.slug,
            module.title,
            tuple(
                _entry(lesson, module, counts.get(lesson.id, 0), defaults)
                for lesson in module.lessons
            ),
        )
        for module in modules
    )
    lessons = tuple(
        sorted((lesson for m in module_entries for lesson in m.lessons), key=lambda e: e.position)
    )
    return CourseStructure(
        revision=course.content_revision if course else None,
        title=course.title if course else "Course",
        modules=module_entries,
        lessons=lessons,
        rules=course_rules(defaults),
        _by_slug={lesson.slug: lesson for lesson in lessons},
        _by_id={lesson.id: lesson for lesson in lessons},
    )


def _entry(lesson: Lesson, module: Module, count: int, defaults: dict) -> LessonEntry:
    try:
        settings, error = resolve_settings(defaults, lesson.quiz_settings), None
    except InvalidSettings as problem:
        settings, error = None, str(problem)
    return LessonEntry(
        id=lesson.id,
        slug=lesson.slug,
        title=lesson.title,
        position=lesson.position,
        module_title=module.title,
        body_html=Markup(lesson.body_html or ""),
        objectives_html=tuple(Markup(text) for text in lesson.objectives_html or ()),
        key_terms_html=tuple(
            (Markup(term.get("term", "")), Markup(term.get("definition", "")))
            for term in lesson.key_terms_html or ()
        ),
        summary_html=Markup(lesson.summary_html or ""),
        question_count=count,
        settings=settings,
        settings_error=error,
    )
