"""Set the course's review options from a test (the course row must exist)."""

from __future__ import annotations

from sqlalchemy import select

from app.course.models import Course
from app.course.services import bump_content_revision
from app.course.settings import REVIEW_PARTS
from app.extensions import db


def show_everything_in_reviews() -> None:
    """Make every part of a review show right after each attempt (keys and feedback too)."""
    course = db.session.scalar(select(Course))
    assert course is not None, "load a course first"
    everything = {f"review_{part}": "immediately" for part in REVIEW_PARTS}
    course.quiz_defaults = {**(course.quiz_defaults or {}), **everything}
    bump_content_revision()  # the course cache holds the resolved settings
    db.session.commit()
