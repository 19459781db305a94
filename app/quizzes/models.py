"""Attempts, the answers in them, the grade that counts, lessons read and completions.

Lessons read and completions live here, beside the grades, because grading is what
completes a course (`app.quizzes.completion`); `app.progress` reads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import now_utc

STATE_OPEN = "open"
STATE_SUBMITTED = "submitted"
# An open attempt set aside without grading (a duplicate the 0003 migration found):
# never graded, never counted in a lesson grade, listed as "abandoned".
STATE_ABANDONED = "abandoned"
_OPEN_ONLY = text("state = 'open'")


class Attempt(db.Model):
    """One learner's try at one lesson's quiz; its questions are fixed when it starts."""

    __tablename__ = "attempts"
    # The attempt rules live in the database, so that racing requests (several workers,
    # several servers) cannot break them: attempt numbers are unique per learner and
    # lesson (the limit compares the next number with it), and a learner has at most one
    # open attempt per lesson. `app.quizzes.attempts.start_attempt` relies on both.
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", "number", name="uq_attempts_user_lesson_number"),
        Index(
            "uq_attempts_one_open_per_learner",
            "user_id",
            "lesson_id",
            unique=True,
            sqlite_where=_OPEN_ONLY,
            postgresql_where=_OPEN_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(20), default=STATE_OPEN)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    seed: Mapped[int] = mapped_column(default=0)
    save_seq: Mapped[int] = mapped_column(default=0)

    lesson = relationship("Lesson")
    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", order_by="Response.position"
    )

    @property
    def is_open(self) -> bool:
        return self.state == STATE_OPEN

    @property
    def is_abandoned(self) -> bool:
        return self.state == STATE_ABANDONED

    @property
    def percent(self) -> float:
        if not self.max_score or self.score is None:
            return 0.0
        return 100.0 * self.score / self.max_score

    def __repr__(self) -> str:
        return f"<Attempt {self.id} user={self.user_id} lesson={self.lesson_id} {self.state}>"


class Response(db.Model):
    """One question of an attempt: the version shown, in which order, and the answer."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    # Display order of the choices (or matching answers): indexes into the payload.
    choice_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    answer: Mapped[Any | None] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    version = relationship("QuestionVersion")

    def __repr__(self) -> str:
        return f"<Response attempt={self.attempt_id} #{self.position}>"


class LessonGrade(db.Model):
    """The score that counts for a learner in a lesson, stored when an attempt is graded."""

    __tablename__ = "lesson_grades"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[bool] = mapped_column(default=False)
    attempts_graded: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now_utc, onupdate=now_utc
    )

    lesson = relationship("Lesson")

    def __repr__(self) -> str:
        return f"<LessonGrade user={self.user_id} lesson={self.lesson_id} {self.percent:.0f}%>"


class AttemptAllowance(db.Model):
    """Extra attempts an instructor gave one learner at one lesson, over the lesson's limit."""

    __tablename__ = "attempt_allowances"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    extra: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now_utc, onupdate=now_utc
    )

    def __repr__(self) -> str:
        return f"<AttemptAllowance user={self.user_id} lesson={self.lesson_id} +{self.extra}>"


class ItemStatistics(db.Model):
    """A lesson's item analysis over one attempt set, as of one graded revision.

    `figures` holds everything the statistics page and its exports show; `flags`
    maps a question uid to its flags (first attempts only), for the bank's badges.
    The upsert that stores a row keeps a newer one (`app.quizzes.statistics`).
    """

    __tablename__ = "item_statistics"
    __table_args__ = (
        UniqueConstraint("lesson_id", "attempt_set", name="uq_item_statistics_lesson_set"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    attempt_set: Mapped[str] = mapped_column(String(10))
    graded_revision: Mapped[int]
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    flags: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)

    def __repr__(self) -> str:
        return f"<ItemStatistics {self.lesson_id} {self.attempt_set} r{self.graded_revision}>"


class LessonRead(db.Model):
    """A learner opened a lesson page while logged in (stored once, on the first view)."""

    __tablename__ = "lesson_reads"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", name="uq_lesson_reads_user_lesson"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)

    def __repr__(self) -> str:
        return f"<LessonRead user={self.user_id} lesson={self.lesson_id}>"


class Completion(db.Model):
    """A learner completed the course: recorded once (unique learner), never undone.

    `code` is random (at least 128 bits, not derived from ids) and is the only key of
    the public verification page; `name` is the learner's name when it was issued.
    """

    __tablename__ = "completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    # Issued when the learner, with a confirmed name, asks for the certificate; `name` is
    # then the name at issue. Only issued certificates can be verified.
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Completion user={self.user_id}>"
