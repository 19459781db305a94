"""How many attempts a learner may take, and the extra attempts an instructor gives.

`extra_attempts` is the one lookup of a learner's allowance and `attempt_limit_for`
the one place it meets the lesson's limit; every page uses them (the start check,
the lesson page's "attempts left", later the gradebook). The arithmetic is the pure
`app.quizzes.quota`. Services flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.course.settings import QuizSettings
from app.database import savepoint
from app.extensions import db
from app.quizzes.models import Attempt, AttemptAllowance
from app.quizzes.quota import attempt_limit, attempts_left
from app.timeutil import now_utc


def extra_attempts(user_id: int, lesson_id: int) -> int:
    """Return how many attempts this learner was given over the lesson's limit."""
    extra = db.session.scalar(
        select(AttemptAllowance.extra).where(
            AttemptAllowance.user_id == user_id, AttemptAllowance.lesson_id == lesson_id
        )
    )
    return extra or 0


def extra_attempts_by_lesson(user_id: int) -> dict[int, int]:
    """Return the learner's extra attempts in every lesson they were given some (one query)."""
    rows = db.session.execute(
        select(AttemptAllowance.lesson_id, AttemptAllowance.extra).where(
            AttemptAllowance.user_id == user_id
        )
    )
    return {lesson_id: extra for lesson_id, extra in rows}


def next_attempt_number(user_id: int, lesson_id: int) -> int:
    """Return the number the learner's next attempt at the lesson would take."""
    highest = db.session.scalar(
        select(func.max(Attempt.number)).where(
            Attempt.user_id == user_id, Attempt.lesson_id == lesson_id
        )
    )
    return (highest or 0) + 1


def attempt_limit_for(user_id: int, lesson_id: int, settings: QuizSettings) -> int | None:
    """Return how many attempts this learner may take at the lesson (None: no limit)."""
    return attempt_limit(settings.max_attempts, extra_attempts(user_id, lesson_id))


def attempts_left_for(user_id: int, lesson_id: int, settings: QuizSettings) -> int | None:
    """Return how many more attempts the learner may start (None: no limit)."""
    if not settings.max_attempts:
        return None  # no statement spent on a lesson without a limit
    mine = (Attempt.user_id == user_id, Attempt.lesson_id == lesson_id)
    started, extra = db.session.execute(
        select(
            select(func.max(Attempt.number)).where(*mine).scalar_subquery(),
            select(AttemptAllowance.extra)
            .where(AttemptAllowance.user_id == user_id, AttemptAllowance.lesson_id == lesson_id)
            .scalar_subquery(),
        )
    ).one()  # one statement: the lesson page's budget has room for one
    return attempts_left(started or 0, attempt_limit(settings.max_attempts, extra or 0))


def grant_extra_attempts(user_id: int, lesson_id: int, extra: int = 1) -> int:
    """Give the learner `extra` more attempts at the lesson; return their new total.

    One conditional statement adds to an existing allowance; the first grant inserts
    the row in a savepoint, and if a concurrent grant inserted it first (the unique
    constraint on learner and lesson) the addition is made to that row instead.
    """
    if extra < 1:
        raise ValueError("extra attempts must be at least 1")
    for _ in range(2):
        if _add_to_allowance(user_id, lesson_id, extra):
            return extra_attempts(user_id, lesson_id)
        try:
            with savepoint():
                db.session.add(AttemptAllowance(user_id=user_id, lesson_id=lesson_id, extra=extra))
            return extra
        except IntegrityError:
            continue  # another grant created the row between our UPDATE and INSERT
    raise RuntimeError("the allowance row could neither be updated nor inserted")


def _add_to_allowance(user_id: int, lesson_id: int, extra: int) -> bool:
    changed = db.session.execute(
        update(AttemptAllowance)
        .where(AttemptAllowance.user_id == user_id, AttemptAllowance.lesson_id == lesson_id)
        .values(extra=AttemptAllowance.extra + extra, updated_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1
