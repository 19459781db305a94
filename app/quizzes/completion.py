"""Course completion: recorded once per learner when every lesson and the final exam are passed.

Every path that can complete a course stores grades through `app.quizzes.grades`
(a submit, overdue grading by a page or by cron, a recompute after a settings
change), and that one place calls `record_completions` for the learners whose
grade it just stored as passed. A fixed number of statements whatever the number
of learners: the lessons (with their settings, the course defaults and their
count of scored questions) in one, the learners' passed and read lessons in one,
and — only when someone completes — one INSERT … ON CONFLICT DO NOTHING (the
unique learner is the guard; a later attempt never deletes the row).

A lesson counts as passed when its stored grade passes, or, having no scored
question and not being the final exam, when the learner has read it (the rule
`app.progress.states.counts_as_passed` shows on the pages).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import User
from app.bank.models import Question, QuestionVersion, is_current_version, is_drawable
from app.course.models import Course, Lesson
from app.course.settings import InvalidSettings, resolve_settings
from app.extensions import db
from app.quizzes.models import Completion, LessonGrade, LessonRead
from app.timeutil import now_utc

CODE_BYTES = 24  # 192 random bits, far above the 128 the certificate needs


def reading_passes(scored_questions: int, final_exam: bool) -> bool:
    """Tell whether reading a lesson passes it: the one rule (pages, completion, locks).

    A lesson with no active scored question has no quiz to pass, so reading it is
    enough; a final exam never is (it draws its questions from the whole course).
    """
    return scored_questions == 0 and not final_exam


def new_code() -> str:
    """Return a random verification code (URL-safe, not derived from any id)."""
    return secrets.token_urlsafe(CODE_BYTES)


def _is_final_exam(defaults: dict[str, Any] | None, overrides: dict[str, Any] | None) -> bool:
    try:
        return resolve_settings(defaults or {}, overrides or {}).final_exam
    except InvalidSettings:
        return bool((overrides or {}).get("final_exam") or (defaults or {}).get("final_exam"))


def lesson_requirements() -> dict[int, bool]:
    """Return each lesson id → whether reading it is enough (no scored question, not final)."""
    scored = (
        select(func.count(Question.id))
        .join(QuestionVersion, is_current_version())
        .where(is_drawable(), Question.lesson_id == Lesson.id)
        .scalar_subquery()
    )
    defaults = select(Course.quiz_defaults).order_by(Course.id).limit(1).scalar_subquery()
    rows = db.session.execute(
        select(Lesson.id, Lesson.quiz_settings, defaults.label("defaults"), scored.label("scored"))
    )
    return {
        row.id: reading_passes(row.scored, _is_final_exam(row.defaults, row.quiz_settings))
        for row in rows
    }


def passed_lessons(user_ids: Iterable[int], reading_enough: dict[int, bool]) -> dict[int, set[int]]:
    """Return, per learner, the lessons that count as passed (one statement).

    `reading_enough` maps every lesson id to whether reading it passes it (from
    `lesson_requirements`, or from the course cache on a page).
    """
    wanted = sorted(set(user_ids))
    done: dict[int, set[int]] = {user_id: set() for user_id in wanted}
    if not wanted:
        return done
    passed = select(LessonGrade.user_id, LessonGrade.lesson_id, literal("passed").label("how"))
    read = select(LessonRead.user_id, LessonRead.lesson_id, literal("read").label("how"))
    for user_id, lesson_id, how in db.session.execute(
        union_all(
            passed.where(LessonGrade.user_id.in_(wanted), LessonGrade.passed.is_(True)),
            read.where(LessonRead.user_id.in_(wanted)),
        )
    ):
        if how == "passed" or reading_enough.get(lesson_id):
            done[user_id].add(lesson_id)
    return done


def completing_learners(user_ids: Iterable[int]) -> list[int]:
    """Return which of these learners have passed every lesson and the final exam (two reads)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    reading_enough = lesson_requirements()
    if not reading_enough:
        return []
    done = passed_lessons(wanted, reading_enough)
    return [user_id for user_id in wanted if done[user_id] >= reading_enough.keys()]


def record_completions(user_ids: Iterable[int]) -> list[int]:
    """Record a completion for each of these learners who completed the course; return them.

    One INSERT … ON CONFLICT DO NOTHING for all of them: a learner already recorded
    keeps their first row (code, time and name), so nothing ever undoes or repeats it.
    """
    completed = completing_learners(user_ids)
    if not completed:
        return []
    now = now_utc()
    rows = [
        {
            "user_id": user_id,
            "code": new_code(),
            "name": select(User.name).where(User.id == user_id).scalar_subquery(),
            "completed_at": now,
        }
        for user_id in completed
    ]
    dialect = db.session.get_bind().dialect.name
    insert: Any = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Completion).values(rows).on_conflict_do_nothing())
    return completed


def completion_of(user_id: int) -> Completion | None:
    """Return the learner's completion, if they completed the course (one query)."""
    return db.session.scalar(select(Completion).where(Completion.user_id == user_id))


def issue_certificate(user_id: int, name: str) -> bool:
    """Issue the learner's certificate under their (confirmed) name, once; True if now issued.

    A conditional UPDATE: a certificate already issued keeps its name and time.
    """
    changed = db.session.execute(
        update(Completion)
        .where(Completion.user_id == user_id, Completion.issued_at.is_(None))
        .values(name=name, issued_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def revoke_certificate(user_id: int) -> bool:
    """Revoke the learner's certificate (once; the first revocation's date stays)."""
    changed = db.session.execute(
        update(Completion)
        .where(Completion.user_id == user_id, Completion.revoked_at.is_(None))
        .values(revoked_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def certificate_by_code(code: str) -> Completion | None:
    """Return the issued certificate with this verification code (one query)."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(
        select(Completion).where(Completion.code == code, Completion.issued_at.is_not(None))
    )
