"""The gradebook room: the class's scores, their CSV, a learner's page, an attempt's review.

The reads and the summaries live in `app.instructor.gradebook` (the CSV in
`gradebook_csv`); these views only fetch, render and stream.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.auth import resets
from app.auth.access import instructor_required
from app.course.services import course_title
from app.database import unit_of_work
from app.instructor import gradebook as book
from app.instructor import learners
from app.instructor.blueprint import bp
from app.instructor.gradebook_csv import csv_chunks, csv_filename
from app.instructor.gradebook_reads import read_gradebook
from app.lti import roster, sending
from app.lti.status import passback_by_learner, roster_sources
from app.quizzes import attempts as quiz_attempts
from app.quizzes import completion
from app.quizzes.allowances import grant_extra_attempts
from app.quizzes.completion import completion_of
from app.quizzes.review import parts_by_visibility, review_attempt
from app.security import download
from app.timeutil import now_utc


def grade_overdue_attempts() -> None:
    """Grade attempts whose time ran out, so the scores shown are the ones that count.

    As on a learner's pages: one read, and a write only when some attempt is overdue.
    """
    if quiz_attempts.overdue_attempt_ids():
        with unit_of_work():
            quiz_attempts.close_overdue_attempts()


def _search() -> str:
    return request.args.get("q", "").strip()[: book.MAX_SEARCH_LENGTH]


def _page() -> int:
    """Read ?page= (a bad or absurd value is page 1; past the end is the last page)."""
    value = request.args.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 1


def _order() -> tuple[str | None, str | None, str | None]:
    """Read the sort column, its direction and the filter (`?show=`), as links carry them."""
    return request.args.get("sort"), request.args.get("dir"), request.args.get("show")


@bp.route("/gradebook")
@instructor_required
def gradebook() -> str:
    grade_overdue_attempts()
    search = _search()
    gradebook = read_gradebook(search, _page(), *_order())
    return render_template(
        "instructor/gradebook.html",
        book=gradebook,
        # The LMS: this page's learners' score passback, and the class lists to fetch.
        passback=passback_by_learner([row.learner.id for row in gradebook.rows]),
        rosters=roster_sources(),
        search=search,
        percent=book.format_percent,
        filters=book.FILTERS,
    )


@bp.route("/gradebook.csv")
@instructor_required
def gradebook_csv() -> Response:
    grade_overdue_attempts()
    # Every learner the search matches, read before streaming: the generator needs no database.
    summary = read_gradebook(_search(), None, *_order())
    filename = csv_filename(course_title(), now_utc().date())
    chunks = (chunk.encode("utf-8") for chunk in csv_chunks(summary))
    return download(chunks, filename, mimetype="text/csv")  # learners' names and scores


def _learner_page(learner_id: int, reset_link: str | None = None) -> str:
    person = learners.read_learner(learner_id)
    if person is None:
        abort(404)
    return render_template(
        "instructor/learner.html",
        learner=person,
        records=learners.read_learner_record(learner_id),
        percent=book.format_percent,
        reset_link=reset_link,
        completion=completion_of(learner_id),
    )


@bp.route("/learners/<id:learner_id>")
@instructor_required
def learner(learner_id: int) -> str:
    grade_overdue_attempts()
    return _learner_page(learner_id)


@bp.route("/learners/<id:learner_id>/lessons/<id:lesson_id>/extra-attempt", methods=["POST"])
@instructor_required
def grant_extra_attempt(learner_id: int, lesson_id: int) -> Response:
    """Give the learner one more attempt at a lesson (added to any given before)."""
    lessons = {lesson.id: lesson for lesson in learners.gradebook_lessons()}
    if lesson_id not in lessons or learners.read_learner(learner_id) is None:
        abort(404)
    with unit_of_work():
        if learners.read_learner(learner_id) is None:  # read again under the write lock
            abort(404)
        extra = grant_extra_attempts(learner_id, lesson_id, 1)
    attempts = "attempt" if extra == 1 else "attempts"
    flash(f"{lessons[lesson_id].title}: {extra} extra {attempts} given in all.", "success")
    return redirect(
        url_for("instructor.learner", learner_id=learner_id, _anchor=f"lesson-{lesson_id}")
    )


@bp.route("/learners/<id:learner_id>/password-reset", methods=["POST"])
@instructor_required
def issue_password_reset(learner_id: int) -> Response:
    """Make a one-time password-reset link and show it this once (only its hash is stored)."""
    with unit_of_work():
        if learners.read_learner(learner_id) is None:
            abort(404)
        token = resets.issue_reset(learner_id, issued_by=current_user.id)
    link = url_for("auth.reset_password", reset_token=token, _external=True)
    response = make_response(_learner_page(learner_id, reset_link=link))
    response.headers["Cache-Control"] = "no-store"  # the link must not linger in a cache
    return response


@bp.route("/learners/<id:learner_id>/certificate/revoke", methods=["POST"])
@instructor_required
def revoke_certificate(learner_id: int) -> Response:
    """Revoke the learner's certificate: its public page then reads "revoked on DATE"."""
    with unit_of_work():
        if learners.read_learner(learner_id) is None or completion_of(learner_id) is None:
            abort(404)
        revoked = completion.revoke_certificate(learner_id)
    flash("The certificate is revoked." if revoked else "It was already revoked.", "success")
    return redirect(url_for("instructor.learner", learner_id=learner_id))


