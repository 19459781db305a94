"""The LMS connections room: platforms registered for LTI 1.3, and what to enter in an LMS."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.database import unit_of_work
from app.extensions import db
from app.instructor.blueprint import bp
from app.instructor.forms.lti import RegistrationForm, registration_data
from app.lti import registrations
from app.lti.keys import LtiKeyError
from app.lti.models import LtiRegistration


@bp.route("/lti", methods=["GET", "POST"])
@instructor_required
def lti_registrations() -> str | Response:
    """List the platforms, show our URLs, and add a platform (made by this instructor)."""
    form = RegistrationForm() if request.method == "POST" else RegistrationForm(formdata=None)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                row = registrations.create_registration(
                    form.registration(), created_by_id=current_user.id
                )
                name = row.name
        except registrations.RegistrationError as error:
            form.add_problems(error.problems)
        except LtiKeyError as error:
            form.problems.append(str(error))
        else:
            flash(f"Platform “{name}” saved: its teachers can now add the course.", "success")
            return redirect(url_for("instructor.lti_registrations"))
    return render_template(
        "instructor/lti.html",
        form=form,
        registrations=registrations.registrations(),
        urls=registrations.request_tool_urls(),
    )


@bp.route("/lti/<id:registration_id>/edit", methods=["GET", "POST"])
@instructor_required
def edit_lti_registration(registration_id: int) -> str | Response:
    row = _registration_or_404(registration_id)
    if request.method == "POST":
        form = RegistrationForm()
    else:
        form = RegistrationForm(formdata=None, data=registration_data(row))
    if form.validate_on_submit():
        try:
            with unit_of_work():
                row = _registration_or_404(registration_id)
                registrations.update_registration(row, form.registration())
                name = row.name
        except registrations.RegistrationError as error:
            form.add_problems(error.problems)
        else:
            flash(f"Platform “{name}” saved.", "success")
            return redirect(url_for("instructor.lti_registrations"))
    return render_template(
        "instructor/lti_edit.html",
        form=form,
        registration=row,
        urls=registrations.request_tool_urls(),
    )


@bp.post("/lti/<id:registration_id>/delete")
@instructor_required
def delete_lti_registration(registration_id: int) -> Response:
    try:
        with unit_of_work():
            row = _registration_or_404(registration_id)
            name = row.name
            registrations.delete_registration(row)
    except registrations.RegistrationInUse as error:
        flash(str(error), "warning")
    else:
        flash(f"Platform “{name}” deleted.", "success")
    return redirect(url_for("instructor.lti_registrations"))


def _registration_or_404(registration_id: int) -> LtiRegistration:
    row = db.session.get(LtiRegistration, registration_id)
    if row is None:
        abort(404)
    return row
