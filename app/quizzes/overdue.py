"""Overdue attempts are graded whenever they are next touched.

Pages that show a learner's attempts or progress call this first, so a quiz
whose time ran out while the learner was away is graded from its saved answers
before anything is shown. `flask attempts close-overdue` does the same for all
learners (for cron).
"""

from __future__ import annotations

from flask_login import current_user

from app.database import unit_of_work
from app.quizzes import attempts


def close_my_overdue_attempts() -> None:
    """Grade the current learner's attempts whose time ran out (writes only when needed)."""
    if not current_user.is_authenticated or not attempts.overdue_attempt_ids(current_user.id):
        return
    with unit_of_work():
        attempts.close_overdue_attempts(current_user.id)
