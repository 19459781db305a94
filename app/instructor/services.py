"""The instructor's work on the bank and the lessons. Services flush; the view's unit of
work commits.

Questions are never deleted or updated in place: an edit adds a version, and
retiring takes a question out of new quizzes while past attempts keep it.
Whatever changes here is marked `edited_in_web`, which `flask course load`
respects (it reports a conflict instead of overwriting).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.bank.model import QuestionData
from app.bank.models import (
    ORIGIN_WEB,
    STATUS_ACTIVE,
    STATUS_RETIRED,
    Question,
    QuestionVersion,
    is_current_version,
    new_version,
)
from app.course.models import Lesson
from app.course.services import (
    LessonText,
    bump_content_revision,
    quiz_defaults,
    set_lesson_text,
    settings_or_defaults,
)
from app.course.settings import InvalidSettings, QuizSettings, changes_grades, resolve_settings
from app.extensions import db
from app.quizzes.grades import recompute_lesson_grades

SEARCH_LIMIT = 200
# The bank filter's value for "no difficulty set".
NO_DIFFICULTY = "none"


# --- reading the bank ------------------------------------------------------------


def find_questions(
    lesson: Lesson | None = None,
    type: str | None = None,
    difficulty: str | None = None,
    status: str | None = None,
    text: str | None = None,
    limit: int | None = None,
) -> list[Question]:
    """Return questions with their current version (and lesson) in one query.

    `text` searches the current title and question text, case-insensitively.
    """
    stmt = (
        select(Question)
        .join(QuestionVersion, is_current_version())
        .join(Lesson, Lesson.id == Question.lesson_id)
        .options(contains_eager(Question.current), contains_eager(Question.lesson))
    )
    if lesson is not None:
        stmt = stmt.where(Question.lesson_id == lesson.id)
    if type:
        stmt = stmt.where(QuestionVersion.type == type)
    if difficulty == NO_DIFFICULTY:
        stmt = stmt.where(QuestionVersion.difficulty.is_(None))
    elif difficulty:
        stmt = stmt.where(QuestionVersion.difficulty == difficulty)
    if status:
        stmt = stmt.where(Question.status == status)
    if text:
        pattern = "%" + _escape_like(text) + "%"
        stmt = stmt.where(
            or_(
                QuestionVersion.prompt.ilike(pattern, escape="\\"),
                QuestionVersion.title.ilike(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(Lesson.position, Question.position, Question.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def lesson_questions(lesson: Lesson) -> list[Question]:
    """Return a lesson's questions with their current versions, in bank order."""
    return find_questions(lesson=lesson)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def question_counts() -> dict[int, tuple[int, int]]:
    """Map each lesson id to (active, all) question counts, in one query."""
    rows = db.session.execute(
        select(
            Question.lesson_id,
            func.count().filter(Question.status == STATUS_ACTIVE),
            func.count(),
        ).group_by(Question.lesson_id)
    )
    return {lesson_id: (active, total) for lesson_id, active, total in rows}


def question_by_uid(uid: str, for_update: bool = False) -> Question | None:
    """Return a question with its current version and lesson; lock it to write."""
    stmt = (
        select(Question)
        .where(Question.uid == uid)
        .options(selectinload(Question.current), selectinload(Question.lesson))
    )
    if for_update:
        stmt = stmt.with_for_update(of=Question).execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def existing_uids(uids: list[str]) -> dict[str, str]:
    """Map each of `uids` already in the bank to the slug of its lesson."""
    if not uids:
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(uids), 500):
        rows = db.session.execute(
            select(Question.uid, Lesson.slug)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .where(Question.uid.in_(uids[start : start + 500]))
        )
        found.update({uid: slug for uid, slug in rows})
    return found


def anchors_in_use(lesson: Lesson) -> dict[str, list[str]]:
    """Map each anchor the lesson's questions point at to those questions' ids."""
    rows = db.session.execute(
        select(QuestionVersion.anchor, Question.uid)
        .join(Question, is_current_version())
        .where(Question.lesson_id == lesson.id, QuestionVersion.anchor.is_not(None))
        .order_by(Question.position, Question.id)
    )
    used: dict[str, list[str]] = {}
    for anchor, uid in rows:
        used.setdefault(anchor, []).append(uid)
    return used


