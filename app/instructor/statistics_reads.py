"""The statistics page's reads and its one write: stored figures, recomputed only when behind.

`current_statistics` reads the lesson's graded revision with its stored row (one
statement). A row at that revision is the answer. A missing or older one is
recomputed from the database in a fixed number of statements whatever the number
of attempts — the versions involved, then one streamed SELECT of every analysed
response — and stored by an upsert that never replaces a newer row, so every
server shows the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Float, Select, and_, case, exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import ROLE_LEARNER, User
from app.bank.grading import matching_rows
from app.bank.model import QuestionData
from app.bank.models import Question, QuestionVersion
from app.course.models import Lesson
from app.database import unit_of_work
from app.extensions import db
from app.instructor.statistics import (
    CHOICE_TYPES,
    FLAGGED_SET,
    ResponseRow,
    VersionInfo,
    analyse,
    flags_by_uid,
    matching_label,
    option_label,
)
from app.quizzes.models import STATE_SUBMITTED, Attempt, ItemStatistics, Response
from app.timeutil import now_utc

STREAM_BATCH = 2000


def current_statistics(lesson_id: int, attempt_set: str) -> dict[str, Any]:
    """Return the lesson's figures for an attempt set, recomputing them only when stale."""
    revision, stored_revision, figures = db.session.execute(
        select(Lesson.graded_revision, ItemStatistics.graded_revision, ItemStatistics.figures)
        .outerjoin(
            ItemStatistics,
            and_(ItemStatistics.lesson_id == Lesson.id, ItemStatistics.attempt_set == attempt_set),
        )
        .where(Lesson.id == lesson_id)
    ).one()
    if figures is not None and stored_revision >= revision:
        return figures
    # Computed in the read transaction (no lock held over a long computation), then
    # stored in a short unit of work; an attempt graded meanwhile bumped the revision
    # past the one stored here, so the next view computes again.
    figures = compute_statistics(lesson_id, attempt_set)
    with unit_of_work():
        store_statistics(lesson_id, attempt_set, revision, figures)
    return figures


def compute_statistics(lesson_id: int, attempt_set: str) -> dict[str, Any]:
    """Compute a lesson's figures: two statements (versions, then the streamed responses)."""
    versions = version_infos(lesson_id)
    return analyse(stream_responses(lesson_id, attempt_set), versions, attempt_set)


def analysed_attempts(lesson_id: int, attempt_set: str) -> Select:
    """The attempts an attempt set analyses, as a subquery-ready SELECT (id, is_demo).

    Graded attempts of learners; demo learners only when no real learner has a
    graded attempt here. First, last and highest pick one attempt per learner by
    a window function (highest: the best percentage, the earliest of equals).
    """
    real_exists = exists().where(
        Attempt.lesson_id == lesson_id,
        Attempt.state == STATE_SUBMITTED,
        Attempt.user_id == User.id,
        User.role == ROLE_LEARNER,
        User.is_demo.is_(False),
    )
    percent = case(
        (Attempt.max_score > 0, Attempt.score.cast(Float) / Attempt.max_score), else_=0.0
    )
    order = {
        "first": (Attempt.number.asc(), Attempt.id.asc()),
        "last": (Attempt.number.desc(), Attempt.id.desc()),
        "highest": (percent.desc(), Attempt.number.asc(), Attempt.id.asc()),
    }.get(attempt_set, (Attempt.number.asc(),))
    ranked = (
        select(
            Attempt.id.label("id"),
            User.is_demo.label("is_demo"),
            func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("rank"),
        )
        .join(User, User.id == Attempt.user_id)
        .where(
            Attempt.lesson_id == lesson_id,
            Attempt.state == STATE_SUBMITTED,
            User.role == ROLE_LEARNER,
            User.is_demo.is_(False) | ~real_exists.correlate(None),
        )
    )
    if attempt_set == "all":
        return ranked
    chosen = ranked.subquery()
    return select(chosen.c.id, chosen.c.is_demo, chosen.c.rank).where(chosen.c.rank == 1)


