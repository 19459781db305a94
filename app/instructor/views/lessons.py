"""A lesson's own pages: its text (with key terms and anchors) and its quiz settings."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.bank.limits import MAX_ROWS
from app.bank.lint import shuffle_off_warnings
from app.bank.types.forms import filled
from app.course.models import Lesson
from app.course.services import LessonText, lesson_text, settings_or_defaults
from app.course.settings import QuizSettings, validate_settings
from app.database import unit_of_work
from app.forms import clean
from app.instructor import authoring, services
from app.instructor.blueprint import bp, lesson_or_404, save_unless_stale
from app.instructor.editing import (
    LESSON_CHANGED,
    SETTINGS_CHANGED,
    lesson_text_state,
    refuse_stale_edit,
    settings_state,
)
from app.instructor.forms.lessons import LessonTextForm
from app.instructor.forms.settings import QuizSettingsForm, settings_data


class _AnchorTaken(Exception):
    """A question took an anchor this edit removes, after the form was checked."""


# --- the text ----------------------------------------------------------------------------


@bp.route("/lessons/<slug>/edit", methods=["GET", "POST"])
@instructor_required
def edit_lesson(slug: str) -> str | Response | tuple[str, int]:
    lesson = lesson_or_404(slug)
    form = LessonTextForm() if request.method == "POST" else _text_form(lesson)
    form.anchors_in_use = services.anchors_in_use(lesson)
    preview, note, status = None, None, 200
    if request.method == "POST":
        note = authoring.apply_row_action(form, request.form)
        if note is None and form.validate():
            text = _lesson_text_from(form)
            if form.preview.data:
                preview = text
            else:
                save = partial(_save_text, lesson, form, text)
                if saved := save_unless_stale(form, form.base, save):
                    return saved
                status = 409 if form.problems else 200  # else: an anchor taken meanwhile
    page = render_template(
        "instructor/lesson_form.html", form=form, lesson=lesson, preview=preview, note=note
    )
    return page, status


def _text_form(lesson: Lesson) -> LessonTextForm:
    """Open the text form on the lesson as stored."""
    text = lesson_text(lesson)
    if len(text.key_terms) > MAX_ROWS:
        abort(400, description=f"The web editor handles up to {MAX_ROWS} key terms.")
    form = LessonTextForm(
        formdata=None,
        data={
            "title": text.title,
            "objectives": "\n".join(text.objectives),
            "body_md": text.body_md,
            "key_terms": text.key_terms,
            "summary": text.summary,
            "base": lesson_text_state(lesson),
        },
    )
    authoring.ensure_blank_row(form)
    return form


def _lesson_text_from(form: LessonTextForm) -> LessonText:
    return LessonText(
        title=clean(form.title.data),
        body_md=clean(form.body_md.data) + "\n",
        objectives=form.objective_list(),
        key_terms=[
            {"term": clean(row.term.data), "definition": clean(row.definition.data)}
            for _, row in filled(form.key_terms)
        ],
        summary=clean(form.summary.data),
    )


def _save_text(lesson: Lesson, form: LessonTextForm, text: LessonText) -> Response | None:
    """Store the text; raise StaleEdit, or return None when a question took an anchor
    this edit removes (the form then says so next to the text). Nothing is stored then."""
    try:
        with unit_of_work():
            refuse_stale_edit(form.base.data, lesson_text_state(lesson), LESSON_CHANGED)
            form.anchors_in_use = services.anchors_in_use(lesson)
            if not form.validate():  # a question may have taken an anchor meanwhile
                raise _AnchorTaken
            services.update_lesson_text(lesson, text)
            slug = lesson.slug
    except _AnchorTaken:
        return None
    flash("Lesson saved. Loading the course files no longer changes its text.", "success")
    return redirect(url_for("instructor.edit_lesson", slug=slug))


# --- the quiz settings -------------------------------------------------------------------


@bp.route("/lessons/<slug>/settings", methods=["GET", "POST"])
@instructor_required
def lesson_settings(slug: str) -> str | Response | tuple[str, int]:
    lesson = lesson_or_404(slug)
    current, unusable = settings_or_defaults(lesson)
    form = QuizSettingsForm() if request.method == "POST" else _settings_form(lesson, current)
    status = 200
    if form.validate_on_submit():
        values = form.values()
        form.add_problems(validate_settings(QuizSettings(**values, final_exam=current.final_exam)))
        if not form.errors and not form.problems:
            save = partial(_save_settings, lesson, form, values)
            if saved := save_unless_stale(form, form.base, save):
                return saved
            status = 409
    shuffled = form.shuffle_choices.data if request.method == "POST" else current.shuffle_choices
    context = {
        "lesson": lesson,
        "final_exam": current.final_exam,
        "unusable": unusable,
        "shuffle_warnings": _shuffle_warnings(lesson, current.final_exam, shuffled),
    }
    return render_template("instructor/settings_form.html", form=form, **context), status


def _shuffle_warnings(lesson: Lesson, final_exam: bool, shuffle_choices: bool) -> list[str]:
    """Say what a learner gets for free when this quiz shows choices in stored order."""
    if shuffle_choices:
        return []
    banks = services.course_banks()
    if final_exam:
        return shuffle_off_warnings([q for bank in banks.values() for q in bank])
    return shuffle_off_warnings(banks.get(lesson.slug, []))


def _settings_form(lesson: Lesson, current: QuizSettings) -> QuizSettingsForm:
    """Open the settings form on the lesson's settings as they apply now."""
    return QuizSettingsForm(
        formdata=None,
        data={**settings_data(current), "base": settings_state(lesson)},
    )


def _save_settings(lesson: Lesson, form: QuizSettingsForm, values: dict) -> Response:
    """Store the settings (raises StaleEdit, storing nothing, if they changed meanwhile)."""
    with unit_of_work():
        refuse_stale_edit(form.base.data, settings_state(lesson), SETTINGS_CHANGED)
        change = services.update_quiz_settings(lesson, values)
        slug = lesson.slug
    message = "Quiz settings saved."
    if change.grades_recomputed is not None:
        count = change.grades_recomputed
        whose = "learner's" if count == 1 else "learners'"
        message += f" The grading rule changed: {count} {whose} grades were recomputed."
    flash(message, "success")
    return redirect(url_for("instructor.lesson_settings", slug=slug))
