"""What the gradebook shows of the LMS: each learner's score passback, the LMS courses.

One statement each, whatever the number of learners (the page's learner ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.lti.models import (
    OUTBOX_FAILED,
    OUTBOX_SENT,
    LtiContext,
    LtiGradeLink,
    LtiRegistration,
    LtiScoreOutbox,
)
from app.timeutil import as_utc

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Passback:
    """A learner's scores on their way to the LMS: the worst state of their newest rows."""

    state: str  # pending (waiting or being sent), sent, failed
    sent_at: datetime | None  # the latest send, when every score is sent
    last_error: str | None
    tries: int


@dataclass(frozen=True)
class RosterSource:
    id: int
    title: str
    platform: str
    fetched_at: datetime | None


def passback_by_learner(user_ids: list[int]) -> dict[int, Passback]:
    """Each learner's passback state, from the newest outbox row of each of their links."""
    if not user_ids:
        return {}
    newer = aliased(LtiScoreOutbox)
    newest = (
        select(func.max(newer.id))
        .where(newer.grade_link_id == LtiScoreOutbox.grade_link_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            LtiGradeLink.user_id,
            LtiScoreOutbox.status,
            LtiScoreOutbox.sent_at,
            LtiScoreOutbox.last_error,
            LtiScoreOutbox.tries,
        )
        .join(LtiGradeLink, LtiGradeLink.id == LtiScoreOutbox.grade_link_id)
        .where(LtiGradeLink.user_id.in_(user_ids), LtiScoreOutbox.id == newest)
        .order_by(LtiGradeLink.user_id, LtiScoreOutbox.id)
    ).all()
    by_learner: dict[int, list] = {}
    for row in rows:
        by_learner.setdefault(row.user_id, []).append(row)
    return {user_id: combine(found) for user_id, found in by_learner.items()}


def combine(rows: list) -> Passback:
    """One learner's state: failed if any failed, else pending if any waits, else sent."""
    failed = [row for row in rows if row.status == OUTBOX_FAILED]
    waiting = [row for row in rows if row.status not in (OUTBOX_FAILED, OUTBOX_SENT)]
    if failed or waiting:
        worst = (failed or waiting)[-1]
        state = FAILED if failed else PENDING
        return Passback(state, None, worst.last_error, worst.tries)
    sent = max(as_utc(row.sent_at) for row in rows if row.sent_at is not None)
    return Passback(SENT, sent, None, 0)


def roster_sources() -> list[RosterSource]:
    """The LMS courses we were launched from that offer their class list (NRPS)."""
    rows = db.session.execute(
        select(LtiContext.id, LtiContext.title, LtiRegistration.name, LtiContext.roster_fetched_at)
        .join(LtiRegistration, LtiRegistration.id == LtiContext.registration_id)
        .where(LtiContext.memberships_url.is_not(None), LtiContext.memberships_url != "")
        .order_by(LtiRegistration.name, LtiContext.title, LtiContext.id)
    ).all()
    return [
        RosterSource(row.id, row.title, row.name, as_utc(row[3]) if row[3] else None)
        for row in rows
    ]
