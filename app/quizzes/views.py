"""Take a quiz (saving as the learner goes), submit it, see the result.

My progress (`app.progress`) lists a learner's attempts.

Routes: POST /lessons/<slug>/quiz (start or resume), GET /attempts/<id> (the quiz),
POST /attempts/<id>/save (autosave; JSON for the script, a redirect without it),
POST /attempts/<id>/submit, GET /attempts/<id>/result.
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bank.types.base import MalformedAnswer
from app.course import services as course_services
from app.course.cache import LessonEntry, structure
from app.database import unit_of_work
from app.quizzes import attempts, sequence
from app.quizzes.models import Attempt
from app.quizzes.overdue import close_my_overdue_attempts
from app.quizzes.review import attempt_items, review_attempt
from app.timeutil import as_utc, now_utc

bp = Blueprint("quizzes", __name__)


def _own_attempt(attempt_id: int, with_lesson: bool = False) -> Attempt:
    attempt = attempts.load_attempt_for(current_user.id, attempt_id, with_lesson)
    if attempt is None:
        abort(404)
    return attempt


def _lesson_of(attempt: Attempt) -> LessonEntry:
    """Return the attempt's lesson from the course cache (no statement)."""
    lesson = structure().lesson_by_id(attempt.lesson_id)
    if lesson is None:
        abort(404)
    return lesson


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _page_seq() -> int:
    """Read the quiz page's sequence number (every save and submit carries it)."""
    value = request.form.get("seq", "")
    if not re.fullmatch(r"\d{1,9}", value):
        abort(400, description="Your answers could not be read (the page version is missing).")
    return int(value)


@bp.route("/lessons/<slug>/quiz", methods=["POST"])
@login_required
def start(slug: str) -> Response:
    refusal = None
    with unit_of_work():
        lesson = course_services.lesson_by_slug(slug)
        if lesson is None:
            abort(404)
        attempts.close_overdue_attempts(current_user.id)
        course = structure()  # inside the unit of work: built afresh, under the lock
        entry = course.lesson(slug)
        lock = sequence.lock_for(course, current_user.id, entry) if entry else None
        try:
            if lock is not None and attempts.open_attempt(current_user.id, lesson.id) is None:
                # sequential mode or the final exam's rule: no attempt row (one already
                # open, from before the rule was switched on, may still be finished)
                raise attempts.QuizUnavailable(lock.message)
            attempt = attempts.start_or_resume(
                current_user.id, lesson, course_services.settings_for(lesson)
            )
        except attempts.QuizUnavailable as reason:
            refusal = str(reason)  # stored nothing; any overdue attempt graded above stays
    if refusal is not None:
        flash(refusal, "warning")
        return redirect(url_for("course.lesson", slug=slug))
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


@bp.route("/attempts/<id:attempt_id>")
@login_required
def take(attempt_id: int) -> str | Response:
    close_my_overdue_attempts()
    attempt = _own_attempt(attempt_id)
    if not attempt.is_open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    seconds_left = None
    if attempt.deadline is not None:
        seconds_left = max(0, int((as_utc(attempt.deadline) - now_utc()).total_seconds()))
    return render_template(
        "quizzes/take.html",
        attempt=attempt,
        lesson=_lesson_of(attempt),
        items=attempt_items(attempt),
        seconds_left=seconds_left,
    )


@bp.route("/attempts/<id:attempt_id>/save", methods=["POST"])
@login_required
def save(attempt_id: int) -> Response | tuple[Response, int]:
    closed = None
    try:
        with unit_of_work():
            attempt = _own_attempt(attempt_id)
            seq = _page_seq()
            answers = attempts.read_answers(attempt, request.form)
            try:
                new_seq = attempts.save_answers(attempt, answers, seq)
            except attempts.AttemptClosed as error:
                closed = error  # an overdue attempt was just graded from its saved answers
    except MalformedAnswer as error:
        return _save_refused(attempt_id, 400, f"Your answers could not be read ({error}).")
    except attempts.StaleSave as error:
        return _save_refused(attempt_id, 409, str(error))
    if closed is not None:
        return _save_refused(attempt_id, 409, str(closed), closed=True)
    if _wants_json():
        return jsonify(status="saved", seq=new_seq)
    flash("Your answers are saved. You can come back and finish later.", "success")
    return redirect(url_for("quizzes.take", attempt_id=attempt_id))


def _save_refused(
    attempt_id: int, status: int, message: str, closed: bool = False
) -> tuple[Response, int] | Response:
    if _wants_json():
        return jsonify(status="closed" if closed else "refused", message=message), status
    flash(message, "warning")
    target = "quizzes.result" if closed else "quizzes.take"
    return redirect(url_for(target, attempt_id=attempt_id))


@bp.route("/attempts/<id:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int) -> Response:
    outcome = None
    try:
        with unit_of_work():
            attempt = _own_attempt(attempt_id, with_lesson=True)
            if attempt.is_open:
                seq = _page_seq()
                answers = attempts.read_answers(attempt, request.form)
                outcome = attempts.submit_attempt(attempt, answers, seq)
    except MalformedAnswer as error:
        abort(400, description=f"Your answers could not be read ({error}). Nothing was saved.")
    except attempts.StaleSave as error:
        flash(str(error), "warning")
        return redirect(url_for("quizzes.take", attempt_id=attempt_id))
    if outcome is not None and outcome.overdue:
        flash(
            "Time was up before this page was sent, so it was not accepted: "
            "your answers saved before the deadline have been graded.",
            "warning",
        )
    response = redirect(url_for("quizzes.result", attempt_id=attempt_id))
    graded = outcome is not None and outcome.graded_now
    response.headers["X-Attempt-Outcome"] = "graded" if graded else "already-graded"
    return response


@bp.route("/attempts/<id:attempt_id>/result")
@login_required
def result(attempt_id: int) -> str | Response:
    close_my_overdue_attempts()
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    if attempt.is_abandoned:
        flash(f"Attempt {attempt.number} was abandoned: it was not graded.", "info")
        return redirect(url_for("progress.index"))
    review = review_attempt(attempt)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        lesson=_lesson_of(attempt),
        items=review.items,
        passed=review.passed,
        settings=review.settings,
        hidden_note=review.hidden_note,
    )
