"""What progress stores beyond grades: which lessons a learner has read, and completions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import now_utc


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
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Completion user={self.user_id}>"
