"""Quiz attempts: start one, save and submit its answers exactly once, close overdue ones.

Services flush; the caller's unit of work commits. Scores are computed by
`app.quizzes.grades`, and what a learner sees afterwards by `app.quizzes.review`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.bank.types import display_order, question_type
from app.bank.types.base import FormValues, field_name
from app.course.models import Lesson
from app.course.settings import QuizSettings
from app.database import savepoint
from app.extensions import db
from app.quizzes.allowances import attempt_limit_for, next_attempt_number
from app.quizzes.drawing import draw_versions
from app.quizzes.grades import grade_attempt, score_answers, store_graded_answers
from app.quizzes.models import STATE_OPEN, STATE_SUBMITTED, Attempt, Response
from app.quizzes.quota import limit_reached_message, may_start
from app.timeutil import as_utc, now_utc


class QuizUnavailable(Exception):
    """The learner cannot start this quiz now; the message says why."""


def open_attempt(user_id: int, lesson_id: int) -> Attempt | None:
    """Return the learner's open attempt at this lesson, if any."""
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.lesson_id == lesson_id)
        .where(Attempt.state == STATE_OPEN)
        .order_by(Attempt.id)
        .limit(1)
    )


# A request that keeps losing races to starts that are then at once submitted gives up.
START_TRIES = 3


class LostStartRace(Exception):
    """Another request stored this attempt number, or an open attempt, first."""


class LimitReached(QuizUnavailable):
    """The learner has started as many attempts as the limit (plus allowances) allows."""


def start_or_resume(
    user_id: int, lesson: Lesson, settings: QuizSettings, rng: random.Random | None = None
) -> Attempt:
    """Return the learner's open attempt at the lesson, or start one if the limit allows.

    Race-free: the database lets one of several racing requests store the attempt
    (unique numbers, one open attempt per learner and lesson); the others are given
    the winner's open attempt. Raises QuizUnavailable with the reason a start is refused.
    """
    for _ in range(START_TRIES):
        attempt = open_attempt(user_id, lesson.id)
        if attempt is not None:
            return attempt
        try:
            return start_attempt(user_id, lesson, settings, rng)
        except LostStartRace:
            continue  # read again: the winner's attempt, or the next number and the limit
        except LimitReached:
            # A racing request may have started the last allowed attempt after our first
            # look: its number counts against the limit, and the learner is sent to it.
            attempt = open_attempt(user_id, lesson.id)
            if attempt is not None:
                return attempt
            raise
    raise QuizUnavailable("Too many requests started this quiz at once. Please try again.")


def start_attempt(
    user_id: int, lesson: Lesson, settings: QuizSettings, rng: random.Random | None = None
) -> Attempt:
    """Create an attempt that fixes its questions, their order and their choice order.

    The limit compares the next attempt number with the lesson's limit plus the
    learner's extra attempts. The number is unique per learner and lesson and at
    most one attempt is open, both in the database, so when two requests read the
    same next number only one INSERT succeeds; the other raises LostStartRace
    (in a savepoint: the caller's unit of work goes on).
    """
    rng = rng or random.SystemRandom()
    number = next_attempt_number(user_id, lesson.id)
    limit = attempt_limit_for(user_id, lesson.id, settings)
    if not may_start(number, limit):
        raise LimitReached(limit_reached_message(limit or 0))
    versions = _draw_questions(lesson, settings, rng)
    if not versions:
        raise QuizUnavailable("This quiz has no questions yet.")
    started = now_utc()
    attempt = Attempt(
        user_id=user_id,
        lesson_id=lesson.id,
        number=number,
        state=STATE_OPEN,
        started_at=started,
        deadline=(
            started + timedelta(minutes=settings.time_limit_minutes)
            if settings.time_limit_minutes
            else None
        ),
        seed=rng.randrange(2**31),
        max_score=sum(v.points for v in versions),
    )
    try:
        with savepoint():
            db.session.add(attempt)
    except IntegrityError as error:
        raise LostStartRace() from error
    for position, version in enumerate(versions, start=1):
        order = display_order(version.to_data(), settings.shuffle_choices, rng)
        db.session.add(
            Response(
                attempt_id=attempt.id,
                position=position,
                question_version_id=version.id,
                choice_order=order,
            )
        )
    db.session.flush()
    return attempt


