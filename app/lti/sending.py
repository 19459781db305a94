"""`flask lti send-scores`: send the score outbox to the platforms (AGS), never losing one.

A run repeats: supersede (for each grade link only the newest row is sent), claim a
batch of due rows, send each, record each result in its own transaction.

- **Claims** are conditional UPDATEs (`status` pending, or a sending row whose lease
  ran out, and `next_try_at` due): whoever changes the row owns it until its lease
  (`next_try_at`, LEASE from now) passes, so two senders (threads, cron on several
  servers) never send a row at the same time, on SQLite and PostgreSQL alike.
- **Nothing is lost**: claims and results are committed as they happen. A sender
  killed between its POST and its commit leaves the row "sending"; when the lease
  passes another run sends it again, which is harmless (AGS keeps the latest score by
  its timestamp, and the timestamp is the grade's, not the send's).
- **Retries**: a failed row waits 1, 2, 4 … minutes (at most 6 h) and is marked
  failed after MAX_TRIES tries (about 8½ hours of trying); an instructor can retry it.
  When a platform does not answer (timeout, refused, 5xx, 429) the run stops asking it:
  its other rows of the run wait their backoff as if tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from app.database import unit_of_work
from app.extensions import db
from app.lti.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OUTBOX_SUPERSEDED,
    LtiGradeLink,
    LtiScoreOutbox,
)
from app.lti.tool_services import ServiceClient, ServiceError
from app.timeutil import as_utc, now_utc

BATCH_SIZE = 20
# A claimed batch must be sent before its lease passes: 20 rows × (token + POST, each at
# most 5 s to connect and 10 s to read) is 10 minutes at the very worst.
LEASE = timedelta(minutes=15)
MAX_TRIES = 10  # waits of 1, 2, 4 … 256 minutes between them: about 8½ hours in all
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
MAX_BATCHES = 1000  # a run stops after this many batches; the next run goes on
ERROR_LENGTH = 500  # the column's size


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0  # failed this time, to be tried again later
    failed: int = 0  # failed for the last time
    superseded: int = 0

    def line(self) -> str:
        return (
            f"LTI scores: {self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.superseded} superseded by a newer score."
        )


@dataclass(frozen=True)
class ClaimedScore:
    id: int
    tries: int
    registration_id: int
    lineitem_url: str
    payload: dict[str, Any] = field(hash=False)


def backoff(tries: int) -> timedelta:
    """How long a row waits after its `tries`-th failed try: 1, 2, 4 … minutes, at most 6 h."""
    return min(FIRST_DELAY * 2 ** min(max(tries - 1, 0), 20), MAX_DELAY)


def score_payload(row: Any) -> dict[str, Any]:
    """The AGS score body: the learner, the score, progress and the grade's own timestamp."""
    return {
        "userId": row.subject,
        "scoreGiven": row.score_given,
        "scoreMaximum": row.score_maximum,
        "activityProgress": row.activity_progress,
        "gradingProgress": row.grading_progress,
        "timestamp": as_utc(row.scored_at).isoformat(),
    }


def send_scores(client: ServiceClient | None = None, batch_size: int = BATCH_SIZE) -> SendSummary:
    """Send every due score (the newest per grade link); return what happened."""
    client = client or ServiceClient()
    summary = SendSummary()
    down: dict[int, str] = {}  # registration → why it did not answer, in this run
    for _ in range(MAX_BATCHES):
        batch = claim_batch(batch_size, summary)
        if not batch:
            break
        for claimed in batch:
            _send(client, claimed, down, summary)
    return summary


def claim_batch(size: int, summary: SendSummary | None = None) -> list[ClaimedScore]:
    """Supersede older rows, then claim up to `size` due rows for this sender (committed)."""
    now = now_utc()
    with unit_of_work():
        superseded = supersede_older_scores(now)
        if summary is not None:
            summary.superseded += superseded
        due = db.session.scalars(
            select(LtiScoreOutbox.id)
            .where(_claimable(now))
            .order_by(LtiScoreOutbox.next_try_at, LtiScoreOutbox.id)
            .limit(size)
        ).all()
        claimed = [row_id for row_id in due if _claim(row_id, now)]
        if not claimed:
            return []
        rows = db.session.execute(
            select(*_CLAIMED_COLUMNS)
            .join(LtiGradeLink, LtiGradeLink.id == LtiScoreOutbox.grade_link_id)
            .where(LtiScoreOutbox.id.in_(claimed))
            .order_by(LtiScoreOutbox.id)
        ).all()
    return [
        ClaimedScore(row.id, row.tries, row.registration_id, row.lineitem_url, score_payload(row))
        for row in rows
    ]


