"""Scores: grade an attempt's answers, and store the grade that counts per learner and lesson.

Services flush; the caller's unit of work commits (grading happens in the same
transaction as the submission that claimed the attempt).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from app.bank.types import grade
from app.course.models import Lesson
from app.course.services import settings_for
from app.extensions import db
from app.quizzes.models import STATE_SUBMITTED, Attempt, LessonGrade
from app.quizzes.scoring import AttemptScore, counted_grade
from app.timeutil import now_utc


def grade_attempt(attempt: Attempt, submitted_at: datetime) -> None:
    """Score every response of a claimed attempt and store the learner's counted grade."""
    total = 0.0
    for response in attempt.responses:
        question = response.version.to_data()
        result = grade(question, response.answer)
        response.fraction = result.fraction
        response.points = round(result.fraction * question.points, 6)
        total += response.points
    attempt.score = round(total, 6)
    attempt.state = STATE_SUBMITTED
    attempt.submitted_at = submitted_at
    db.session.flush()
    update_lesson_grade(attempt.user_id, attempt.lesson)


def update_lesson_grade(user_id: int, lesson: Lesson) -> None:
    """Store the score that counts for this learner and lesson (same transaction as grading)."""
    _store_grades(lesson, user_id)


def _store_grades(lesson: Lesson, user_id: int | None = None) -> int:
    """Recount the stored grades of one learner, or of every learner, for a lesson.

    A fixed number of statements whatever the number of learners: read their
    graded attempts and existing grade rows, then one batched UPDATE and one
    batched INSERT. Returns how many learners' grades were stored.
    """
    settings = settings_for(lesson)
    attempts = (
        select(Attempt.user_id, Attempt.id, Attempt.score, Attempt.max_score)
        .where(Attempt.lesson_id == lesson.id, Attempt.state == STATE_SUBMITTED)
        .order_by(Attempt.user_id, Attempt.submitted_at, Attempt.id)
    )
    existing = select(LessonGrade.user_id, LessonGrade.id).where(LessonGrade.lesson_id == lesson.id)
    if user_id is not None:
        attempts = attempts.where(Attempt.user_id == user_id)
        existing = existing.where(LessonGrade.user_id == user_id)
    scores: dict[int, list[AttemptScore]] = {} if user_id is None else {user_id: []}
    for row in db.session.execute(attempts):
        scores.setdefault(row.user_id, []).append(
            AttemptScore(row.id, row.score or 0.0, row.max_score)
        )
    grade_ids = {row.user_id: row.id for row in db.session.execute(existing)}
    updates, inserts = [], []
    now = now_utc()
    for learner_id, learner_scores in scores.items():
        counted = counted_grade(learner_scores, settings.counted_score, settings.pass_mark)
        values = {
            "attempt_id": counted.attempt_id,
            "score": counted.score,
            "max_score": counted.max_score,
            "percent": counted.percent,
            "passed": counted.passed,
            "attempts_graded": len(learner_scores),
            "updated_at": now,
        }
        if learner_id in grade_ids:
            updates.append({"id": grade_ids[learner_id], **values})
        else:
            inserts.append({"user_id": learner_id, "lesson_id": lesson.id, **values})
    if updates:
        db.session.execute(update(LessonGrade), updates)
    if inserts:
        db.session.execute(insert(LessonGrade).execution_options(render_nulls=True), inserts)
    return len(scores)


def grades_by_lesson(user_id: int) -> dict[int, LessonGrade]:
    """Return the learner's stored grades keyed by lesson id (one query)."""
    return {
        g.lesson_id: g
        for g in db.session.scalars(select(LessonGrade).where(LessonGrade.user_id == user_id))
    }


def grade_for(user_id: int, lesson_id: int) -> LessonGrade | None:
    """Return the learner's stored grade for one lesson (one query)."""
    return db.session.scalar(
        select(LessonGrade).where(
            LessonGrade.user_id == user_id, LessonGrade.lesson_id == lesson_id
        )
    )


def recompute_lesson_grades(lesson: Lesson) -> int:
    """Re-store every learner's counted grade after the lesson's rule or pass mark changed.

    Returns how many learners' grades were recomputed.
    """
    return _store_grades(lesson)
