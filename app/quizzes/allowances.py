"""Extra attempts: an instructor lets one learner try a lesson's quiz more times.

`extra_attempts` is the one lookup every page uses (the start check, the lesson
page's "attempts left", later the gradebook). Services flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.database import savepoint
from app.extensions import db
from app.quizzes.models import AttemptAllowance
from app.timeutil import now_utc


def extra_attempts(user_id: int, lesson_id: int) -> int:
    """Return how many attempts this learner was given over the lesson's limit."""
    extra = db.session.scalar(
        select(AttemptAllowance.extra).where(
            AttemptAllowance.user_id == user_id, AttemptAllowance.lesson_id == lesson_id
        )
    )
    return extra or 0


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
