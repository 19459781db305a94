"""The bank: a lesson's questions, the search, and the question editor (new, edit, retire)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from urllib.parse import quote, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.bank.limits import MAX_ROWS
from app.bank.model import QuestionData
from app.bank.models import STATUS_ACTIVE, STATUS_RETIRED, Question
from app.bank.types import AUTHORED_TYPES, TYPES
from app.bank.types.forms import QuestionForm
from app.course.models import Lesson
from app.database import unit_of_work
from app.forms import EmptyForm
from app.instructor import authoring, services
from app.instructor.blueprint import bp, lesson_or_404, save_unless_stale
from app.instructor.editing import QUESTION_CHANGED, question_state, refuse_stale_edit
from app.instructor.forms.bank import BankFilterForm
from app.instructor.statistics_reads import bank_flags
from app.rendering import anchors_in

# Where a retire/reactivate button may send the instructor back to.
LOCAL_BACK = re.compile(r"/instructor/[A-Za-z0-9_\-./?=&%+]{0,500}")


@bp.route("/lessons/<slug>/questions")
@instructor_required
def questions(slug: str) -> str:
    lesson = lesson_or_404(slug)
    filters = _filters()
    return render_template(
        "instructor/questions.html",
        lesson=lesson,
        filters=filters,
        filtered=any(filters.filters().values()),
        questions=services.find_questions(lesson=lesson, **filters.filters()),
        action_form=EmptyForm(),
        flags=bank_flags(lesson.id),
        authored_types=[TYPES[name] for name in AUTHORED_TYPES],
        kinds=TYPES,
    )


@bp.route("/questions")
@instructor_required
def search() -> str:
    filters = _filters()
    wanted = filters.filters()
    results = None
    if any(wanted.values()):
        results = services.find_questions(**wanted, limit=services.SEARCH_LIMIT + 1)
    return render_template(
        "instructor/search.html",
        filters=filters,
        questions=results[: services.SEARCH_LIMIT] if results is not None else None,
        more=results is not None and len(results) > services.SEARCH_LIMIT,
        limit=services.SEARCH_LIMIT,
        action_form=EmptyForm(),
        flags=bank_flags() if results else {},
        kinds=TYPES,
    )


def _filters() -> BankFilterForm:
    form = BankFilterForm(formdata=request.args)
    if not form.validate():
        wrong = ", ".join(f"{field.label.text.lower()}" for field in form if field.errors)
        abort(400, description=f"That filter is not one the bank knows ({wrong}).")
    return form


# --- the editor ------------------------------------------------------------------------


@bp.route("/lessons/<slug>/questions/new", methods=["GET", "POST"])
@instructor_required
def new_question(slug: str) -> str | Response | tuple[str, int]:
    lesson = lesson_or_404(slug)
    kind = request.args.get("type", AUTHORED_TYPES[0])
    if kind not in AUTHORED_TYPES:
        abort(400, description=f"There is no question type '{kind[:40]}' to create.")
    return _author_question(lesson, kind, None)


@bp.route("/questions/<uid>/edit", methods=["GET", "POST"])
@instructor_required
def edit_question(uid: str) -> str | Response | tuple[str, int]:
    question = services.question_by_uid(uid)
    if question is None:
        abort(404)
    rows = question.current.to_data().answer_count
    if rows > MAX_ROWS:
        abort(
            400,
            description=(
                f"This question has {rows} answers; the web editor handles up to {MAX_ROWS}. "
                "Export the lesson as GIFT to edit it."
            ),
        )
    return _author_question(question.lesson, question.current.type, question)


def _author_question(
    lesson: Lesson, kind: str, question: Question | None
) -> str | Response | tuple[str, int]:
    """Show, preview, grow/shrink or save the form of one question."""
    form = _question_form(lesson, kind, question)
    preview, note, warnings, status = None, None, None, 200
    if request.method == "POST":
        note = authoring.apply_row_action(form, request.form)
        if note is None and form.validate():
            data = _submitted(form, question)
            form.problems = authoring.bank_problems(data)
            if not form.problems:
                warnings = _warnings(lesson, question, data)
            if form.problems:
                pass
            elif form.preview.data:
                preview = authoring.preview_item(data)
            else:
                save = partial(_save_question, lesson, question, form, data, warnings)
                if saved := save_unless_stale(form, form.base_version, save):
                    return saved
                status = 409
    page = dict(
        lesson=lesson,
        question=question,
        kind=TYPES[kind],
        preview=preview,
        note=note,
        warnings=warnings,
    )
    return render_template("instructor/question_form.html", form=form, **page), status


def _warnings(
    lesson: Lesson, question: Question | None, data: QuestionData
) -> authoring.ItemWarnings:
    """Lint the question where it would stand (an edit replaces its stored version)."""
    placed = replace(data, id=question.uid) if question is not None else data
    return authoring.item_warnings(placed, lesson.slug, services.course_banks())


def _question_form(lesson: Lesson, kind: str, question: Question | None) -> QuestionForm:
    """Build the form: as submitted, as the question is stored, or blank."""
    anchors = anchors_in(lesson.body_md)
    if request.method == "POST":
        return authoring.question_form(kind, anchors, formdata=request.form)
    if question is not None:
        return authoring.question_form(
            kind,
            anchors,
            data=services.stored_data(question),
            base_version=question.current_number,
        )
    return authoring.question_form(kind, anchors)


def _submitted(form: QuestionForm, question: Question | None) -> QuestionData:
    """Read the submitted question; an edit keeps the points and text format it had."""
    points = question.current.points if question is not None else 1.0
    data = authoring.question_data(form, points=points)
    if question is not None:  # an imported HTML or plain-text question stays so
        data.text_format = question.current.text_format
    return data


def _save_question(
    lesson: Lesson,
    question: Question | None,
    form: QuestionForm,
    data: QuestionData,
    warnings: authoring.ItemWarnings | None,
) -> Response:
    """Store the question (raises StaleEdit, storing nothing, if it changed meanwhile)."""
    with unit_of_work():
        if question is None:
            uid, slug = services.create_question(lesson, data, current_user.id).uid, lesson.slug
        else:
            locked = services.question_by_uid(question.uid, for_update=True)
            if locked is None:
                abort(404)
            refuse_stale_edit(form.base_version.data, question_state(locked), QUESTION_CHANGED)
            services.edit_question(locked, data, current_user.id)
            uid, slug = locked.uid, locked.lesson.slug
    if question is None:
        flash("Question added.", "success")
    else:
        flash(
            "Question saved as a new version; past attempts keep the version they showed.",
            "success",
        )
    if warnings is not None and warnings.findings:
        rules = ", ".join(dict.fromkeys(finding.rule for finding in warnings.findings))
        flash(
            f"The item-writing check has {len(warnings.findings)} warning"
            f"{'' if len(warnings.findings) == 1 else 's'} about it ({rules}): "
            "edit and preview it to read them.",
            "info",
        )
    return redirect(url_for("instructor.questions", slug=slug, _anchor=uid))


# --- retire and reactivate -------------------------------------------------------------


@bp.route("/questions/<uid>/retire", methods=["POST"])
@instructor_required
def retire_question(uid: str) -> Response:
    return _set_status(uid, STATUS_RETIRED)


@bp.route("/questions/<uid>/reactivate", methods=["POST"])
@instructor_required
def reactivate_question(uid: str) -> Response:
    return _set_status(uid, STATUS_ACTIVE)


STATUS_MESSAGES = {
    (STATUS_RETIRED, True): "Question retired: new quizzes leave it out; past attempts keep it.",
    (STATUS_RETIRED, False): "That question was already retired.",
    (STATUS_ACTIVE, True): "Question reactivated: new quizzes can draw it again.",
    (STATUS_ACTIVE, False): "That question was already active.",
}


def _set_status(uid: str, status: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        question = services.question_by_uid(uid, for_update=True)
        if question is None:
            abort(404)
        changed = services.set_status(question, status)
        slug = question.lesson.slug
    flash(STATUS_MESSAGES[status, changed], "success" if changed else "info")
    back = request.form.get("next", "")
    if not _is_local_instructor_path(back):
        back = url_for("instructor.questions", slug=slug)
    return redirect(f"{back}#{quote(uid, safe='')}")


def _is_local_instructor_path(target: str) -> bool:
    """Accept only a plain path of this workspace (no host, no odd characters)."""
    return LOCAL_BACK.fullmatch(target) is not None and not urlsplit(target).netloc
