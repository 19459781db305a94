"""The gradebook's LMS buttons: retry a learner's score passback, fetch an LMS class list.

The gradebook shows each LMS learner's passback state (app.lti.status); these two POSTs
act on it. Fetching the class list talks to the LMS inside this request, outside any
transaction, bounded by the services' timeouts (app.lti.tool_services: 5 s to connect, 10 s to
read, per page, at most app.lti.roster.MAX_PAGES pages): an LMS that fails gives a
flash message, never an error page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.database import unit_of_work
from app.instructor import learners
from app.instructor.blueprint import bp
from app.lti import roster, sending


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