def _active_scored_versions(lesson_ids: list[int]) -> list[tuple[int, QuestionVersion]]:
    rows = db.session.execute(
        select(Question.lesson_id, QuestionVersion)
        .join(QuestionVersion, is_current_version())
        .where(Question.lesson_id.in_(lesson_ids), is_drawable())
        .order_by(Question.lesson_id, Question.position, Question.id)
    )
    return [(lesson_id, version) for lesson_id, version in rows]


def _draw_questions(
    lesson: Lesson, settings: QuizSettings, rng: random.Random
) -> list[QuestionVersion]:
    return draw_versions(question_pool(lesson, settings), settings, rng)


def question_pool(lesson: Lesson, settings: QuizSettings) -> list[tuple[int, QuestionVersion]]:
    """Read the (lesson id, version) pairs a quiz draws from (the final exam: other lessons)."""
    if settings.final_exam:
        other_ids = list(db.session.scalars(select(Lesson.id).where(Lesson.id != lesson.id)))
        return _active_scored_versions(other_ids)
    return _active_scored_versions([lesson.id])


def load_attempt_for(user_id: int, attempt_id: int, with_lesson: bool = False) -> Attempt | None:
    """Return the attempt only if it belongs to this learner (others' are invisible).

    One statement: the attempt joined to its responses and their versions (and its
    lesson row, for the write paths that grade; pages take the lesson from the cache).
    """
    options = [joinedload(Attempt.responses).joinedload(Response.version)]
    if with_lesson:
        options.append(joinedload(Attempt.lesson))
    return (
        db.session.scalars(
            select(Attempt)
            .where(Attempt.id == attempt_id, Attempt.user_id == user_id)
            .options(*options)
        )
        .unique()
        .first()
    )


def read_answers(attempt: Attempt, form: FormValues) -> dict[int, Any]:
    """Read every question's answer from a submitted form (raises MalformedAnswer)."""
    answers = {}
    for response in attempt.responses:
        question = response.version.to_data()
        kind = question_type(question.type)
        answers[response.position] = kind.read_answer(
            form, field_name(response.position), question, response.choice_order
        )
    return answers


# Answers that arrive this long after the deadline still count (network, slow clicks).
DEADLINE_GRACE = timedelta(seconds=30)


class StaleSave(Exception):
    """The answers come from an older copy of the quiz page; a newer save exists."""


class AttemptClosed(Exception):
    """The attempt no longer takes answers (submitted, or its time is up)."""

    def __init__(self, message: str, graded_now: bool = False) -> None:
        super().__init__(message)
        self.graded_now = graded_now


@dataclass(frozen=True)
class SubmitOutcome:
    graded_now: bool
    overdue: bool = False


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    """Tell whether the attempt's time (plus the grace) has run out."""
    return attempt.deadline is not None and now > as_utc(attempt.deadline) + DEADLINE_GRACE


