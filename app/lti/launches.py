"""What a verified resource-link launch leaves behind: the LMS course and the grade link.

A quiz launched with an AGS line item gets a grade link (registration, line item,
learner), so the learner's counted grade for that lesson goes back to that column; when
the link is new, a grade the learner already has is queued at once (the column shows it
without waiting for another submit). The LMS course is noted with its roster URL (NRPS)
when the launch offers one. Upserts by the tables' unique keys, so launching twice
changes nothing but what the LMS updated. Services flush; the launch view's unit of
work commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import User
from app.course.models import Lesson
from app.extensions import db
from app.lti.claims import LaunchClaims
from app.lti.models import LtiContext, LtiGradeLink, LtiRegistration
from app.lti.outbox import queue_scores
from app.lti.targets import QUIZ, Target


def record_launch(
    registration: LtiRegistration, claims: LaunchClaims, user: User, target: Target
) -> None:
    """Note the LMS course and, for a quiz with a line item, the grade link (flushes)."""
    if claims.context_id is not None:
        _upsert_context(registration, claims)
    if target.kind == QUIZ and claims.lineitem is not None:
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == target.slug))
        if lesson_id is not None:  # no such lesson: the page says so (404), no link
            new = not _has_grade_link(registration, claims, user)
            _upsert_grade_link(registration, claims, user, lesson_id)
            if new:  # a grade stored before the LMS had this column goes there now
                queue_scores(lesson_id, [user.id])
    db.session.flush()


def _has_grade_link(registration: LtiRegistration, claims: LaunchClaims, user: User) -> bool:
    return (
        db.session.scalar(
            select(LtiGradeLink.id).where(
                LtiGradeLink.registration_id == registration.id,
                LtiGradeLink.lineitem_url == claims.lineitem,
                LtiGradeLink.user_id == user.id,
            )
        )
        is not None
    )


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def _upsert_context(registration: LtiRegistration, claims: LaunchClaims) -> None:
    statement = _insert()(LtiContext).values(
        registration_id=registration.id,
        context_id=claims.context_id,
        title=claims.context_title,
        memberships_url=claims.memberships_url,
    )
    updated = {"title": statement.excluded.title}
    if claims.memberships_url is not None:  # a launch without the roster claim keeps the URL
        updated["memberships_url"] = statement.excluded.memberships_url
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[LtiContext.registration_id, LtiContext.context_id], set_=updated
        )
    )


def _upsert_grade_link(
    registration: LtiRegistration, claims: LaunchClaims, user: User, lesson_id: int
) -> None:
    statement = _insert()(LtiGradeLink).values(
        registration_id=registration.id,
        user_id=user.id,
        lesson_id=lesson_id,
        lineitem_url=claims.lineitem,
        subject=claims.subject,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[
                LtiGradeLink.registration_id,
                LtiGradeLink.lineitem_url,
                LtiGradeLink.user_id,
            ],
            set_={"lesson_id": statement.excluded.lesson_id, "subject": statement.excluded.subject},
        )
    )
