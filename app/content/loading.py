"""Write the course files into the database (`flask course load`; flush only, the command's
unit of work commits).

The database is the live source of truth. A load adds new items, updates an
item only when its file content changed since the last load, never touches what
an instructor changed in the web (it reports the conflict instead), and retires
questions that learners have answered instead of deleting them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from app.bank.model import QuestionData
from app.bank.models import (
    ORIGIN_FILE,
    STATUS_ACTIVE,
    STATUS_RETIRED,
    Question,
    QuestionVersion,
    new_version,
    render_version_again,
)
from app.course.files import CourseSource, LessonSource, question_hash
from app.course.models import Course, Lesson, Module
from app.course.services import (
    LessonText,
    bump_content_revision,
    current_course,
    render_lesson,
    set_lesson_text,
)
from app.extensions import db
from app.quizzes.models import Response
from app.rendering import RENDER_VERSION


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rerendered: int = 0  # stored texts re-rendered because an older renderer made them

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.deleted)

    def lines(self) -> list[str]:
        """Describe the load for the command's output."""
        out = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {self.unchanged}, "
            f"retired {len(self.retired)}, deleted {len(self.deleted)}, "
            f"conflicts {len(self.conflicts)}"
        ]
        if self.rerendered:
            out.append(f"re-rendered {self.rerendered} stored texts (renderer {RENDER_VERSION})")
        out += [f"  conflict: {c}" for c in self.conflicts]
        return out


def load_course(source: CourseSource) -> LoadReport:
    """Bring the database up to date with the course files."""
    report = LoadReport()
    _load_course_row(source, report)
    modules = {m.slug: m for m in db.session.scalars(select(Module))}
    lessons = {lesson.slug: lesson for lesson in db.session.scalars(select(Lesson))}
    position = 0
    for module_position, module_source in enumerate(source.modules, start=1):
        module = modules.get(module_source.slug)
        if module is None:
            module = Module(slug=module_source.slug, title=module_source.title, position=0)
            db.session.add(module)
            report.added.append(f"module {module.slug}")
        elif module.title != module_source.title:
            module.title = module_source.title
            report.updated.append(f"module {module.slug}")
        module.position = module_position
        for lesson_source in module_source.lessons:
            position += 1
            lesson = _load_lesson(
                lesson_source, module, position, lessons.get(lesson_source.slug), report
            )
            db.session.flush()
            _load_questions(lesson, lesson_source, report)
    db.session.flush()
    report.rerendered = rerender_stale_texts()
    bump_content_revision()  # every process's course cache is rebuilt on its next request
    db.session.flush()
    return report


def rerender_stale_texts() -> int:
    """Re-render, in place, every stored text an older renderer made (any origin).

    The HTML is a derived cache: no new question version, no change to what was authored.
    Returns how many lessons and question versions were re-rendered.
    """
    count = 0
    for lesson in db.session.scalars(select(Lesson).where(Lesson.render_version < RENDER_VERSION)):
        render_lesson(lesson)
        count += 1
    for version in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.render_version < RENDER_VERSION)
    ):
        render_version_again(version)
        count += 1
    return count


def _load_course_row(source: CourseSource, report: LoadReport) -> None:
    course = current_course()
    if course is None:
        db.session.add(
            Course(
                title=source.title,
                quiz_defaults=source.quiz_defaults,
                source_hash=source.source_hash,
                # A new course row starts at a random revision, so that a process's cache
                # of a course row deleted and created again is never taken for current.
                content_revision=secrets.randbelow(2**30) + 1,
            )
        )
    elif course.source_hash != source.source_hash:
        course.title = source.title
        if course.edited_in_web:
            # Like an edited lesson: the hash stays, so every load reports it again.
            report.conflicts.append(
                "course settings: edited in the web since the last load; "
                "the quiz defaults in course.toml were not applied"
            )
        else:
            course.quiz_defaults = source.quiz_defaults
            course.source_hash = source.source_hash


def _load_lesson(
    source: LessonSource, module: Module, position: int, lesson: Lesson | None, report: LoadReport
) -> Lesson:
    if lesson is None:
        lesson = Lesson(slug=source.slug, module=module, position=position)
        _copy_lesson_text(lesson, source)
        db.session.add(lesson)
        report.added.append(f"lesson {source.slug}")
        return lesson
    lesson.module = module
    lesson.position = position
    if lesson.source_hash == source.source_hash:
        report.unchanged += 1
    elif lesson.edited_in_web:
        report.conflicts.append(
            f"lesson {source.slug}: edited in the web since the last load; file changes not applied"
        )
    else:
        _copy_lesson_text(lesson, source)
        report.updated.append(f"lesson {source.slug}")
    return lesson


def _copy_lesson_text(lesson: Lesson, source: LessonSource) -> None:
    text = (source.title, source.body_md, source.objectives, source.key_terms, source.summary)
    set_lesson_text(lesson, LessonText(*text))
    lesson.quiz_settings = source.quiz_settings
    lesson.source_hash = source.source_hash


def _load_questions(lesson: Lesson, source: LessonSource, report: LoadReport) -> None:
    uids = [q.id for q in source.questions if q.id]
    existing = {
        q.uid: q
        for q in db.session.scalars(
            select(Question)
            .where((Question.lesson_id == lesson.id) | Question.uid.in_(uids))
            .options(selectinload(Question.current))
        )
    }
    for position, data in enumerate(source.questions, start=1):
        assert data.id is not None
        digest = question_hash(data)
        question = existing.pop(data.id, None)
        if question is None:
            question = Question(
                uid=data.id, lesson_id=lesson.id, origin=ORIGIN_FILE, position=position
            )
            question.source_hash = digest
            db.session.add(question)
            db.session.flush()
            db.session.add(new_version(question, data, number=1))
            report.added.append(f"question {data.id}")
            continue
        if question.lesson_id != lesson.id:
            report.conflicts.append(
                f"question {data.id}: already belongs to another lesson; not moved"
            )
            continue
        question.position = position
        if question.source_hash == digest and question.status == STATUS_ACTIVE:
            _keep_silences(question, data)
            report.unchanged += 1
        elif question.edited_in_web:
            report.conflicts.append(
                f"question {data.id}: edited in the web since the last load; "
                "file changes not applied"
            )
        else:
            if question.source_hash != digest:
                question.current_number += 1
                db.session.add(new_version(question, data, number=question.current_number))
            question.source_hash = digest
            question.status = STATUS_ACTIVE
            report.updated.append(f"question {data.id}")

    # What is left came from a file earlier but is no longer in it.
    for question in existing.values():
        if question.origin != ORIGIN_FILE or question.status == STATUS_RETIRED:
            continue
        if question.edited_in_web:
            report.conflicts.append(
                f"question {question.uid}: removed from the file but edited in the web; kept"
            )
        elif _has_responses(question):
            question.status = STATUS_RETIRED
            report.retired.append(f"question {question.uid}")
        else:
            for version in question.versions:
                db.session.delete(version)
            db.session.delete(question)
            report.deleted.append(f"question {question.uid}")


def _keep_silences(question: Question, data: QuestionData) -> None:
    """Update the current version's lint silences in place: metadata, never a new version."""
    current = question.current
    if (current.lint_ok or {}) != data.lint_ok:
        current.lint_ok = dict(data.lint_ok)


def _has_responses(question: Question) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Response.question_version_id == QuestionVersion.id)
                .where(QuestionVersion.question_id == question.id)
            )
        )
    )
