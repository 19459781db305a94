"""The workspace's front page: every lesson with its questions, and the bank search."""

from __future__ import annotations

from flask import render_template

from app.auth.access import instructor_required
from app.course import services as course_services
from app.instructor import services
from app.instructor.blueprint import bp
from app.instructor.forms.bank import BankFilterForm


@bp.route("/")
@instructor_required
def index() -> str:
    return render_template(
        "instructor/index.html",
        modules=course_services.modules_with_lessons(),
        counts=services.question_counts(),
        search=BankFilterForm(formdata=None),
    )
