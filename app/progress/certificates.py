"""The learner's completion page and certificate, and the public verification page.

`GET /certificate`: the learner's own completion (scores per lesson, the
verification link); `POST /certificate` issues it under the learner's confirmed
name (a name that came from the migration is confirmed first, on the account
page); `GET /certificates/<code>`: public, shows only name, course, date and
whether it is verified or revoked; an unknown or unissued code is a 404.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.course.cache import structure
from app.database import unit_of_work
from app.progress.blueprint import bp
from app.progress.page import build_progress
from app.progress.reads import progress_facts
from app.quizzes.completion import certificate_by_code, completion_of, issue_certificate
from app.quizzes.overdue import close_my_overdue_attempts


def verification_url(code: str) -> str:
    """Return the certificate's public address, from PUBLIC_BASE_URL when it is set."""
    path = url_for("progress.verify", code=code)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return base + path


@bp.route("/certificate")
@login_required
def certificate() -> str:
    close_my_overdue_attempts()
    completion = completion_of(current_user.id)
    course = structure()
    progress = build_progress(course, progress_facts(current_user.id), 0)
    link = verification_url(completion.code) if completion and completion.issued_at else None
    return render_template(
        "progress/certificate.html",
        course_title=course.title,
        completion=completion,
        progress=progress,
        verification_link=link,
    )


@bp.route("/certificate", methods=["POST"])
@login_required
def issue() -> Response:
    if not current_user.name_confirmed:
        flash("Please confirm your name before your certificate is issued.", "warning")
        return redirect(url_for("auth.account"))
    with unit_of_work():
        if completion_of(current_user.id) is None:
            abort(404)
        issued = issue_certificate(current_user.id, current_user.name)
    if issued:
        flash("Your certificate is issued.", "success")
    return redirect(url_for("progress.certificate"))


@bp.route("/certificates/<code>")
def verify(code: str) -> str:
    found = certificate_by_code(code)
    if found is None:
        abort(404)
    return render_template("progress/verify.html", completion=found, course_title=structure().title)
