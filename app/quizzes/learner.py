"""The logged-in learner, read with what every page needs to know about them in one statement.

Flask-Login's user loader calls `load_session_user`: the statement that finds the
user by their session token also reads the course's content revision (so the course
cache needs no statement of its own) and whether the learner has a timed attempt
whose time ran out (so pages skip the overdue check when there is none).
"""

from __future__ import annotations

from sqlalchemy import exists, select

from app.auth.models import User
from app.course.cache import note_revision, revision_column
from app.database import request_memo
from app.extensions import db
from app.quizzes.attempts import DEADLINE_GRACE
from app.quizzes.models import STATE_OPEN, Attempt
from app.timeutil import now_utc

_OVERDUE = "has_overdue_attempt"


def load_session_user(token: str) -> User | None:
    """Return the user whose session token this is, noting the revision and overdue state."""
    overdue = exists().where(
        Attempt.user_id == User.id,
        Attempt.state == STATE_OPEN,
        Attempt.deadline.is_not(None),
        Attempt.deadline < now_utc() - DEADLINE_GRACE,
    )
    row = db.session.execute(
        select(User, overdue.label("overdue"), revision_column().label("revision")).where(
            User.session_token == token
        )
    ).first()
    if row is None:
        return None
    note_revision(row.revision)
    request_memo()[_OVERDUE] = bool(row.overdue)
    return row[0]


def may_have_overdue_attempt() -> bool | None:
    """Say whether the user's statement found an overdue attempt (None: not read this way)."""
    return request_memo().get(_OVERDUE)
