"""Stored questions: a stable question and its immutable versions.

The rules every query about questions shares live here: which version of a
question is its current one (`is_current_version`), which questions a quiz can
draw (`is_drawable`), and how a version is made from question data (`new_version`),
whoever makes it (the course loader, the instructor's editor, an import).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from app.bank.model import SCORED_TYPES, QuestionData
from app.bank.rendered import question_html
from app.bank.types import from_stored, payload
from app.extensions import db
from app.rendering import RENDER_VERSION
from app.timeutil import now_utc

STATUS_ACTIVE = "active"
STATUS_RETIRED = "retired"
ORIGIN_FILE = "file"
ORIGIN_WEB = "web"


class Question(db.Model):
    """A question's identity; what it says lives in its versions."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_ACTIVE)
    origin: Mapped[str] = mapped_column(String(10), default=ORIGIN_FILE)
    position: Mapped[int] = mapped_column(default=0)
    current_number: Mapped[int] = mapped_column(default=1)
    # Hash of the question's file text at its last load (None for web-only questions).
    source_hash: Mapped[str | None] = mapped_column(String(64))
    edited_in_web: Mapped[bool] = mapped_column(default=False)

    lesson = relationship("Lesson")
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )
    current: Mapped[QuestionVersion] = relationship(
        primaryjoin=lambda: is_current_version(),
        foreign_keys=lambda: [QuestionVersion.question_id],
        viewonly=True,
        uselist=False,
    )

    def __repr__(self) -> str:
        return f"<Question {self.uid} v{self.current_number}>"


class QuestionVersion(db.Model):
    """What a question said at one time. Never updated: an edit adds a version."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    prompt: Mapped[str] = mapped_column(Text)
    # How its texts are written: markdown (ours), or html / plain / moodle from imports.
    text_format: Mapped[str] = mapped_column(
        String(10), default="markdown", server_default="markdown"
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    points: Mapped[float] = mapped_column(Float, default=1.0)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str | None] = mapped_column(String(10))
    anchor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Item-writing rules this version silences, rule id -> the author's reason. Authoring
    # metadata, not what learners see: a course load updates it in place, never by a new
    # version (see `app.bank.lint.silences`).
    lint_ok: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    # Every authored text of this version rendered to sanitised HTML when it was written
    # (`app.rendering.render_texts`): a derived cache, re-rendered in place when the renderer
    # changes (`render_version`), never a reason for a new version.
    rendered: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    render_version: Mapped[int] = mapped_column(default=0, server_default="0")

    question: Mapped[Question] = relationship(back_populates="versions")

    def to_data(self) -> QuestionData:
        """Return the plain question the graders and renderers work on."""
        return from_stored(
            self.type,
            self.prompt,
            self.payload,
            title=self.title,
            text_format=self.text_format,
            points=self.points,
            general_feedback=self.general_feedback,
            lint_ok=dict(self.lint_ok or {}),
        )

    def __repr__(self) -> str:
        return f"<QuestionVersion {self.question_id} v{self.number}>"


def is_current_version() -> ColumnElement[bool]:
    """Join a question to its current version (the one new quizzes show)."""
    return and_(
        QuestionVersion.question_id == Question.id,
        QuestionVersion.number == Question.current_number,
    )


def is_drawable() -> ColumnElement[bool]:
    """Keep the questions a quiz can draw: active ones whose current version is scored.

    Use it with `is_current_version()` joined.
    """
    return and_(
        Question.status == STATUS_ACTIVE,
        QuestionVersion.type.in_(sorted(SCORED_TYPES)),
    )


def new_version(
    question: Question, data: QuestionData, number: int, created_by_id: int | None = None
) -> QuestionVersion:
    """Return an unsaved version of `question` holding `data`."""
    return QuestionVersion(
        question_id=question.id,
        number=number,
        type=data.type,
        title=data.title,
        prompt=data.prompt,
        text_format=data.text_format,
        payload=payload(data),
        points=data.points,
        general_feedback=data.general_feedback,
        difficulty=data.difficulty,
        anchor=data.anchor,
        created_by_id=created_by_id,
        lint_ok=dict(data.lint_ok),
        rendered=question_html(data),
        render_version=RENDER_VERSION,
    )


def render_version_again(version: QuestionVersion) -> None:
    """Re-render a stored version's texts in place (a newer renderer; never a new version)."""
    version.rendered = question_html(version.to_data())
    version.render_version = RENDER_VERSION
