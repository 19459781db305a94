"""The gradebook's reads: one statement per fact, whatever the number of learners.

The lessons, the learners a search matches (counted, and one page of them in the
chosen order), their stored counted grades, which attempts are open, when each was
last active, and the footers' sums. They are kept apart and named for what they
fetch, so a change to attempts (a new state, allowances) changes one of them.
`read_gradebook` hands the facts to the pure `app.instructor.gradebook.summarise`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, Numeric, Select, case, cast, exists, false, func, select

from app.auth.models import ROLE_LEARNER, User
from app.auth.services import name_key
from app.course.models import Lesson, Module
from app.course.services import settings_of_lessons
from app.extensions import db
from app.instructor.gradebook import (
    BY_NAME,
    IN_PROGRESS,
    MAX_SEARCH_LENGTH,
    NEEDS_HELP,
    NEEDS_HELP_FAILED_ATTEMPTS,
    NOT_STARTED,
    PASSED_EVERYTHING,
    PER_PAGE,
    ColumnTotals,
    Gradebook,
    GradeFacts,
    LearnerFacts,
    LessonFacts,
    Sort,
    parse_filter,
    parse_sort,
    summarise,
)
from app.quizzes.models import STATE_OPEN, STATE_SUBMITTED, Attempt, LessonGrade
from app.timeutil import as_utc

# Whose facts to read: a query of learner ids, or (one page) the ids themselves.
LearnerIds = Select | list[int]


def read_gradebook(
    search: str = "",
    page: int | None = 1,
    sort: str | None = None,
    direction: str | None = None,
    show: str | None = None,
) -> Gradebook:
    """Read one page of the gradebook (every matching learner when `page` is None).

    `show` is one of the filters (`gradebook.FILTERS`); the learners it leaves out are
    left out of the count, the pages, the footers and the CSV alike.

    A fixed number of statements whatever the number of learners: the lessons, the
    count and the page of learners, then grades, open attempts and last activity of
    those learners, and the footers' sums over every matching learner.
    """
    lessons = gradebook_lessons()
    order = parse_sort(sort, direction, lessons)
    show = parse_filter(show)
    matching = matching_learners(search, show, lessons)
    count = count_learners(matching)
    pages = max(1, -(-count // PER_PAGE))
    page = None if page is None else min(max(page, 1), pages)
    learners = gradebook_learners(matching, page, order, lessons)
    # One page: its few ids. Every learner (the CSV): the matching query, not 10,000 ids.
    ids = matching if page is None else [learner.id for learner in learners]
    return summarise(
        lessons, learners, counted_grades(ids), open_attempts(ids), last_activity(ids),
        column_totals(matching), count, page or 1, order, show,
    )  # fmt: skip


def gradebook_lessons() -> list[LessonFacts]:
    """Return the course's lessons in order, each marked final exam or not (two statements)."""
    lessons = list(
        db.session.scalars(
            select(Lesson).join(Module).order_by(Module.position, Lesson.position, Lesson.id)
        )
    )
    settings = settings_of_lessons(lessons)
    return [
        LessonFacts(
            lesson.id,
            lesson.slug,
            lesson.title,
            settings[lesson.id].final_exam,
            settings[lesson.id].pass_mark,
            settings[lesson.id].max_attempts,
        )
        for lesson in lessons
    ]


def matching_learners(
    search: str = "", show: str | None = None, lessons: Iterable[LessonFacts] = ()
) -> Select:
    """The ids of graded accounts (learners, not instructors) that match a search and a filter.

    The search is case-insensitive on the name (by its casefolded key) and the email;
    `%` and `_` are matched literally. The filter (`gradebook.FILTERS`) is a correlated
    condition, so it costs no statement of its own.
    """
    query = select(User.id).where(User.role == ROLE_LEARNER)
    search = search.strip()[:MAX_SEARCH_LENGTH]
    if search:
        query = query.where(
            User.name_key.contains(name_key(search), autoescape=True)
            | User.email.contains(search.lower(), autoescape=True)
        )
    if show is not None:
        query = query.where(_filter_condition(show, list(lessons)))
    return query


