"""Practice decks: which questions a learner practises, what is due, and recording a review.

The deck is a rule, not a copy: every question a learner answered wrongly (not `is_right`)
in a graded attempt, counted once per question whatever the version, while the
question is drawable (active, scored). A missed question with no card row is a new
card, due since the attempt that missed it was graded; its first review writes the
card. So every way an attempt gets graded (submit, overdue by a page or by cron, a
recompute) feeds the deck without calling this package, and a retired question leaves
it at once. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.bank.grading import RIGHT_FRACTION
from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.bank.types import display_order
from app.course.models import Course
from app.database import savepoint
from app.extensions import db
from app.practice import scheduling
from app.practice.models import PracticeCard, PracticeReview
from app.quizzes.models import STATE_SUBMITTED, Attempt, Response
from app.timeutil import as_utc, now_utc

RETENTION_KEY = "practice_retention"  # in the course row's `quiz_defaults`


class AlreadyReviewed(Exception):
    """The answer names a review count the card has moved past: it was reviewed already."""


class NotDue(Exception):
    """The card is not due yet: answering it now would tell right from wrong on demand."""


@dataclass(frozen=True)
class DeckCard:
    """A question of the deck as practice shows it: its newest version and its schedule."""

    question_id: int
    lesson_id: int
    version: QuestionVersion
    reviews: int
    state: dict[str, Any] | None
    due: datetime
    due_total: int = 0  # how many cards are due now (filled by `next_due` only)


def _missed(user_id: int):
    """Each question the learner missed in a graded attempt, with when it was first missed."""
    return (
        select(
            QuestionVersion.question_id.label("question_id"),
            func.min(Attempt.submitted_at).label("missed_at"),
        )
        .select_from(Response)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.state == STATE_SUBMITTED,
            Response.fraction < RIGHT_FRACTION,  # not right: `is_right` is the rule
        )
        .group_by(QuestionVersion.question_id)
        .subquery("missed")
    )


def _deck(user_id: int, *columns: Any) -> tuple[Select, Any]:
    """Return the deck's select (drawable missed questions, their cards) and its due column."""
    missed = _missed(user_id)
    due_at = func.coalesce(PracticeCard.due, missed.c.missed_at)
    query = (
        select(*columns)
        .select_from(Question)
        .join(missed, missed.c.question_id == Question.id)
        .join(QuestionVersion, is_current_version())
        .outerjoin(
            PracticeCard,
            and_(PracticeCard.question_id == Question.id, PracticeCard.user_id == user_id),
        )
        .where(is_drawable())
    )
    return query, due_at


def due_count(user_id: int, now: datetime | None = None) -> int:
    """Count the learner's practice questions due now (one statement)."""
    query, due_at = _deck(user_id, func.count())
    return int(db.session.scalar(query.where(due_at <= (now or now_utc()))) or 0)


def _deck_card(row: Any, due_total: int = 0) -> DeckCard:
    return DeckCard(
        question_id=row.question_id,
        lesson_id=row.lesson_id,
        version=row.QuestionVersion,
        reviews=row.reviews or 0,
        state=row.state or None,
        due=as_utc(row.due_at),
        due_total=due_total,
    )


def _card_columns(due_at: Any) -> tuple[Any, ...]:
    return (
        Question.id.label("question_id"),
        Question.lesson_id,
        QuestionVersion,
        PracticeCard.reviews,
        PracticeCard.state,
        due_at.label("due_at"),
    )


def next_due(user_id: int, now: datetime | None = None) -> DeckCard | None:
    """Return the card due longest, with how many are due now (one statement), or None."""
    query, due_at = _deck(user_id)
    query = (
        query.add_columns(*_card_columns(due_at), func.count().over().label("due_total"))
        .where(due_at <= (now or now_utc()))
        .order_by(due_at, Question.id)
        .limit(1)
    )
    row = db.session.execute(query).first()
    return _deck_card(row, row.due_total) if row else None


def next_due_time(user_id: int) -> datetime | None:
    """Return when the learner's next practice card falls due (None for an empty deck)."""
    query, due_at = _deck(user_id)
    value = db.session.scalar(query.add_columns(func.min(due_at)))
    return as_utc(value) if value is not None else None


def deck_card(user_id: int, question_id: int) -> DeckCard | None:
    """Return one question of the learner's deck (None if it is not in the deck)."""
    query, due_at = _deck(user_id)
    row = db.session.execute(
        query.add_columns(*_card_columns(due_at)).where(Question.id == question_id)
    ).first()
    return _deck_card(row) if row else None


