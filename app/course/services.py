"""Read the course for its pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bank.model import SCORED_TYPES
from app.bank.models import STATUS_ACTIVE, Question, QuestionVersion
from app.course.models import Course, Lesson, Module
from app.extensions import db


def course_title() -> str:
    course = db.session.scalar(select(Course).limit(1))
    return course.title if course else "Course"


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
            .join(
                QuestionVersion,
                (QuestionVersion.question_id == Question.id)
                & (QuestionVersion.number == Question.current_number),
            )
            .where(Question.lesson_id == lesson_id, Question.status == STATUS_ACTIVE)
            .where(QuestionVersion.type.in_(sorted(SCORED_TYPES)))
        )
        or 0
    )
