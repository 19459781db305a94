"""The gradebook: every learner's counted score in every lesson, summarised for the class.

Two halves. The reads (`read_gradebook` and the functions it calls, one statement
each) fetch plain facts in a fixed number of statements whatever the number of
learners: the lessons, the learners, their stored counted grades, which attempts
are open, and when each learner was last active. `summarise` is a pure function
from those facts to what the page and the CSV show, tested without Flask.

The reads are kept apart and named for what they fetch, so a change to attempts
(a new state, allowances) changes one of them. A page shows `PER_PAGE` learners; the
footers (class average, pass rate) are over every learner the search matches, summed
in the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, Select, case, func, select

from app.auth.models import ROLE_LEARNER, User
from app.auth.services import name_key
from app.course.models import Lesson, Module
from app.course.services import settings_for_lessons
from app.extensions import db
from app.quizzes.models import STATE_OPEN, Attempt, LessonGrade
from app.timeutil import as_utc

PER_PAGE = 50
# Whose facts to read: a query of learner ids, or (one page) the ids themselves.
LearnerIds = Select | list[int]
MAX_SEARCH_LENGTH = 100  # longer searches are cut: no name or email is longer

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
class ColumnTotals:
    """Summed in the database over the learners with a graded attempt in one lesson."""

    lesson_id: int
    graded: int
    percent_sum: float
    passed: int


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
    summaries: list[LessonSummary]  # one per column, over every matching learner
    final_summary: LessonSummary | None
    learners: int = 0  # every learner the search matches (rows holds one page of them)
    page: int = 1
    pages: int = 1


def summarise(
    lessons: Iterable[LessonFacts],
    learners: Iterable[LearnerFacts],
    grades: Iterable[GradeFacts],
    open_pairs: Iterable[tuple[int, int]],
    activity: dict[int, datetime],
    totals: Iterable[ColumnTotals] = (),
    learner_count: int | None = None,
    page: int = 1,
) -> Gradebook:
    """Build the gradebook from plain facts (learners in the order given, one page of them).

    The final exam (the first lesson marked as one) is a column of its own, outside
    "lessons passed"; every other lesson counts towards it. The footers come from
    `totals`, which cover every learner matched, not only this page's.
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
    by_lesson = {t.lesson_id: t for t in totals}
    summaries = [summary_of(by_lesson.get(lesson.id)) for lesson in columns]
    final_summary = summary_of(by_lesson.get(final.id)) if final else None
    count = len(rows) if learner_count is None else learner_count
    pages = max(1, -(-count // PER_PAGE))
    return Gradebook(
        columns, final, rows, summaries, final_summary, count, min(max(page, 1), pages), pages
    )


def summary_of(totals: ColumnTotals | None) -> LessonSummary:
    """Average and pass rate over the learners with a graded attempt (None when none has)."""
    if totals is None or totals.graded == 0:
        return LessonSummary(0, None, None)
    return LessonSummary(
        totals.graded, totals.percent_sum / totals.graded, 100.0 * totals.passed / totals.graded
    )


def format_percent(value: float | None) -> str:
    """Write a percentage as a learner's result page does: whole, halves rounded up."""
    if value is None:
        return ""
    return f"{math.floor(round(value, 6) + 0.5)}%"


# --- reads (one statement each) ------------------------------------------------------------


def read_gradebook(search: str = "", page: int | None = 1) -> Gradebook:
    """Read one page of the gradebook (every matching learner when `page` is None).

    A fixed number of statements whatever the number of learners: the lessons, the
    count and the page of learners, then grades, open attempts and last activity of
    those learners, and the footers' sums over every matching learner.
    """
    lessons = gradebook_lessons()
    matching = matching_learners(search)
    count = count_learners(matching)
    pages = max(1, -(-count // PER_PAGE))
    page = None if page is None else min(max(page, 1), pages)
    learners = gradebook_learners(matching, page)
    # One page: its few ids. Every learner (the CSV): the matching query, not 10,000 ids.
    ids = matching if page is None else [learner.id for learner in learners]
    return summarise(
        lessons, learners, counted_grades(ids), open_attempts(ids), last_activity(ids),
        column_totals(matching), count, page or 1,
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


def matching_learners(search: str = "") -> Select:
    """The ids of graded accounts (learners, not instructors) that match a search.

    The search is case-insensitive on the name (by its casefolded key) and the email;
    `%` and `_` are matched literally.
    """
    query = select(User.id).where(User.role == ROLE_LEARNER)
    search = search.strip()[:MAX_SEARCH_LENGTH]
    if search:
        query = query.where(
            User.name_key.contains(name_key(search), autoescape=True)
            | User.email.contains(search.lower(), autoescape=True)
        )
    return query


def count_learners(matching: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def gradebook_learners(matching: Select, page: int | None = None) -> list[LearnerFacts]:
    """Return the matching learners sorted by name key, then id (one page, or all)."""
    query = (
        select(User.id, User.name, User.email)
        .where(User.id.in_(matching))
        .order_by(User.name_key, User.id)
    )
    if page is not None:
        query = query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    return [LearnerFacts(row.id, row.name, row.email) for row in db.session.execute(query)]


def counted_grades(
    learner_ids: LearnerIds | None = None, user_id: int | None = None
) -> list[GradeFacts]:
    """Return the stored counted grades of these learners (or one) with a graded attempt."""
    query = select(
        LessonGrade.user_id, LessonGrade.lesson_id, LessonGrade.percent, LessonGrade.passed
    ).where(LessonGrade.attempts_graded > 0)
    if learner_ids is not None:
        query = query.where(LessonGrade.user_id.in_(learner_ids))
    if user_id is not None:
        query = query.where(LessonGrade.user_id == user_id)
    return [
        GradeFacts(row.user_id, row.lesson_id, row.percent, row.passed)
        for row in db.session.execute(query)
    ]


def column_totals(matching: Select) -> list[ColumnTotals]:
    """Sum each lesson's counted grades over the matching learners with a graded attempt."""
    query = (
        select(
            LessonGrade.lesson_id,
            func.count(),
            func.sum(LessonGrade.percent),
            func.sum(case((LessonGrade.passed, 1), else_=0).cast(Integer)),
        )
        .where(LessonGrade.attempts_graded > 0, LessonGrade.user_id.in_(matching))
        .group_by(LessonGrade.lesson_id)
    )
    return [
        ColumnTotals(lesson_id, graded, float(total or 0.0), int(passed or 0))
        for lesson_id, graded, total, passed in db.session.execute(query)
    ]


def open_attempts(learner_ids: LearnerIds) -> set[tuple[int, int]]:
    """Return the (learner, lesson) pairs of these learners with an attempt in progress."""
    query = (
        select(Attempt.user_id, Attempt.lesson_id)
        .where(Attempt.state == STATE_OPEN, Attempt.user_id.in_(learner_ids))
        .distinct()
    )
    return {(row.user_id, row.lesson_id) for row in db.session.execute(query)}


def last_activity(learner_ids: LearnerIds) -> dict[int, datetime]:
    """Return each of these learners' latest attempt start or submission (UTC)."""
    query = (
        select(Attempt.user_id, func.max(Attempt.started_at), func.max(Attempt.submitted_at))
        .where(Attempt.user_id.in_(learner_ids))
        .group_by(Attempt.user_id)
    )
    found = {}
    for user_id, started, submitted in db.session.execute(query):
        times = [as_utc(t) for t in (started, submitted) if t is not None]
        if times:
            found[user_id] = max(times)
    return found
