"""The course: its modules and lessons, in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Course(db.Model):
    """The one course this app teaches, with the quiz defaults its lessons inherit."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    quiz_defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    # Bumped by every write to course content (`bump_content_revision`): each process's
    # course cache (app/course/cache.py) is good only for the revision it was built from.
    content_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set when an instructor saves the course settings page: `flask course load` then
    # reports a conflict instead of overwriting the defaults from course.toml.
    edited_in_web: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Course {self.title!r}>"


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Lesson(db.Model):
    """A lesson and the quiz that follows it."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(index=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_terms: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    quiz_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Hash of the lesson file at its last load; None once it exists only in the web.
    source_hash: Mapped[str | None] = mapped_column(String(64))
    edited_in_web: Mapped[bool] = mapped_column(default=False)
    # The texts above rendered to sanitised HTML when written (a derived cache, see
    # `set_lesson_text`); `render_version` is the renderer's RENDER_VERSION that made them.
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    objectives_html: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_terms_html: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    summary_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    render_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped whenever one of its attempts is graded (or demo learners come or go): stored
    # item statistics computed from an older revision are recomputed (app/quizzes/statistics.py).
    graded_revision: Mapped[int] = mapped_column(default=0, server_default="0")

    module: Mapped[Module] = relationship(back_populates="lessons")

    def __repr__(self) -> str:
        return f"<Lesson {self.slug}>"
