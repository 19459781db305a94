"""Practice: the due questions one at a time, an answer, and what it showed.

Routes: GET /practice (the next due question, or "all caught up"), POST
/practice/questions/<id> (answer it: grade, rate, schedule, then redirect),
GET /practice/reviews/<id> (right or wrong, and what `key_visible` allows).
Practice never touches attempts or grades.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bank.grading import is_right
from app.bank.types import grade, question_type
from app.bank.types.base import MalformedAnswer
from app.course.cache import CourseStructure, structure
from app.database import unit_of_work
from app.practice import services
from app.practice.feedback import POSITION, final_exams, practice_item, reviewed_item
from app.quizzes.overdue import close_my_overdue_attempts
from app.timeutil import as_utc, now_utc

bp = Blueprint("practice", __name__)


def _shuffles(course: CourseStructure, lesson_id: int) -> bool:
    """Tell whether the question's lesson shuffles choices (practice follows its quiz)."""
    lesson = course.lesson_by_id(lesson_id)
    return bool(lesson and lesson.settings and lesson.settings.shuffle_choices)


@bp.route("/practice")
@login_required
def index() -> str:
    close_my_overdue_attempts()  # a quiz graded now adds its missed questions
    card = services.next_due(current_user.id)
    if card is None:
        return render_template(
            "practice/index.html", card=None, next_time=services.next_due_time(current_user.id)
        )
    order = services.choice_order(current_user.id, card, _shuffles(structure(), card.lesson_id))
    return render_template(
        "practice/index.html",
        card=card,
        item=practice_item(card.version, order),
        lesson=structure().lesson_by_id(card.lesson_id),
    )


def _seen_reviews() -> int:
    """Read the review count the answered page showed (every answer carries it)."""
    value = request.form.get("reviews", "")
    if not re.fullmatch(r"\d{1,9}", value):
        abort(400, description="Your answer could not be read (the card's version is missing).")
    return int(value)


@bp.route("/practice/questions/<id:question_id>", methods=["POST"])
@login_required
def answer(question_id: int) -> Response:
    seen = _seen_reviews()
    course = structure()  # before the unit of work, which would rebuild it
    try:
        with unit_of_work():
            card = services.deck_card(current_user.id, question_id)
            if card is None:
                abort(404)
            order = services.choice_order(current_user.id, card, _shuffles(course, card.lesson_id))
            question = card.version.to_data()
            given = question_type(question.type).read_answer(
                request.form, f"q{POSITION}", question, order
            )
            review = services.record_review(
                current_user.id,
                card,
                seen,
                given,
                order,
                grade(question, given).fraction,
                now_utc(),
                fuzzing=not current_app.testing,
            )
    except MalformedAnswer as error:
        abort(400, description=f"Your answer could not be read ({error}). Nothing was saved.")
    except services.AlreadyReviewed:
        return _refused(
            "That question was already answered; here is the next one.", "already-reviewed"
        )
    except services.NotDue:
        return _refused("That question is not due yet; it comes back on its day.", "not-due")
    response = redirect(url_for("practice.review", review_id=review.id))
    response.headers["X-Practice-Outcome"] = "reviewed"
    return response


def _refused(message: str, outcome: str) -> Response:
    """Send the learner back to practice, saying why nothing was stored."""
    flash(message, "info")
    response = redirect(url_for("practice.index"))
    response.headers["X-Practice-Outcome"] = outcome
    return response


@bp.route("/practice/reviews/<id:review_id>")
@login_required
def review(review_id: int) -> str:
    course = structure()
    exams = final_exams(course)
    loaded = services.load_review(current_user.id, review_id, [exam.id for exam in exams])
    if loaded is None:
        abort(404)
    done = loaded.review
    item = practice_item(loaded.version, list(done.choice_order or []), done.answer)
    lesson = course.lesson_by_id(loaded.lesson_id)
    reviewed_item(current_user.id, item, lesson, exams if loaded.in_exam else [])
    return render_template(
        "practice/review.html",
        done=done,
        item=item,
        right=is_right(done.fraction),
        due_after=as_utc(done.due_after),
    )