_CLAIMED_COLUMNS = (
    LtiScoreOutbox.id, LtiScoreOutbox.tries, LtiScoreOutbox.score_given,
    LtiScoreOutbox.score_maximum, LtiScoreOutbox.activity_progress,
    LtiScoreOutbox.grading_progress, LtiScoreOutbox.scored_at,
    LtiGradeLink.registration_id, LtiGradeLink.lineitem_url, LtiGradeLink.subject,
)  # fmt: skip


def _claimable(now: datetime) -> Any:
    """Due pending rows, and sending rows whose sender's lease passed (it died)."""
    return and_(
        LtiScoreOutbox.status.in_((OUTBOX_PENDING, OUTBOX_SENDING)),
        LtiScoreOutbox.next_try_at <= now,
    )


def _claim(row_id: int, now: datetime) -> bool:
    """Take one row for this sender: the conditional UPDATE that changes it wins."""
    result = db.session.execute(
        update(LtiScoreOutbox)
        .where(LtiScoreOutbox.id == row_id, _claimable(now))
        .values(status=OUTBOX_SENDING, next_try_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def supersede_older_scores(now: datetime) -> int:
    """Mark superseded every unsent row that a newer row of the same grade link replaces.

    A row being sent (its lease running) is left to its sender.
    """
    newer = aliased(LtiScoreOutbox)
    result = db.session.execute(
        update(LtiScoreOutbox)
        .where(
            or_(
                LtiScoreOutbox.status.in_((OUTBOX_PENDING, OUTBOX_FAILED)),
                and_(LtiScoreOutbox.status == OUTBOX_SENDING, LtiScoreOutbox.next_try_at <= now),
            ),
            exists().where(
                newer.grade_link_id == LtiScoreOutbox.grade_link_id,
                newer.id > LtiScoreOutbox.id,
            ),
        )
        .values(status=OUTBOX_SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _send(
    client: ServiceClient, claimed: ClaimedScore, down: dict[int, str], summary: SendSummary
) -> None:
    error = down.get(claimed.registration_id)
    if error is None:
        try:
            client.post_score(claimed.registration_id, claimed.lineitem_url, claimed.payload)
        except ServiceError as failure:
            error = str(failure)
            if failure.platform_down:
                down[claimed.registration_id] = f"not tried, the platform failed: {error}"
    if error is None:
        _record_sent(claimed.id)
        summary.sent += 1
    elif _record_failure(claimed, error):
        summary.failed += 1
    else:
        summary.retried += 1


def _record_sent(row_id: int) -> None:
    with unit_of_work():
        db.session.execute(
            update(LtiScoreOutbox)
            .where(LtiScoreOutbox.id == row_id, LtiScoreOutbox.status == OUTBOX_SENDING)
            .values(status=OUTBOX_SENT, sent_at=now_utc(), last_error=None)
            .execution_options(synchronize_session=False)
        )


def _record_failure(claimed: ClaimedScore, error: str) -> bool:
    """Count the failed try; True when it was the last one (the row is now failed)."""
    tries = claimed.tries + 1
    gave_up = tries >= MAX_TRIES
    with unit_of_work():
        db.session.execute(
            update(LtiScoreOutbox)
            .where(LtiScoreOutbox.id == claimed.id, LtiScoreOutbox.status == OUTBOX_SENDING)
            .values(
                status=OUTBOX_FAILED if gave_up else OUTBOX_PENDING,
                tries=tries,
                next_try_at=now_utc() + backoff(tries),
                last_error=trim_error(error),
            )
            .execution_options(synchronize_session=False)
        )
    return gave_up


def trim_error(error: str) -> str:
    """One line, at most the column's length."""
    line = " ".join(error.split())
    return line if len(line) <= ERROR_LENGTH else line[: ERROR_LENGTH - 1] + "…"


def retry_now(user_id: int) -> int:
    """Make the learner's failed and waiting scores due now, with a fresh set of tries.

    Returns how many rows. A row being sent is left to its sender.
    """
    links = select(LtiGradeLink.id).where(LtiGradeLink.user_id == user_id)
    result = db.session.execute(
        update(LtiScoreOutbox)
        .where(
            LtiScoreOutbox.grade_link_id.in_(links),
            LtiScoreOutbox.status.in_((OUTBOX_PENDING, OUTBOX_FAILED)),
        )
        .values(status=OUTBOX_PENDING, tries=0, next_try_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
