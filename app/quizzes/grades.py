"""Scores: grade an attempt's answers, and store the grade that counts per learner and lesson.

Services flush; the caller's unit of work commits (grading happens in the same
transaction as the submission that claimed the attempt).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from app.bank.model import QuestionData
from app.bank.types import grade
from app.course.models import Lesson
from app.course.services import settings_for
from app.extensions import db
from app.quizzes.completion import record_completions
from app.quizzes.models import STATE_SUBMITTED, Attempt, LessonGrade, Response
from app.quizzes.scoring import AttemptScore, counted_grade
from app.timeutil import now_utc

# Sent inside the transaction that stored counted grades, with the lesson's id and the
# learners' ids, after the grade rows are written: a receiver writes what must change
# with them (app.lti.outbox queues the score for the learner's LMS) and never commits.
grades_stored = Namespace().signal("grades-stored")


@dataclass(frozen=True)
class AttemptGrade:
    """An attempt's answers graded in memory (pure graders), before anything is stored."""

    answers: dict[int, Any]  # by response position
    fractions: dict[int, float]
    points: dict[int, float]
    score: float


def score_answers(attempt: Attempt, answers: dict[int, Any]) -> AttemptGrade:
    """Grade every response's answer with the pure graders; change nothing (not even in memory)."""
    fractions, points = {}, {}
    for response in attempt.responses:
        fraction, earned = grade_points(response.version.to_data(), answers.get(response.position))
        fractions[response.position] = fraction
        points[response.position] = earned
    return AttemptGrade(answers, fractions, points, attempt_total(points.values()))


def grade_points(question: QuestionData, answer: Any) -> tuple[float, float]:
    """Grade one answer with its type's pure grader: (fraction, points earned)."""
    result = grade(question, answer)
    return result.fraction, round(result.fraction * question.points, 6)


def attempt_total(points: Iterable[float]) -> float:
    """Add an attempt's points as its stored score does."""
    return round(sum(points), 6)


def store_graded_answers(attempt: Attempt, graded: AttemptGrade, submitted_at: datetime) -> None:
    """Store a claimed attempt's graded answers (one UPDATE of its responses) and its grade.

    The claim (`app.quizzes.attempts`) already stored the attempt's state, time and score.
    """
    rows = [
        {
            "id": response.id,
            "answer": graded.answers.get(response.position),
            "fraction": graded.fractions[response.position],
            "points": graded.points[response.position],
        }
        for response in attempt.responses
    ]
    if rows:
        db.session.execute(update(Response), rows)
    for response, row in zip(attempt.responses, rows, strict=True):  # as the database says now
        for column in ("answer", "fraction", "points"):
            set_committed_value(response, column, row[column])
    set_committed_value(attempt, "score", graded.score)
    set_committed_value(attempt, "state", STATE_SUBMITTED)
    set_committed_value(attempt, "submitted_at", submitted_at)
    update_lesson_grade(attempt.user_id, attempt.lesson)


def grade_attempt(attempt: Attempt, submitted_at: datetime) -> None:
    """Score every response of a claimed attempt and store the learner's counted grade."""
    for response in attempt.responses:
        response.fraction, response.points = grade_points(
            response.version.to_data(), response.answer
        )
    attempt.score = attempt_total(response.points or 0.0 for response in attempt.responses)
    attempt.state = STATE_SUBMITTED
    attempt.submitted_at = submitted_at
    db.session.flush()
    update_lesson_grade(attempt.user_id, attempt.lesson)


def update_lesson_grade(user_id: int, lesson: Lesson) -> None:
    """Store the score that counts for this learner and lesson (same transaction as grading).

    A graded attempt changes the lesson's item statistics too: bump its graded revision
    (one UPDATE) so a stored statistics row computed before is seen as behind.
    """
    _store_grades(lesson, user_id)
    bump_graded_revision([lesson.id])


def bump_graded_revision(lesson_ids: list[int]) -> None:
    """Mark these lessons' stored statistics stale (grading, demo learners added or removed)."""
    db.session.execute(
        update(Lesson)
        .where(Lesson.id.in_(lesson_ids))
        .values(graded_revision=Lesson.graded_revision + 1)
        .execution_options(synchronize_session=False)
    )


def _store_grades(lesson: Lesson, user_id: int | None = None) -> int:
    """Recount the stored grades of one learner, or of every learner, for a lesson.

    A fixed number of statements whatever the number of learners: read their
    graded attempts, then one batched INSERT … ON CONFLICT DO UPDATE (the unique
    (learner, lesson) row is the guard). Returns how many learners' grades were stored.
    """
    settings = settings_for(lesson)
    attempts = (
        select(Attempt.user_id, Attempt.id, Attempt.score, Attempt.max_score)
        .where(Attempt.lesson_id == lesson.id, Attempt.state == STATE_SUBMITTED)
        .order_by(Attempt.user_id, Attempt.submitted_at, Attempt.id)
    )
    if user_id is not None:
        attempts = attempts.where(Attempt.user_id == user_id)
    scores: dict[int, list[AttemptScore]] = {} if user_id is None else {user_id: []}
    for row in db.session.execute(attempts):
        scores.setdefault(row.user_id, []).append(
            AttemptScore(row.id, row.score or 0.0, row.max_score)
        )
    rows = []
    now = now_utc()
    for learner_id, learner_scores in scores.items():
        counted = counted_grade(learner_scores, settings.counted_score, settings.pass_mark)
        rows.append(
            {
                "user_id": learner_id,
                "lesson_id": lesson.id,
                "attempt_id": counted.attempt_id,
                "score": counted.score,
                "max_score": counted.max_score,
                "percent": counted.percent,
                "passed": counted.passed,
                "attempts_graded": len(learner_scores),
                "updated_at": now,
            }
        )
    if rows:  # one INSERT … ON CONFLICT DO UPDATE for every learner (SQLite and PostgreSQL)
        db.session.execute(_upsert_grades(), rows)
    # Every path that stores a grade comes here, so completion is recorded here: only a
    # passed grade can complete the course, so other grades cost no statement.
    record_completions(row["user_id"] for row in rows if row["passed"])
    if rows:
        grades_stored.send(lesson.id, user_ids=[row["user_id"] for row in rows])
    return len(scores)


def _upsert_grades() -> Any:
    """Insert each learner's grade row, or update the one (learner, lesson) already has."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(LessonGrade)
    kept = ("attempt_id", "score", "max_score", "percent", "passed", "attempts_graded",
            "updated_at")  # fmt: skip
    return statement.on_conflict_do_update(
        index_elements=[LessonGrade.user_id, LessonGrade.lesson_id],
        set_={column: statement.excluded[column] for column in kept},
    )


def recompute_lesson_grades(lesson: Lesson) -> int:
    """Re-store every learner's counted grade after the lesson's rule or pass mark changed.

    Returns how many learners' grades were recomputed.
    """
    return _store_grades(lesson)