def choice_order(user_id: int, card: DeckCard, shuffle: bool) -> list[int]:
    """Return the order practice shows the card's choices in, the same for the page and its answer.

    Seeded by learner, question and review count, so a card shows a new order at each
    review while the answer to one page is read in the order that page showed.
    """
    rng = random.Random(f"{user_id}:{card.question_id}:{card.reviews}")
    return display_order(card.version.to_data(), shuffle, rng)


def practice_retention() -> float:
    """Return the course's desired retention for practice (the default if unset or unusable)."""
    defaults = db.session.scalar(select(Course.quiz_defaults).order_by(Course.id).limit(1))
    return scheduling.usable_retention((defaults or {}).get(RETENTION_KEY))


def set_practice_retention(course: Course, value: float) -> None:
    """Store the course's desired retention (checked by `scheduling.retention_problem`)."""
    problem = scheduling.retention_problem(value)
    if problem:
        raise ValueError(problem)
    course.quiz_defaults = {**(course.quiz_defaults or {}), RETENTION_KEY: float(value)}
    course.edited_in_web = True
    db.session.flush()


def record_review(
    user_id: int,
    card: DeckCard,
    seen_reviews: int,
    answer: Any,
    order: list[int],
    fraction: float,
    now: datetime,
    fuzzing: bool = True,
) -> PracticeReview:
    """Review the card once and log it; raise AlreadyReviewed if stale, NotDue if early.

    The card's review count is its version: a first review inserts the card (the
    unique learner × question constraint refuses a second), later ones update it only
    where the count is still the one the answer saw. A double click or a resent form
    therefore reviews the card once, whichever worker or server gets it.
    """
    if card.reviews != seen_reviews:
        raise AlreadyReviewed
    if card.due > now:  # else right/wrong could be asked again and again, enumerating a key
        raise NotDue
    scheduled = scheduling.review(
        card.state, card.question_id, card.due, fraction, now, practice_retention(), fuzzing
    )
    card_id = _write_card(user_id, card, seen_reviews, scheduled, now)
    review = PracticeReview(
        card_id=card_id,
        user_id=user_id,
        question_version_id=card.version.id,
        number=seen_reviews + 1,
        choice_order=order,
        answer=answer,
        fraction=fraction,
        rating=scheduled.rating,
        reviewed_at=now,
        due_after=scheduled.due,
    )
    try:
        with savepoint():
            db.session.add(review)
    except IntegrityError:
        raise AlreadyReviewed from None
    return review


def _write_card(
    user_id: int, card: DeckCard, seen: int, scheduled: scheduling.Scheduled, now: datetime
) -> int:
    values = {
        "state": scheduled.state,
        "due": scheduled.due,
        "reviews": seen + 1,
        "last_review": now,
    }
    if seen == 0:
        row = PracticeCard(user_id=user_id, question_id=card.question_id, **values)
        try:
            with savepoint():
                db.session.add(row)
        except IntegrityError:
            raise AlreadyReviewed from None
        return row.id
    card_id = db.session.scalar(
        update(PracticeCard)
        .where(
            PracticeCard.user_id == user_id,
            PracticeCard.question_id == card.question_id,
            PracticeCard.reviews == seen,
        )
        .values(**values)
        .returning(PracticeCard.id)
    )
    if card_id is None:
        raise AlreadyReviewed
    return card_id


@dataclass(frozen=True)
class LoadedReview:
    """A practice review with what its feedback page needs, read in one statement."""

    review: PracticeReview
    version: QuestionVersion
    lesson_id: int
    in_exam: bool  # a final exam of this learner drew the question


def load_review(user_id: int, review_id: int, exam_lesson_ids: list[int]) -> LoadedReview | None:
    """Return one of the learner's reviews (None if not theirs), in one statement.

    `in_exam` tells whether one of the learner's attempts at these final exams drew
    the question: its review then follows the final exam's rule too, as a final
    exam's own review does.
    """
    drawn_version = aliased(QuestionVersion)
    in_exam = (
        select(Response.id)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(drawn_version, drawn_version.id == Response.question_version_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.lesson_id.in_(exam_lesson_ids),
            drawn_version.question_id == Question.id,
        )
        .correlate(Question)
        .exists()
    )
    row = db.session.execute(
        select(PracticeReview, QuestionVersion, Question.lesson_id, in_exam.label("in_exam"))
        .join(QuestionVersion, QuestionVersion.id == PracticeReview.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(PracticeReview.id == review_id, PracticeReview.user_id == user_id)
    ).first()
    if row is None:
        return None
    return LoadedReview(row.PracticeReview, row.QuestionVersion, row.lesson_id, bool(row.in_exam))