def _filter_condition(show: str, lessons: list[LessonFacts]):
    """The condition on `User` that one of the gradebook's filters puts on a learner."""
    mine = Attempt.user_id == User.id
    if show == NOT_STARTED:  # as a blank cell: nothing graded, nothing open, in any lesson
        return ~exists().where(mine, Attempt.state.in_((STATE_OPEN, STATE_SUBMITTED)))
    if show == IN_PROGRESS:
        return exists().where(mine, Attempt.state == STATE_OPEN)
    if show == PASSED_EVERYTHING:  # every lesson, the final exam included
        passed = (
            select(func.count())
            .where(
                LessonGrade.user_id == User.id,
                LessonGrade.lesson_id.in_([lesson.id for lesson in lessons]),
                LessonGrade.attempts_graded > 0,
                LessonGrade.passed.is_(True),
            )
            .scalar_subquery()
        )
        return passed == len(lessons) if lessons else false()
    if show == NEEDS_HELP:
        return exists(_lessons_needing_help(lessons))
    raise ValueError(f"unknown gradebook filter {show!r}")


def _lessons_needing_help(lessons: list[LessonFacts]) -> Select:
    """The lessons where the outer learner has failed twice or more and has not passed yet."""
    pass_mark = case(
        {lesson.id: lesson.pass_mark for lesson in lessons}, value=Attempt.lesson_id, else_=None
    )
    passed_here = exists().where(
        LessonGrade.user_id == Attempt.user_id,
        LessonGrade.lesson_id == Attempt.lesson_id,
        LessonGrade.passed.is_(True),
    )
    return (
        select(Attempt.lesson_id)
        .where(
            Attempt.user_id == User.id,
            Attempt.state == STATE_SUBMITTED,
            Attempt.score.is_not(None),
            below_pass_mark(Attempt.score, Attempt.max_score, pass_mark),
            ~passed_here,
        )
        .group_by(Attempt.lesson_id)
        .having(func.count() >= NEEDS_HELP_FAILED_ATTEMPTS)
    )


def below_pass_mark(score, max_score, pass_mark):
    """`not app.quizzes.scoring.passes(percent, pass_mark)`, as SQL over an attempt's score.

    The same rounding as `passes` (six decimals, so 7 of 10 passes a 70% mark), computed
    as NUMERIC on both databases; no points to score (max 0) is 0%.
    """
    percent = case((max_score > 0, 100.0 * score / max_score), else_=0.0)
    return func.round(cast(percent, Numeric), 6) < pass_mark


def count_learners(matching: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def gradebook_learners(
    matching: Select,
    page: int | None = None,
    sort: Sort = BY_NAME,
    lessons: Iterable[LessonFacts] = (),
) -> list[LearnerFacts]:
    """Return the matching learners in the sort's order, then by name key and id.

    One page of them, or all. Learners without a value (never active, not graded in
    the lesson) come last in both directions.
    """
    column = _sort_column(sort, lessons)
    ordered = column.desc() if sort.descending else column.asc()
    query = (
        select(User.id, User.name, User.email)
        .where(User.id.in_(matching))
        .order_by(ordered.nulls_last(), User.name_key, User.id)
    )
    if page is not None:
        query = query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    return [LearnerFacts(row.id, row.name, row.email) for row in db.session.execute(query)]


def _sort_column(sort: Sort, lessons: Iterable[LessonFacts]):
    """The value a learner sorts by, as a column or a correlated subquery."""
    if sort.key == "email":
        return User.email
    if sort.key == "progress":
        counted = [lesson.id for lesson in lessons if not lesson.final_exam]
        return (
            select(func.count())
            .where(
                LessonGrade.user_id == User.id,
                LessonGrade.lesson_id.in_(counted),
                LessonGrade.attempts_graded > 0,
                LessonGrade.passed.is_(True),
            )
            .scalar_subquery()
        )
    if sort.key == "activity":
        latest = func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at))
        return select(latest).where(Attempt.user_id == User.id).scalar_subquery()
    if sort.key == "lesson":
        return (
            select(LessonGrade.percent)
            .where(
                LessonGrade.user_id == User.id,
                LessonGrade.lesson_id == sort.lesson_id,
                LessonGrade.attempts_graded > 0,
            )
            .scalar_subquery()
        )
    return User.name_key


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
