"""The instructor workspace's one blueprint, and what its rooms share.

Every room (`app.instructor.views.*`) adds its routes to `bp`, so URLs and
endpoint names read `instructor.<view>` whichever module serves them. Every
route requires the instructor role (anonymous → the log-in page, learner → 403),
and every POST carries a CSRF token (checked by CSRFProtect before the view runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, render_template, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.course import services as course_services
from app.course.models import Lesson
from app.extensions import db
from app.instructor.editing import StaleEdit

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Say what is too large in the instructor's terms (the request never reached a view)."""
    db.session.rollback()
    # The body was refused unread; give the page's forms (the log-out button) empty data
    # instead of letting them try to read it again, which would raise the same error.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    if request.endpoint == "instructor.import_upload":
        message = "The file is larger than 1 MB: split it into smaller files."
    else:
        message = "What you sent is larger than the server accepts. Nothing was saved."
    return render_template("errors/error.html", code=413, message=message), 413


def lesson_or_404(slug: str) -> Lesson:
    lesson = course_services.lesson_by_slug(slug)
    if lesson is None:
        abort(404)
    return lesson


def save_unless_stale(
    form: Any, state_field: Any, save: Callable[[], Response | None]
) -> Response | None:
    """Run an editor's save; if it refuses a stale edit (nothing stored), say so on the form.

    The form keeps the instructor's values and now carries the stored state, so
    saving again (after comparing) is based on what is stored now. Returns the
    save's response, or None when nothing was saved.
    """
    try:
        return save()
    except StaleEdit as error:
        state_field.data = error.state
        form.problems.append(str(error))
        return None
