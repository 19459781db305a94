"""The learner's way through the course: the outline and each lesson page.

The blueprint keeps the name `course` (endpoints `course.index`, `course.lesson`).
These pages combine the course's structure (`app.course.cache`: in memory, checked
against the database's content revision) with the learner's quiz state
(`app.quizzes`) and progress (`app.progress`), so they live above them. A logged-in
learner's lesson page costs at most four statements on a repeat view: the user
(with the revision and the overdue check), the grade with the read flag, the open
attempt, the attempts left. The first view adds one INSERT that marks it read.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.course.cache import structure
from app.database import unit_of_work
from app.progress.page import build_progress
from app.progress.reads import grade_and_read, mark_read, outline_facts, practice_due, practice_url
from app.quizzes import allowances, attempts, sequence
from app.quizzes.overdue import close_my_overdue_attempts

bp = Blueprint("course", __name__)


@bp.route("/")
def index() -> str:
    close_my_overdue_attempts()
    course = structure()
    progress = None
    if current_user.is_authenticated:
        progress = build_progress(
            course, outline_facts(current_user.id), practice_due(current_user.id)
        )
    states = {}
    if progress is not None:
        states = {row.lesson.id: row for m in progress.modules for row in m.lessons}
    return render_template(
        "course/index.html",
        title=course.title,
        modules=course.modules,
        rows=states,
        progress=progress,
        practice_url=practice_url(),
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
    grade = attempt = left = lock = None
    if current_user.is_authenticated:
        grade, read = grade_and_read(current_user.id, lesson.id)
        if not read:  # the first view only: repeat views stay read-only (no write lock)
            with unit_of_work(expire=False):  # an INSERT: the user stays loaded
                mark_read(current_user.id, lesson.id)
        attempt = attempts.open_attempt(current_user.id, lesson.id)
        left = allowances.attempts_left_for(current_user.id, lesson.id, settings)
        lock = sequence.lock_for(
            course, current_user.id, lesson
        )  # a statement only if a rule applies
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
        lock=lock,
    )
