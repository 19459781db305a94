"""The gradebook: every learner's counted score in every lesson, summarised for the class.

Two halves. The reads (`read_gradebook` and the functions it calls, one statement
each) fetch plain facts in a fixed number of statements whatever the number of
learners: the lessons, the learners, their stored counted grades, which attempts
are open, and when each learner was last active. `summarise` is a pure function
from those facts to what the page and the CSV show, tested without Flask.

The reads are kept apart and named for what they fetch, so a change to attempts
(a new state, allowances) changes one of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.auth.models import ROLE_LEARNER, User
from app.course.models import Lesson, Module
from app.course.services import settings_for_lessons
from app.extensions import db
from app.quizzes.models import STATE_OPEN, Attempt, LessonGrade, Response
from app.timeutil import as_utc

# --- plain facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonFacts:
    id: int
    slug: str
    title: str
    final_exam: bool


@dataclass(frozen=True)
class LearnerFacts:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class GradeFacts:
    """A learner's stored counted grade in a lesson (only lessons with a graded attempt)."""

    user_id: int
    lesson_id: int
    percent: float
    passed: bool


# --- what the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One learner in one lesson: the counted score and pass state, and an open attempt."""

    percent: float | None = None  # None: no graded attempt
    passed: bool = False
    in_progress: bool = False

    @property
    def graded(self) -> bool:
        return self.percent is not None

    @property
    def started(self) -> bool:
        return self.graded or self.in_progress

    @property
    def state(self) -> str:
        """The pass state as a word: the page's class name and the CSV's text."""
        if self.graded:
            return "passed" if self.passed else "not passed"
        return "in progress" if self.in_progress else "not started"


@dataclass(frozen=True)
class LearnerRow:
    learner: LearnerFacts
    cells: list[Cell]  # one per lesson column, in column order
    final: Cell | None  # the final exam (None when the course has none)
    lessons_passed: int
    lessons_total: int
    last_activity: datetime | None


@dataclass(frozen=True)
class LessonSummary:
    """The footer of one column: the class average over learners with a graded attempt."""

    graded: int  # n: learners with a graded attempt
    average: float | None  # mean counted percent over those learners
    pass_rate: float | None  # percent of those learners who passed


@dataclass(frozen=True)
class Gradebook:
    lessons: list[LessonFacts]  # the columns (the final exam apart)
    final_exam: LessonFacts | None
    rows: list[LearnerRow]  # sorted by name key, then id (as read)
    summaries: list[LessonSummary]  # one per column
    final_summary: LessonSummary | None


def summarise(
    lessons: Iterable[LessonFacts],
    learners: Iterable[LearnerFacts],
    grades: Iterable[GradeFacts],
    open_pairs: Iterable[tuple[int, int]],
    activity: dict[int, datetime],
) -> Gradebook:
    """Build the gradebook from plain facts (learners in the order given).

    The final exam (the first lesson marked as one) is a column of its own, outside
    "lessons passed"; every other lesson counts towards it.
    """
    lessons = list(lessons)
    finals = [lesson for lesson in lessons if lesson.final_exam]
    final = finals[0] if finals else None
    columns = [lesson for lesson in lessons if lesson is not final]
    by_pair = {(g.user_id, g.lesson_id): g for g in grades}
    open_set = set(open_pairs)

    def cell(user_id: int, lesson_id: int) -> Cell:
        grade = by_pair.get((user_id, lesson_id))
        in_progress = (user_id, lesson_id) in open_set
        if grade is None:
            return Cell(in_progress=in_progress)
        return Cell(percent=grade.percent, passed=grade.passed, in_progress=in_progress)

    rows = []
    for learner in learners:
        cells = [cell(learner.id, lesson.id) for lesson in columns]
        rows.append(
            LearnerRow(
                learner=learner,
                cells=cells,
                final=cell(learner.id, final.id) if final else None,
                lessons_passed=sum(1 for c in cells if c.graded and c.passed),
                lessons_total=len(columns),
                last_activity=activity.get(learner.id),
            )
        )
    summaries = [summarise_column([row.cells[i] for row in rows]) for i in range(len(columns))]
    final_summary = summarise_column([row.final for row in rows if row.final]) if final else None
    return Gradebook(columns, final, rows, summaries, final_summary)


def summarise_column(cells: Iterable[Cell]) -> LessonSummary:
    """Average and pass rate over the cells with a graded attempt (None when there are none)."""
    graded = [c for c in cells if c.graded]
    if not graded:
        return LessonSummary(0, None, None)
    average = sum(c.percent for c in graded) / len(graded)  # type: ignore[misc]
    pass_rate = 100.0 * sum(1 for c in graded if c.passed) / len(graded)
    return LessonSummary(len(graded), average, pass_rate)


