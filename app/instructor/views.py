"""The instructor's question pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.auth.access import instructor_required
from app.course import services as course_services
from app.course.models import Lesson
from app.database import begin_write
from app.extensions import db
from app.instructor import services
from app.instructor.forms import CHOICE_ROWS, SingleChoiceQuestionForm
from app.rendering import anchors_in

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.route("/")
@instructor_required
def index() -> str:
    return render_template("instructor/index.html", modules=course_services.modules_with_lessons())


@bp.route("/lessons/<slug>/questions")
@instructor_required
def questions(slug: str) -> str:
    lesson = _lesson_or_404(slug)
    return render_template(
        "instructor/questions.html", lesson=lesson, questions=services.lesson_questions(lesson)
    )


@bp.route("/lessons/<slug>/questions/new", methods=["GET", "POST"])
@instructor_required
def new_question(slug: str) -> str | Response:
    lesson = _lesson_or_404(slug)
    form = _form_for(lesson)
    if form.validate_on_submit():
        begin_write()
        question = services.create_question(lesson, _data_from(form), current_user.id)
        db.session.commit()
        flash("Question added.", "success")
        return redirect(url_for("instructor.questions", slug=lesson.slug, _anchor=question.uid))
    return render_template("instructor/question_form.html", form=form, lesson=lesson, question=None)


@bp.route("/questions/<uid>/edit", methods=["GET", "POST"])
@instructor_required
def edit_question(uid: str) -> str | Response:
    question = services.question_by_uid(uid)
    if question is None:
        abort(404)
    lesson = question.lesson
    version = question.current
    if version.type != "single":
        flash("Only single-choice questions can be edited here for now.", "warning")
        return redirect(url_for("instructor.questions", slug=lesson.slug))
    form = _form_for(lesson)
    if not form.is_submitted():
        _fill_form(form, version)
    if form.validate_on_submit():
        begin_write()
        services.edit_question(question, _data_from(form), current_user.id)
        db.session.commit()
        flash(
            "Question saved as a new version; past attempts keep the version they showed.",
            "success",
        )
        return redirect(url_for("instructor.questions", slug=lesson.slug, _anchor=question.uid))
    return render_template(
        "instructor/question_form.html", form=form, lesson=lesson, question=question
    )


def _lesson_or_404(slug: str) -> Lesson:
    lesson = course_services.lesson_by_slug(slug)
    if lesson is None:
        abort(404)
    return lesson


def _form_for(lesson: Lesson) -> SingleChoiceQuestionForm:
    form = SingleChoiceQuestionForm()
    form.anchor.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(a) for a in anchors_in(lesson.body_md)
    ]
    return form


def _fill_form(form: SingleChoiceQuestionForm, version) -> None:
    data = version.to_data()
    form.title.data = version.title
    form.prompt.data = version.prompt
    form.general_feedback.data = version.general_feedback
    form.difficulty.data = version.difficulty or "medium"
    form.anchor.data = version.anchor or ""
    for index, entry in enumerate(form.choices.entries):
        choice = data.choices[index] if index < len(data.choices) else None
        entry.form.text.data = choice.text if choice else ""
        entry.form.feedback.data = choice.feedback if choice else ""
        if choice and choice.fraction >= 1.0:
            form.correct.data = str(index)
    assert len(form.choices.entries) == CHOICE_ROWS


def _data_from(form: SingleChoiceQuestionForm):
    return services.single_choice_data(
        prompt=form.prompt.data,
        title=form.title.data or "",
        choices=[
            (e.form.text.data or "", e.form.feedback.data or "") for e in form.choices.entries
        ],
        correct_index=int(form.correct.data),
        general_feedback=form.general_feedback.data or "",
        difficulty=form.difficulty.data,
        anchor=form.anchor.data or None,
    )