def save_answers(
    attempt: Attempt, answers: dict[int, Any], seq: int, now: datetime | None = None
) -> int:
    """Store the learner's current answers and return the page's new sequence number.

    The sequence number is an optimistic lock: the UPDATE only matches while
    the attempt is open and still at the number the page was built with, so a
    save from an older copy of the page (another tab) never overwrites a newer one.
    """
    now = now or now_utc()
    if attempt.is_open and is_overdue(attempt, now):
        _claim_and_grade(attempt, now)
        raise AttemptClosed(
            "Time is up: answers sent after the time limit are not accepted. "
            "Your answers saved before then have been graded.",
            graded_now=True,
        )
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == STATE_OPEN, Attempt.save_seq == seq)
        .values(save_seq=Attempt.save_seq + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(attempt)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has already been submitted.")
        raise StaleSave(
            "These answers come from an older copy of this quiz (perhaps another tab). "
            "Reload the quiz to see your latest saved answers."
        )
    store_answers(attempt, answers)
    return seq + 1


def store_answers(attempt: Attempt, answers: dict[int, Any]) -> None:
    """Store every response's answer in one statement (an UPDATE by primary key, executemany)."""
    rows = [
        {"id": response.id, "answer": answers.get(response.position)}
        for response in attempt.responses
    ]
    if rows:
        db.session.execute(update(Response), rows)
    for response in attempt.responses:  # the loaded rows now say what the database says
        set_committed_value(response, "answer", answers.get(response.position))


def submit_attempt(
    attempt: Attempt,
    answers: dict[int, Any] | None,
    seq: int | None = None,
    now: datetime | None = None,
) -> SubmitOutcome:
    """Grade the attempt exactly once; a repeated or racing submission changes nothing.

    The state change is a conditional UPDATE, so two requests racing (double
    clicks, two tabs, two servers) cannot both pass: the database lets one row
    change from open to submitted, and only that request grades. `answers`
    (from the submitted page, at sequence number `seq`) replace the saved ones;
    after the deadline they are ignored and the saved answers are graded.
    """
    now = now or now_utc()
    if attempt.is_open and is_overdue(attempt, now):
        graded = _claim_and_grade(attempt, now)
        return SubmitOutcome(graded_now=graded, overdue=True)
    if answers is None:
        answers = {response.position: response.answer for response in attempt.responses}
    graded = score_answers(attempt, answers)  # pure: nothing changes unless the claim wins
    condition = [Attempt.id == attempt.id, Attempt.state == STATE_OPEN]
    if seq is not None:
        condition.append(Attempt.save_seq == seq)
    claimed = db.session.execute(
        update(Attempt)
        .where(*condition)
        .values(
            state=STATE_SUBMITTED,
            submitted_at=now,
            score=graded.score,
            save_seq=Attempt.save_seq + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(attempt)
        if attempt.is_open:
            raise StaleSave(
                "This page is older than your latest saved answers (perhaps from another tab). "
                "Nothing from it was saved: reload the quiz, check your answers and submit again."
            )
        return SubmitOutcome(graded_now=False)
    store_graded_answers(attempt, graded, now)
    return SubmitOutcome(graded_now=True)


def _claim_and_grade(attempt: Attempt, now: datetime) -> bool:
    """Close an overdue attempt and grade its saved answers, unless someone else did."""
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == STATE_OPEN)
        .values(state=STATE_SUBMITTED, submitted_at=attempt.deadline or now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(attempt)
        return False
    grade_attempt(attempt, attempt.deadline or now)
    return True


def overdue_attempt_ids(user_id: int | None = None, now: datetime | None = None) -> list[int]:
    """List open attempts whose time ran out (one query; all learners when user_id is None)."""
    now = now or now_utc()
    query = select(Attempt.id).where(
        Attempt.state == STATE_OPEN,
        Attempt.deadline.is_not(None),
        Attempt.deadline < now - DEADLINE_GRACE,
    )
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    return list(db.session.scalars(query.order_by(Attempt.id)))


def close_overdue_attempts(user_id: int | None = None, now: datetime | None = None) -> int:
    """Grade every overdue attempt from its saved answers; return how many were graded."""
    now = now or now_utc()
    graded = 0
    for attempt_id in overdue_attempt_ids(user_id, now):
        attempt = db.session.scalar(
            select(Attempt)
            .where(Attempt.id == attempt_id)
            .options(selectinload(Attempt.responses).selectinload(Response.version))
        )
        if attempt is not None and attempt.is_open and _claim_and_grade(attempt, now):
            graded += 1
    return graded
