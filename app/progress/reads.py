"""What progress pages read of one learner, and the one write of a lesson read.

A fixed number of statements whatever the number of lessons and attempts:
My progress reads grades, attempts, and (reads ∪ extra-attempt allowances) — three;
the outline reads grades and (reads ∪ open attempts) — two; the lesson page folds
its read flag into the statement that reads its grade — one. The logged-in user's
statement comes before each (`app.quizzes.learner`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import User
from app.extensions import db
from app.quizzes.history import AttemptFacts, learner_attempts
from app.quizzes.models import STATE_OPEN, Attempt, AttemptAllowance, LessonGrade, LessonRead
from app.timeutil import now_utc


def practice_due(user_id: int) -> int:
    """Return how many practice questions are due for the learner now (one statement).

    My progress and the outline show the count and the next step offers practice when
    it is above 0.
    """
    from app.practice.services import due_count

    return due_count(user_id)


def practice_url() -> str | None:
    """Return the practice page's address for the next step's link."""
    from flask import url_for

    return url_for("practice.index")


@dataclass(frozen=True)
class GradeSnapshot:
    """A stored grade as plain values, so a later unit of work cannot expire it."""

    percent: float
    passed: bool
    attempts_graded: int


@dataclass
class LearnerFacts:
    """Everything stored about a learner's progress, keyed by lesson id."""

    grades: dict[int, LessonGrade] = field(default_factory=dict)
    read: set[int] = field(default_factory=set)
    open_attempts: dict[int, int] = field(default_factory=dict)  # lesson id → attempt id
    attempts: dict[int, list[AttemptFacts]] = field(default_factory=dict)  # oldest first
    extra: dict[int, int] = field(default_factory=dict)  # lesson id → extra attempts


def _grades(user_id: int) -> dict[int, LessonGrade]:
    return {
        grade.lesson_id: grade
        for grade in db.session.scalars(select(LessonGrade).where(LessonGrade.user_id == user_id))
    }


def progress_facts(user_id: int) -> LearnerFacts:
    """Read what My progress shows (three statements)."""
    facts = LearnerFacts(grades=_grades(user_id))
    for attempt in learner_attempts(user_id):
        facts.attempts.setdefault(attempt.lesson_id, []).append(attempt)
        if attempt.state == STATE_OPEN:
            facts.open_attempts[attempt.lesson_id] = attempt.id
    reads = select(LessonRead.lesson_id, literal("read").label("kind"), literal(0).label("n"))
    extras = select(
        AttemptAllowance.lesson_id, literal("extra").label("kind"), AttemptAllowance.extra
    )
    both = union_all(
        reads.where(LessonRead.user_id == user_id),
        extras.where(AttemptAllowance.user_id == user_id),
    )
    for lesson_id, kind, extra in db.session.execute(both):
        if kind == "read":
            facts.read.add(lesson_id)
        else:
            facts.extra[lesson_id] = extra
    return facts


def outline_facts(user_id: int) -> LearnerFacts:
    """Read what the outline shows: grades, lessons read and open attempts (two statements)."""
    facts = LearnerFacts(grades=_grades(user_id))
    reads = select(LessonRead.lesson_id, literal(None).label("attempt_id")).where(
        LessonRead.user_id == user_id
    )
    opened = select(Attempt.lesson_id, Attempt.id).where(
        Attempt.user_id == user_id, Attempt.state == STATE_OPEN
    )
    for lesson_id, attempt_id in db.session.execute(union_all(reads, opened)):
        if attempt_id is None:
            facts.read.add(lesson_id)
        else:
            facts.open_attempts[lesson_id] = attempt_id
    return facts


def grade_and_read(user_id: int, lesson_id: int) -> tuple[GradeSnapshot | None, bool]:
    """Return the learner's stored grade for a lesson and whether they have read it (one query).

    The lesson page needed the grade already; the read flag rides along, so a
    repeat view costs no more than before and sends no write.
    """
    read = exists().where(LessonRead.user_id == user_id, LessonRead.lesson_id == lesson_id)
    row = db.session.execute(
        select(User.id, read.label("read"), LessonGrade)
        .select_from(User)
        .outerjoin(
            LessonGrade, and_(LessonGrade.user_id == User.id, LessonGrade.lesson_id == lesson_id)
        )
        .where(User.id == user_id)
    ).first()
    if row is None:
        return None, False
    grade = row[2]
    if grade is None:
        return None, bool(row.read)
    return GradeSnapshot(grade.percent, grade.passed, grade.attempts_graded), bool(row.read)


def mark_read(user_id: int, lesson_id: int) -> None:
    """Store that the learner read the lesson: one INSERT … ON CONFLICT DO NOTHING.

    The unique (learner, lesson) constraint makes it once only, even when two
    first views race; the caller's unit of work commits.
    """
    dialect = db.session.get_bind().dialect.name
    insert: Any = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LessonRead)
        .values(user_id=user_id, lesson_id=lesson_id, read_at=now_utc())
        .on_conflict_do_nothing(index_elements=[LessonRead.user_id, LessonRead.lesson_id])
    )
