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
from app.quizzes.learner import may_have_overdue_attempt


def close_my_overdue_attempts() -> None:
    """Grade the current learner's attempts whose time ran out (writes only when needed).

    The statement that loaded the learner already said whether one is overdue
    (`app.quizzes.learner`), so a learner with none costs no statement here.
    """
    if not current_user.is_authenticated:
        return
    known = may_have_overdue_attempt()
    if known is False or (known is None and not attempts.overdue_attempt_ids(current_user.id)):
        return
    with unit_of_work():
        attempts.close_overdue_attempts(current_user.id)
