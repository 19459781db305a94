"""A learner's attempts as plain facts: what My progress and the instructor's learner page list.

One read (`learner_attempts`) and one shape (`AttemptFacts`), so both pages agree on what
an attempt's state, score and percentage are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.quizzes.models import STATE_OPEN, Attempt
from app.timeutil import as_utc


@dataclass(frozen=True)
class AttemptFacts:
    """One attempt of a learner, as pages list it."""

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
        """Return the score as a percentage (None until the attempt is graded)."""
        if not self.graded:
            return None
        return 100.0 * (self.score or 0.0) / self.max_score if self.max_score else 0.0


def learner_attempts(user_id: int) -> list[AttemptFacts]:
    """Return every attempt of one learner, by lesson and then oldest first (one statement)."""
    query = (
        select(
            Attempt.id,
            Attempt.lesson_id,
            Attempt.number,
            Attempt.state,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.score,
            Attempt.max_score,
        )
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.lesson_id, Attempt.number, Attempt.id)
    )
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
