"""Authoring: questions written in the web become new immutable versions."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.bank.model import Choice, QuestionData
from app.bank.models import ORIGIN_WEB, Question
from app.course.loading import new_version
from app.course.models import Lesson
from app.extensions import db


def lesson_questions(lesson: Lesson) -> list[Question]:
    """Return a lesson's questions with their current versions (two queries)."""
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.lesson_id == lesson.id)
            .options(selectinload(Question.current))
            .order_by(Question.position, Question.id)
        )
    )


def question_by_uid(uid: str) -> Question | None:
    return db.session.scalar(
        select(Question).where(Question.uid == uid).options(selectinload(Question.current))
    )


def single_choice_data(
    prompt: str,
    title: str,
    choices: list[tuple[str, str]],
    correct_index: int,
    general_feedback: str,
    difficulty: str,
    anchor: str | None,
) -> QuestionData:
    """Build a single-choice question from form rows of (text, feedback)."""
    kept: list[Choice] = []
    for index, (text, feedback) in enumerate(choices):
        if text.strip():
            kept.append(
                Choice(text.strip(), 1.0 if index == correct_index else 0.0, feedback.strip())
            )
    tags = [f"difficulty-{difficulty}"] + ([f"anchor-{anchor}"] if anchor else [])
    return QuestionData(
        type="single",
        prompt=prompt.strip(),
        title=title.strip(),
        choices=kept,
        general_feedback=general_feedback.strip(),
        tags=tags,
    )


def create_question(lesson: Lesson, data: QuestionData, author_id: int) -> Question:
    """Add a web-authored question to a lesson, as its first version."""
    last = db.session.scalar(
        select(Question.position)
        .where(Question.lesson_id == lesson.id)
        .order_by(Question.position.desc())
        .limit(1)
    )
    question = Question(
        uid=f"web-{secrets.token_hex(6)}",
        lesson_id=lesson.id,
        origin=ORIGIN_WEB,
        position=(last or 0) + 1,
        edited_in_web=True,
    )
    db.session.add(question)
    db.session.flush()
    db.session.add(new_version(question, data, number=1, created_by_id=author_id))
    db.session.flush()
    return question


def edit_question(question: Question, data: QuestionData, author_id: int) -> None:
    """Save an edit as a new version; attempts keep the version they showed."""
    question.current_number += 1
    question.edited_in_web = True
    db.session.add(
        new_version(question, data, number=question.current_number, created_by_id=author_id)
    )
    db.session.flush()