def course_banks() -> dict[str, list[QuestionData]]:
    """Return every lesson's active questions (current versions) by lesson slug, in one query.

    The item-writing linter checks a question against all of them: the final exam
    mixes every lesson's questions.
    """
    banks: dict[str, list[QuestionData]] = {}
    for question in find_questions(status=STATUS_ACTIVE):
        banks.setdefault(question.lesson.slug, []).append(stored_data(question))
    return banks


def stored_data(question: Question, category: str | None = None) -> QuestionData:
    """Return the question's current version as bank data with its id and tags."""
    version = question.current
    data = version.to_data()
    data.id = question.uid
    data.category = category
    data.tags = [f"difficulty-{version.difficulty}"] if version.difficulty else []
    if version.anchor:
        data.tags.append(f"anchor-{version.anchor}")
    if question.status == STATUS_RETIRED:
        data.tags.append(STATUS_RETIRED)
    return data


# --- writing questions -----------------------------------------------------------


def new_uid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def next_position(lesson: Lesson) -> int:
    last = db.session.scalar(
        select(func.max(Question.position)).where(Question.lesson_id == lesson.id)
    )
    return (last or 0) + 1


def create_question(
    lesson: Lesson,
    data: QuestionData,
    author_id: int,
    uid: str | None = None,
    status: str = STATUS_ACTIVE,
    position: int | None = None,
) -> Question:
    """Add a web-authored (or imported) question to a lesson, as its first version."""
    question = Question(
        uid=uid or new_uid("web"),
        lesson_id=lesson.id,
        origin=ORIGIN_WEB,
        status=status,
        position=position if position is not None else next_position(lesson),
        edited_in_web=True,
    )
    db.session.add(question)
    db.session.flush()
    db.session.add(new_version(question, data, number=1, created_by_id=author_id))
    bump_content_revision()
    db.session.flush()
    return question


def edit_question(question: Question, data: QuestionData, author_id: int) -> QuestionVersion:
    """Save an edit as a new version; attempts keep the version they showed."""
    question.current_number += 1
    question.edited_in_web = True
    version = new_version(question, data, number=question.current_number, created_by_id=author_id)
    db.session.add(version)
    bump_content_revision()
    db.session.flush()
    return version


def set_status(question: Question, status: str) -> bool:
    """Retire or reactivate a question; return whether anything changed.

    The question counts as edited in the web, so a later load does not undo it.
    """
    if question.status == status:
        return False
    question.status = status
    question.edited_in_web = True
    bump_content_revision()
    db.session.flush()
    return True


# --- lessons -----------------------------------------------------------------------


def update_lesson_text(lesson: Lesson, text: LessonText) -> None:
    """Store the lesson's new text; loads will no longer overwrite it."""
    set_lesson_text(lesson, text)
    lesson.edited_in_web = True
    bump_content_revision()
    db.session.flush()


@dataclass(frozen=True)
class SettingsChange:
    grades_recomputed: int | None  # None when the grading rule did not change


def update_quiz_settings(lesson: Lesson, values: dict[str, Any]) -> SettingsChange:
    """Store the lesson's settings as overrides of the course defaults.

    Values equal to the course default are not stored, so the lesson keeps
    following the course for them. When the pass mark or the counted-score rule
    changes, every learner's stored grade for the lesson is recomputed.
    """
    before, _ = settings_or_defaults(lesson)
    defaults = quiz_defaults()
    try:
        base = resolve_settings(defaults, {})
    except InvalidSettings:
        base = QuizSettings()
    overrides = {key: value for key, value in values.items() if getattr(base, key) != value}
    for key in ("final_exam",):
        if key in (lesson.quiz_settings or {}):
            overrides[key] = lesson.quiz_settings[key]
    lesson.quiz_settings = overrides
    lesson.edited_in_web = True
    bump_content_revision()
    db.session.flush()
    after = resolve_settings(defaults, overrides)
    if changes_grades(before, after):
        return SettingsChange(grades_recomputed=recompute_lesson_grades(lesson))
    return SettingsChange(grades_recomputed=None)
