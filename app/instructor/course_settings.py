"""The course-wide quiz defaults, edited on the course settings page. Services flush; the
view's unit of work commits.

A web edit marks the course `edited_in_web`, so `flask course load` reports a
conflict instead of putting course.toml's defaults back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.course.models import Course, Lesson
from app.course.services import bump_content_revision, settings_of_lessons
from app.course.settings import changes_grades
from app.extensions import db
from app.instructor.services import SettingsChange
from app.quizzes.grades import recompute_lesson_grades


def update_course_settings(course: Course, values: dict[str, Any]) -> SettingsChange:
    """Store the course defaults; recompute the grades of every lesson whose rule moved.

    Lessons follow the defaults where they have no value of their own, so a new
    pass mark or counted-score rule can change the grades of many lessons at once.
    """
    lessons = list(db.session.scalars(select(Lesson).order_by(Lesson.position)))
    before = settings_of_lessons(lessons)
    course.quiz_defaults = {**(course.quiz_defaults or {}), **values}
    course.edited_in_web = True
    bump_content_revision()  # every process's course cache holds the resolved settings
    db.session.flush()
    after = settings_of_lessons(lessons)
    moved = [lesson for lesson in lessons if changes_grades(before[lesson.id], after[lesson.id])]
    if not moved:
        return SettingsChange(grades_recomputed=None)
    return SettingsChange(grades_recomputed=sum(recompute_lesson_grades(x) for x in moved))