@dataclass(frozen=True)
class AttemptFacts:
    """One attempt as the learner's page lists it."""

    id: int
    lesson_id: int
    number: int
    state: str
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    max_score: float

    @property
    def is_open(self) -> bool:
        return self.state == STATE_OPEN

    @property
    def graded(self) -> bool:
        return self.submitted_at is not None and self.score is not None

    @property
    def percent(self) -> float | None:
        if not self.graded:
            return None
        return 100.0 * (self.score or 0.0) / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class LessonRecord:
    """A learner's standing in one lesson and every attempt at it, oldest first."""

    lesson: LessonFacts
    cell: Cell
    attempts: list[AttemptFacts]


def learner_record(
    lessons: Iterable[LessonFacts], attempts: Iterable[AttemptFacts], grades: Iterable[GradeFacts]
) -> list[LessonRecord]:
    """Group one learner's attempts by lesson, in course order, with the counted grade."""
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
        records.append(LessonRecord(lesson, cell, tries))
    return records


def format_percent(value: float | None) -> str:
    """Write a percentage as a learner's result page does: whole, halves rounded up."""
    if value is None:
        return ""
    return f"{math.floor(round(value, 6) + 0.5)}%"


# --- reads (one statement each) ------------------------------------------------------------


def read_gradebook() -> Gradebook:
    """Read every fact the gradebook needs in a fixed number of statements, and summarise."""
    return summarise(
        gradebook_lessons(), gradebook_learners(), counted_grades(), open_attempts(),
        last_activity(),
    )  # fmt: skip


def gradebook_lessons() -> list[LessonFacts]:
    """Return the course's lessons in order, each marked final exam or not (two statements)."""
    lessons = list(
        db.session.scalars(
            select(Lesson).join(Module).order_by(Module.position, Lesson.position, Lesson.id)
        )
    )
    settings = settings_for_lessons(lessons)
    return [
        LessonFacts(lesson.id, lesson.slug, lesson.title, settings[lesson.id].final_exam)
        for lesson in lessons
    ]


def _learners_query() -> Select:
    """The ids of graded accounts (learners, not instructors), for `IN` conditions."""
    return select(User.id).where(User.role == ROLE_LEARNER)


def gradebook_learners() -> list[LearnerFacts]:
    """Return every learner (instructors are not graded), sorted by name key, then id."""
    rows = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.role == ROLE_LEARNER)
        .order_by(User.name_key, User.id)
    )
    return [LearnerFacts(row.id, row.name, row.email) for row in rows]


def counted_grades(user_id: int | None = None) -> list[GradeFacts]:
    """Return the stored counted grades of every learner (or one) with a graded attempt."""
    query = select(
        LessonGrade.user_id, LessonGrade.lesson_id, LessonGrade.percent, LessonGrade.passed
    ).where(LessonGrade.attempts_graded > 0, LessonGrade.user_id.in_(_learners_query()))
    if user_id is not None:
        query = query.where(LessonGrade.user_id == user_id)
    return [
        GradeFacts(row.user_id, row.lesson_id, row.percent, row.passed)
        for row in db.session.execute(query)
    ]


def open_attempts() -> set[tuple[int, int]]:
    """Return the (learner, lesson) pairs with an attempt in progress."""
    query = (
        select(Attempt.user_id, Attempt.lesson_id)
        .where(Attempt.state == STATE_OPEN, Attempt.user_id.in_(_learners_query()))
        .distinct()
    )
    return {(row.user_id, row.lesson_id) for row in db.session.execute(query)}


def last_activity() -> dict[int, datetime]:
    """Return each learner's latest attempt start or submission (UTC)."""
    query = (
        select(Attempt.user_id, func.max(Attempt.started_at), func.max(Attempt.submitted_at))
        .where(Attempt.user_id.in_(_learners_query()))
        .group_by(Attempt.user_id)
    )
    found = {}
    for user_id, started, submitted in db.session.execute(query):
        times = [as_utc(t) for t in (started, submitted) if t is not None]
        if times:
            found[user_id] = max(times)
    return found


def read_learner(user_id: int) -> LearnerFacts | None:
    """Return a learner by id (None for an instructor or an unknown id)."""
    row = db.session.execute(
        select(User.id, User.name, User.email).where(User.id == user_id, User.role == ROLE_LEARNER)
    ).first()
    return LearnerFacts(row.id, row.name, row.email) if row else None


def learner_attempts(user_id: int) -> list[AttemptFacts]:
    """Return every attempt of one learner (one statement)."""
    query = select(
        Attempt.id, Attempt.lesson_id, Attempt.number, Attempt.state, Attempt.started_at,
        Attempt.submitted_at, Attempt.score, Attempt.max_score,
    ).where(Attempt.user_id == user_id)  # fmt: skip
    return [
        AttemptFacts(
            row.id,
            row.lesson_id,
            row.number,
            row.state,
            as_utc(row.started_at),
            as_utc(row.submitted_at) if row.submitted_at else None,
            row.score,
            row.max_score,
        )
        for row in db.session.execute(query)
    ]


def read_learner_record(user_id: int) -> list[LessonRecord]:
    """Read one learner's attempts and grades in a fixed number of statements, by lesson."""
    lessons = gradebook_lessons()
    return learner_record(lessons, learner_attempts(user_id), counted_grades(user_id))


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
