"""The learner's way through the course: the outline and each lesson page.

The blueprint keeps the name `course` (endpoints `course.index`, `course.lesson`).
These pages combine the course's structure (`app.course.cache`: in memory, checked
against the database's content revision) with the learner's quiz state
(`app.quizzes`), so they live above both. A logged-in learner's lesson page costs
three statements: the user (with the revision and the overdue check), the grade,
the open attempt.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.course.cache import structure
from app.quizzes import allowances, attempts
from app.quizzes.grades import grade_for, grades_by_lesson
from app.quizzes.overdue import close_my_overdue_attempts

bp = Blueprint("course", __name__)


@bp.route("/")
def index() -> str:
    close_my_overdue_attempts()
    course = structure()
    grades, in_progress = {}, set()
    if current_user.is_authenticated:
        grades = grades_by_lesson(current_user.id)
        in_progress = attempts.open_lesson_ids(current_user.id)
    passed = sum(1 for g in grades.values() if g.passed)
    return render_template(
        "course/index.html",
        title=course.title,
        modules=course.modules,
        grades=grades,
        in_progress=in_progress,
        lesson_count=len(course.lessons),
        passed_count=passed,
    )


@bp.route("/lessons/<slug>")
def lesson(slug: str) -> str:
    close_my_overdue_attempts()
    course = structure()
    lesson = course.lesson(slug)
    if lesson is None:
        abort(404)
    previous, following = course.neighbours(lesson)
    settings = lesson.quiz_settings()
    grade = attempt = left = None
    if current_user.is_authenticated:
        grade = grade_for(current_user.id, lesson.id)
        attempt = attempts.open_attempt(current_user.id, lesson.id)
        left = allowances.attempts_left_for(current_user.id, lesson.id, settings)
    return render_template(
        "course/lesson.html",
        lesson=lesson,
        previous=previous,
        following=following,
        grade=grade,
        open_attempt=attempt,
        attempts_left=left,
        settings=settings,
        question_count=lesson.question_count,
    )