def stream_responses(lesson_id: int, attempt_set: str) -> Iterator[ResponseRow]:
    """Yield every response of the analysed attempts, grouped by attempt (one statement)."""
    chosen = analysed_attempts(lesson_id, attempt_set).subquery()
    query = (
        select(
            Response.attempt_id,
            chosen.c.is_demo,
            Response.question_version_id,
            Response.points,
            Response.answer,
        )
        .join(chosen, chosen.c.id == Response.attempt_id)
        .order_by(Response.attempt_id, Response.position)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in db.session.execute(query):
        yield ResponseRow(row[0], bool(row[1]), row[2], row[3], row[4])


def version_infos(lesson_id: int) -> dict[int, VersionInfo]:
    """Read every question version answered in the lesson's attempts (one statement)."""
    answered = (
        select(Response.question_version_id)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .where(Attempt.lesson_id == lesson_id)
        .distinct()
    )
    query = (
        select(QuestionVersion, Question.uid, Question.position)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(answered))
    )
    return {
        version.id: _info(version, uid, position)
        for version, uid, position in db.session.execute(query)
    }


def _info(version: QuestionVersion, uid: str, position: int) -> VersionInfo:
    options: tuple[tuple[str, str], ...] = ()
    keys: frozenset[str] = frozenset()
    if version.type in CHOICE_TYPES:
        data = version.to_data()
        if version.type == "truefalse":
            options = (("True", "True"), ("False", "False"))
            keys = frozenset({"True" if data.correct else "False"})
        else:
            options = tuple((option_label(i), c.text) for i, c in enumerate(data.choices))
            keys = frozenset(option_label(i) for i, c in enumerate(data.choices) if c.fraction > 0)
    answer_of_pair: dict[int, int] = {}
    if version.type == "matching":
        options, keys, answer_of_pair = _matching_options(version.to_data())
    return VersionInfo(
        version.id, version.question_id, uid, position, version.number, version.type,
        version.title, version.points, options, keys, answer_of_pair,
    )  # fmt: skip


def _matching_options(
    data: QuestionData,
) -> tuple[tuple[tuple[str, str], ...], frozenset[str], dict[int, int]]:
    """Every row × answer as an option ("1→B": row 1 matched with answer B), and the keys."""
    letters: dict[str, int] = {}
    answer_of_pair: dict[int, int] = {}
    for index, pair in enumerate(data.pairs):
        answer_of_pair[index] = letters.setdefault(pair.right, len(letters))
    texts = {letter: right for right, letter in letters.items()}
    options: list[tuple[str, str]] = []
    keys: set[str] = set()
    for position, row in enumerate(matching_rows(data)):
        left = data.pairs[row].left
        for letter in range(len(letters)):
            label = matching_label(position, letter)
            options.append((label, f"{left} → {texts[letter]}"))
            if letter == answer_of_pair[row]:
                keys.add(label)
    return tuple(options), frozenset(keys), answer_of_pair


def store_statistics(lesson_id: int, attempt_set: str, revision: int, figures: dict) -> None:
    """Store the figures unless a row at a newer revision is already there (one upsert)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {
        "lesson_id": lesson_id,
        "attempt_set": attempt_set,
        "graded_revision": revision,
        "figures": figures,
        "flags": flags_by_uid(figures) if attempt_set == FLAGGED_SET else {},
        "computed_at": now_utc(),
    }
    statement = insert(ItemStatistics).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ItemStatistics.lesson_id, ItemStatistics.attempt_set],
            set_={
                key: statement.excluded[key]
                for key in ("graded_revision", "figures", "flags", "computed_at")
            },
            where=ItemStatistics.graded_revision <= statement.excluded.graded_revision,
        )
    )


def bank_flags(lesson_id: int | None = None) -> dict[str, list[str]]:
    """Return the stored flags by question uid, of one lesson or every one (one statement).

    Badges show the flags of the last computed statistics (first attempts); the
    statistics page brings them up to date.
    """
    query = select(ItemStatistics.flags).where(ItemStatistics.attempt_set == FLAGGED_SET)
    if lesson_id is not None:
        query = query.where(ItemStatistics.lesson_id == lesson_id)
    found: dict[str, list[str]] = {}
    for flags in db.session.scalars(query):
        for uid, texts in (flags or {}).items():
            found.setdefault(uid, []).extend(texts)
    return found
