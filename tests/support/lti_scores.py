"""Learners linked to an LMS line item, taking quizzes, and the score outbox as tests read it."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.course.models import Lesson
from app.database import unit_of_work
from app.extensions import db
from app.lti.models import LtiGradeLink, LtiScoreOutbox
from app.quizzes.models import Attempt
from app.timeutil import now_utc
from tests.support.answers import form_answers
from tests.support.forms import quiz_fields, start_quiz
from tests.support.people import log_in, make_user


def link_learner(
    client: FlaskClient, email: str, registration_id: int, lineitem_url: str,
    slug: str = "first-lesson",
) -> int:  # fmt: skip
    """A learner logged in on `client` whose grade for the lesson goes to an AGS line item."""
    user = make_user(email)
    log_in(client, email)
    with unit_of_work():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == slug))
        db.session.add(
            LtiGradeLink(
                registration_id=registration_id,
                user_id=user.id,
                lesson_id=lesson_id,
                lineitem_url=lineitem_url,
                subject=f"lms-user-{user.id}",
            )
        )
        user_id = user.id
    return user_id


def score_in_outbox(
    registration_id: int, user_id: int, lesson_id: int, *, subject: str, lineitem_url: str,
    status: str, tries: int, error: str | None, score_given: float = 80.0,
) -> None:  # fmt: skip
    """A learner's grade link and one score in the outbox as the sender left it: sent,
    waiting after a failed try, or failed with the LMS's error (in the caller's unit of work)."""
    link = LtiGradeLink(
        registration_id=registration_id,
        user_id=user_id,
        lesson_id=lesson_id,
        lineitem_url=lineitem_url,
        subject=subject,
    )
    db.session.add(link)
    db.session.flush()
    db.session.add(
        LtiScoreOutbox(
            grade_link_id=link.id,
            score_given=score_given,
            score_maximum=100.0,
            activity_progress="Completed",
            grading_progress="FullyGraded",
            scored_at=now_utc(),
            status=status,
            tries=tries,
            last_error=error,
            sent_at=now_utc() if status == "sent" else None,
        )
    )


def take_quiz(client: FlaskClient, slug: str = "first-lesson", right: bool = True):
    """Start the lesson's quiz, answer every question right (or wrong) and submit it."""
    url = start_quiz(client, slug)
    attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
    answers = form_answers(attempt, right=right)
    db.session.rollback()
    return client.post(url + "/submit", data={**quiz_fields(client, url), **answers})


def outbox_rows() -> list[LtiScoreOutbox]:
    db.session.rollback()
    return list(db.session.scalars(select(LtiScoreOutbox).order_by(LtiScoreOutbox.id)))


def time_passes(minutes: float) -> None:
    """Every waiting row (backoff, or a dead sender's lease) comes `minutes` closer to due."""
    with unit_of_work():  # in Python: SQLite has no datetime arithmetic
        rows = db.session.execute(select(LtiScoreOutbox.id, LtiScoreOutbox.next_try_at)).all()
        if rows:
            earlier = [
                {"id": row.id, "next_try_at": row.next_try_at - timedelta(minutes=minutes)}
                for row in rows
            ]
            db.session.execute(update(LtiScoreOutbox), earlier)
