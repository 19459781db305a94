"""The learner's way through the course: the outline and each lesson page.

The blueprint keeps the name `course` (endpoints `course.index`, `course.lesson`).
These pages combine the course's structure (`app.course`) with the learner's quiz
state (`app.quizzes`), so they live above both.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.course import services
from app.quizzes import allowances, attempts
from app.quizzes.grades import grades_by_lesson
from app.quizzes.overdue import close_my_overdue_attempts

bp = Blueprint("course", __name__)


@bp.route("/")
def index() -> str:
    close_my_overdue_attempts()
    modules = services.modules_with_lessons()
    grades, in_progress = {}, set()
    if current_user.is_authenticated:
        grades = grades_by_lesson(current_user.id)
        in_progress = attempts.open_lesson_ids(current_user.id)
    lesson_count = sum(len(m.lessons) for m in modules)
    passed = sum(1 for g in grades.values() if g.passed)
    return render_template(
        "course/index.html",
        title=services.course_title(),
        modules=modules,
        grades=grades,
        in_progress=in_progress,
        lesson_count=lesson_count,
        passed_count=passed,
    )


@bp.route("/lessons/<slug>")
def lesson(slug: str) -> str:
    close_my_overdue_attempts()
    lesson = services.lesson_by_slug(slug)
    if lesson is None:
        abort(404)
    previous, following = services.neighbours(lesson)
    settings = services.settings_for(lesson)
    grade = attempt = left = None
    if current_user.is_authenticated:
        grade = grades_by_lesson(current_user.id).get(lesson.id)
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
        question_count=services.scored_question_count(lesson.id),
    )
