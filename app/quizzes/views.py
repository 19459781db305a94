"""Take a quiz, submit it, see the result, list my scores."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bank.describe import answer_text
from app.bank.grading import correct_answer_text, grade
from app.bank.registry import KINDS, MalformedAnswer, field_name, matching_rows
from app.course import services as course_services
from app.database import begin_write
from app.extensions import db
from app.forms import EmptyForm
from app.quizzes import services
from app.quizzes.models import Attempt
from app.rendering import ANCHOR_PREFIX

bp = Blueprint("quizzes", __name__)


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = services.load_attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/lessons/<slug>/quiz", methods=["POST"])
@login_required
def start(slug: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    begin_write()
    lesson = course_services.lesson_by_slug(slug)
    if lesson is None:
        abort(404)
    attempt = services.open_attempt(current_user.id, lesson.id)
    if attempt is None:
        try:
            attempt = services.start_attempt(current_user.id, lesson, services.settings_for(lesson))
        except services.QuizUnavailable as reason:
            db.session.rollback()
            flash(str(reason), "warning")
            return redirect(url_for("course.lesson", slug=slug))
        db.session.commit()
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if not attempt.is_open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return render_template(
        "quizzes/take.html",
        attempt=attempt,
        items=_items(attempt),
        form=EmptyForm(),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int) -> Response:
    begin_write()
    attempt = _own_attempt(attempt_id)
    if not attempt.is_open:
        flash("This attempt was already submitted; here is its result.", "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    try:
        answers = services.read_answers(attempt, request.form)
    except MalformedAnswer as error:
        db.session.rollback()
        abort(400, description=f"Your answers could not be read ({error}). Nothing was saved.")
    services.submit_attempt(attempt, answers)
    db.session.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    settings = services.settings_for(attempt.lesson)
    items = _items(attempt)
    slugs = services.lesson_slugs_of_versions([item["version"] for item in items])
    for item in items:
        question, response = item["question"], item["response"]
        outcome = grade(question, response.answer)
        item["your_answer"] = answer_text(question, response.answer)
        item["correct_answer"] = correct_answer_text(question)
        item["feedback"] = [line for line in outcome.feedback if line]
        anchor, slug = item["version"].anchor, slugs.get(item["version"].question_id)
        item["review_url"] = (
            url_for("course.lesson", slug=slug, _anchor=ANCHOR_PREFIX + anchor)
            if anchor and slug
            else None
        )
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        items=items,
        passed=round(attempt.percent, 6) >= settings.pass_mark,
        settings=settings,
    )


@bp.route("/scores")
@login_required
def scores() -> str:
    return render_template("quizzes/scores.html", attempts=services.attempts_of(current_user.id))


def _items(attempt: Attempt) -> list[dict]:
    """Pair each response with what its template needs."""
    items = []
    for response in attempt.responses:
        question = response.version.to_data()
        items.append(
            {
                "response": response,
                "question": question,
                "version": response.version,
                "kind": KINDS[question.type],
                "name": field_name(response.position),
                "rows": [question.pairs[i] for i in matching_rows(question)],
            }
        )
    return items
