"""The course's own page: course-wide quiz defaults and review options."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.course import services as course_services
from app.course.models import Course
from app.course.settings import QuizSettings, course_rules, validate_settings
from app.database import unit_of_work
from app.instructor.blueprint import bp, save_unless_stale
from app.instructor.course_settings import update_course_settings
from app.instructor.editing import SETTINGS_CHANGED, course_settings_state, refuse_stale_edit
from app.instructor.forms.course import CourseSettingsForm, PracticeSettingsForm, rules_data
from app.instructor.forms.settings import settings_data
from app.practice import services as practice_services


@bp.route("/course/settings", methods=["GET", "POST"])
@instructor_required
def course_settings() -> str | Response | tuple[str, int]:
    course = course_services.current_course()
    if course is None:
        abort(404)  # no course loaded yet: `flask course load` creates it
    current, unusable = course_services.course_settings()
    form = CourseSettingsForm() if request.method == "POST" else _form(course, current)
    status = 200
    if form.validate_on_submit():
        values = form.values()
        form.add_problems(validate_settings(QuizSettings(**values)))
        if not form.errors and not form.problems:
            stored = {**values, **form.rules()}
            if saved := save_unless_stale(form, form.base, partial(_save, form, stored)):
                return saved
            status = 409
    page = render_template(
        "instructor/course_settings.html",
        form=form,
        course=course,
        unusable=unusable,
        practice_form=_practice_form(),
    )
    return page, status


def _practice_form(form: PracticeSettingsForm | None = None) -> PracticeSettingsForm:
    """Open the practice form on the retention practice uses now (as a percentage)."""
    if form is not None:
        return form
    percent = f"{practice_services.practice_retention() * 100:g}"
    return PracticeSettingsForm(formdata=None, data={"retention": percent})


@bp.route("/course/practice", methods=["POST"])
@instructor_required
def practice_settings() -> Response | tuple[str, int]:
    """Store the desired retention practice schedules for (FSRS's one setting we expose)."""
    form = PracticeSettingsForm()
    value, problem = form.retention_value() if form.validate_on_submit() else (None, None)
    if value is not None:
        with unit_of_work():
            course = course_services.current_course()
            if course is None:
                abort(404)
            practice_services.set_practice_retention(course, value)
        flash("Practice setting saved.", "success")
        return redirect(url_for("instructor.course_settings"))
    course = course_services.current_course()
    if course is None:
        abort(404)
    current, unusable = course_services.course_settings()
    if problem:
        form.retention.errors = [*form.retention.errors, problem.capitalize() + "."]
    page = render_template(
        "instructor/course_settings.html",
        form=_form(course, current),
        course=course,
        unusable=unusable,
        practice_form=form,
    )
    return page, 200  # the form again, with why (as the settings form above does)


def _form(course: Course, current: QuizSettings) -> CourseSettingsForm:
    """Open the form on the course defaults as they apply now."""
    return CourseSettingsForm(
        formdata=None,
        data={
            **settings_data(current),
            **rules_data(course_rules(course.quiz_defaults)),
            "base": course_settings_state(course),
        },
    )


def _save(form: CourseSettingsForm, values: dict) -> Response:
    """Store the defaults (raises StaleEdit, storing nothing, if they changed meanwhile)."""
    with unit_of_work():
        course = course_services.current_course()
        if course is None:
            abort(404)
        refuse_stale_edit(form.base.data, course_settings_state(course), SETTINGS_CHANGED)
        change = update_course_settings(course, values)
    message = "Course settings saved. Loading course.toml no longer changes them."
    if change.grades_recomputed is not None:
        count = change.grades_recomputed
        grades = "grade was" if count == 1 else "grades were"
        message += f" The grading rule changed: {count} {grades} recomputed."
    flash(message, "success")
    return redirect(url_for("instructor.course_settings"))