@bp.route("/attempts/<id:attempt_id>")
@instructor_required
def attempt_review(attempt_id: int) -> str | Response:
    """Show a learner's graded attempt in full (key, feedback) and what the learner sees of it."""
    grade_overdue_attempts()
    attempt = learners.learner_attempt(attempt_id)
    if attempt is None:
        abort(404)
    if attempt.is_open:
        flash("This attempt is still in progress: its review appears once it is submitted.", "info")
        return redirect(url_for("instructor.learner", learner_id=attempt.user_id))
    review = review_attempt(attempt, reveal_all=True)
    return render_template(
        "instructor/attempt_review.html",
        attempt=attempt,
        learner=learners.read_learner(attempt.user_id),
        items=review.items,
        passed=review.passed,
        settings=review.settings,
        learner_note=review.hidden_note,
        learner_sees=parts_by_visibility(review.learner_sees or {}),
        answer_label="Learner's answer",
    )


# --- the LMS (LTI): retry a learner's score passback, fetch an LMS class list ------------
# Fetching the class list talks to the LMS inside this request, outside any transaction,
# bounded by the services' timeouts (app.lti.tool_services: 5 s to connect, 10 s to read,
# per page, at most app.lti.roster.MAX_PAGES pages): an LMS that fails gives a flash
# message, never an error page.


@bp.route("/learners/<id:learner_id>/lti-scores/retry", methods=["POST"])
@instructor_required
def retry_lti_scores(learner_id: int) -> Response:
    """Make the learner's waiting and failed scores due now (the next send-scores run)."""
    with unit_of_work():
        if learners.read_learner(learner_id) is None:
            abort(404)
        count = sending.retry_now(learner_id)
    if count:
        flash("The LMS scores will be sent again at the next send (within a minute or so).",
              "success")  # fmt: skip
    else:
        flash("No score of this learner is waiting or failed.", "info")
    return redirect(url_for("instructor.gradebook"))


@bp.route("/gradebook/roster", methods=["POST"])
@instructor_required
def fetch_lti_roster() -> Response:
    """Add the LMS course's learners who never launched us, to show as "not started"."""
    value = request.form.get("context", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        abort(404)
    try:
        fetched = roster.fetch_roster(int(value))
    except roster.RosterError as error:
        flash(f"The LMS did not send its class list: {error}"[:300], "warning")
        return redirect(url_for("instructor.gradebook"))
    if fetched is None:
        abort(404)
    try:
        with unit_of_work():
            added = roster.add_members(fetched)
    except IntegrityError:  # another fetch of the same list committed first
        flash("The class list was being fetched at the same time; fetch it again.", "warning")
        return redirect(url_for("instructor.gradebook"))
    found = len(fetched.members)
    message = f"The LMS lists {found} learner{'s' if found != 1 else ''}; {added} new here."
    if fetched.truncated:
        message += f" Only the first {roster.MAX_MEMBERS} or {roster.MAX_PAGES} pages were read."
    flash(message, "success")
    return redirect(url_for("instructor.gradebook"))
