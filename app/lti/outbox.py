"""Queue a learner's counted grade for their LMS, in the transaction that stored it.

`grades_stored` (app.quizzes.grades) fires inside every grading transaction (a submit,
overdue grading, a recompute); `queue_scores` answers with one INSERT … SELECT that
writes a pending `lti_score_outbox` row per grade link of those learners for that
lesson. It never commits and never touches the network: `flask lti send-scores`
(app.lti.sending) sends later, so a slow or down LMS never slows a submit, and a
submit that fails rolls its score row back with its grade.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Float, and_, case, insert, literal, select

from app.extensions import db
from app.lti.models import OUTBOX_PENDING, LtiGradeLink, LtiScoreOutbox
from app.quizzes.grades import grades_stored
from app.quizzes.models import LessonGrade
from app.timeutil import now_utc

COMPLETED = "Completed"  # AGS activityProgress: the learner has finished the activity
FULLY_GRADED = "FullyGraded"  # AGS gradingProgress: the score is final
# AGS wants scoreMaximum > 0. A quiz worth no points counts as 0 % in our gradebook
# (app.quizzes.scoring), so it is sent as 0 out of 1: the LMS shows the same 0 %.
EMPTY_QUIZ_MAXIMUM = 1.0


def queue_scores(lesson_id: int, user_ids: list[int] | None = None, **_: Any) -> None:
    """Queue these learners' stored grades for the lesson to every grade link they have.

    One statement whatever the number of learners or links; learners without a link
    cost that statement and nothing more.
    """
    if not user_ids:
        return
    now = now_utc()
    has_points = LessonGrade.max_score > 0
    scores = (
        select(
            LtiGradeLink.id,
            case((has_points, LessonGrade.score), else_=literal(0.0, Float)),
            case((has_points, LessonGrade.max_score), else_=literal(EMPTY_QUIZ_MAXIMUM, Float)),
            literal(COMPLETED),
            literal(FULLY_GRADED),
            literal(now, DateTime(timezone=True)),
            literal(OUTBOX_PENDING),
            literal(0),
            literal(now, DateTime(timezone=True)),
        )
        .select_from(LtiGradeLink)
        .join(
            LessonGrade,
            and_(
                LessonGrade.user_id == LtiGradeLink.user_id,
                LessonGrade.lesson_id == LtiGradeLink.lesson_id,
            ),
        )
        .where(LtiGradeLink.lesson_id == lesson_id, LtiGradeLink.user_id.in_(user_ids))
    )
    columns = ["grade_link_id", "score_given", "score_maximum", "activity_progress",
               "grading_progress", "scored_at", "status", "tries", "next_try_at"]  # fmt: skip
    db.session.execute(insert(LtiScoreOutbox).from_select(columns, scores))


def connect() -> None:
    """Queue scores whenever grades are stored (idempotent: blinker keeps one connection)."""
    grades_stored.connect(_on_grades_stored)


def _on_grades_stored(lesson_id: int, **kwargs: Any) -> None:
    queue_scores(lesson_id, kwargs.get("user_ids"))
