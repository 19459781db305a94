"""My progress (`GET /progress`), a lesson's score history, and the old My scores URL.

Thin views: the facts come from `app.progress.reads` (a fixed number of
statements), the rows, chart and next step from the pure `page`, `states` and
`chart` modules; the course structure from the cache. Only the learner's own
data is read (the user id is the session's), so nothing here takes another
learner's id.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.course.cache import structure
from app.progress import certificates  # noqa: F401 - its routes join the blueprint
from app.progress.blueprint import bp
from app.progress.page import build_progress, course_chart, lesson_chart
from app.progress.reads import practice_due, practice_url, progress_facts
from app.quizzes.overdue import close_my_overdue_attempts


@bp.route("/progress")
@login_required
def index() -> str:
    close_my_overdue_attempts()
    course = structure()
    progress = build_progress(
        course, progress_facts(current_user.id), practice_due(current_user.id)
    )
    return render_template(
        "progress/index.html",
        title=course.title,
        progress=progress,
        chart=course_chart(progress),
        practice_url=practice_url(),
    )


@bp.route("/progress/lessons/<slug>")
@login_required
def lesson(slug: str) -> str:
    close_my_overdue_attempts()
    course = structure()
    entry = course.lesson(slug)
    if entry is None:
        abort(404)
    progress = build_progress(course, progress_facts(current_user.id), 0)
    row = next(r for m in progress.modules for r in m.lessons if r.lesson.id == entry.id)
    return render_template("progress/lesson.html", row=row, chart=lesson_chart(row))


@bp.route("/scores")
@login_required
def scores() -> Response:
    """My scores became My progress: the old address (bookmarks, links) leads there."""
    return redirect(url_for("progress.index"))
