"""A learner's page for instructors: every attempt per lesson, and the review of one.

Reads (one statement each) and one pure function, `learner_record`, that groups a
learner's attempts by lesson in course order with the counted grade.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import ROLE_LEARNER, User
from app.extensions import db
from app.instructor.gradebook import Cell, GradeFacts, LearnerFacts, LessonFacts
from app.instructor.gradebook_reads import counted_grades, gradebook_lessons
from app.quizzes.allowances import extra_attempts_by_lesson
from app.quizzes.history import AttemptFacts, learner_attempts
from app.quizzes.models import Attempt, Response
from app.quizzes.quota import attempt_limit


@dataclass(frozen=True)
class LessonRecord:
    """A learner's standing in one lesson and every attempt at it, oldest first."""

    lesson: LessonFacts
    cell: Cell
    attempts: list[AttemptFacts]
    used: int = 0  # the highest attempt number: every attempt started counts (quota's rule)
    extra: int = 0  # attempts an instructor gave on top of the lesson's limit
    allowed: int | None = None  # the limit with the extra attempts (None: no limit)


def learner_record(
    lessons: Iterable[LessonFacts],
    attempts: Iterable[AttemptFacts],
    grades: Iterable[GradeFacts],
    extra: dict[int, int] | None = None,
) -> list[LessonRecord]:
    """Group one learner's attempts by lesson, in course order, with the counted grade.

    Each lesson also says the attempts used and allowed, extra attempts included
    (`app.quizzes.quota.attempt_limit`, the rule the start of an attempt applies).
    """
    extra = extra or {}
    by_lesson: dict[int, list[AttemptFacts]] = {}
    for attempt in sorted(attempts, key=lambda a: (a.number, a.id)):
        by_lesson.setdefault(attempt.lesson_id, []).append(attempt)
    grade_of = {g.lesson_id: g for g in grades}
    records = []
    for lesson in lessons:
        tries = by_lesson.get(lesson.id, [])
        grade = grade_of.get(lesson.id)
        in_progress = any(a.is_open for a in tries)
        cell = (
            Cell(grade.percent, grade.passed, in_progress)
            if grade
            else Cell(in_progress=in_progress)
        )
        given = extra.get(lesson.id, 0)
        records.append(
            LessonRecord(
                lesson,
                cell,
                tries,
                max((a.number for a in tries), default=0),
                given,
                attempt_limit(lesson.max_attempts, given),
            )
        )
    return records


def read_learner(user_id: int) -> LearnerFacts | None:
    """Return a learner by id (None for an instructor or an unknown id)."""
    row = db.session.execute(
        select(User.id, User.name, User.email).where(User.id == user_id, User.role == ROLE_LEARNER)
    ).first()
    return LearnerFacts(row.id, row.name, row.email) if row else None


def read_learner_record(user_id: int) -> list[LessonRecord]:
    """Read one learner's attempts and grades in a fixed number of statements, by lesson."""
    lessons = gradebook_lessons()
    return learner_record(
        lessons,
        learner_attempts(user_id),
        counted_grades(user_id=user_id),
        extra_attempts_by_lesson(user_id),
    )


def learner_attempt(attempt_id: int) -> Attempt | None:
    """Return any learner's attempt with what its review needs (an instructor's view of it)."""
    return db.session.scalar(
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.id == attempt_id, User.role == ROLE_LEARNER)
        .options(
            selectinload(Attempt.responses).selectinload(Response.version),
            selectinload(Attempt.lesson),
        )
    )
