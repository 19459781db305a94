"""The instructor workspace. Every route requires the instructor role.

Routes (all under /instructor; anonymous → 302 to the log-in page, learner → 403):

    GET       /instructor/                                  index
    GET       /instructor/questions                         search (q, type, difficulty, status)
    GET       /instructor/export.gift                       export_bank
    GET       /instructor/lessons/<slug>/questions          questions (type, difficulty, status, q)
    GET, POST /instructor/lessons/<slug>/questions/new      new_question (?type=single|multi|…)
    GET, POST /instructor/questions/<uid>/edit              edit_question
    POST      /instructor/questions/<uid>/retire            retire_question
    POST      /instructor/questions/<uid>/reactivate        reactivate_question
    GET, POST /instructor/lessons/<slug>/edit               edit_lesson
    GET, POST /instructor/lessons/<slug>/settings           lesson_settings
    GET, POST /instructor/lessons/<slug>/import             import_upload
    GET       /instructor/lessons/<slug>/import/<token>     import_preview
    POST      /instructor/lessons/<slug>/import/<token>     import_confirm
    GET       /instructor/lessons/<slug>/export.gift        export_lesson

Every POST carries a CSRF token (checked by CSRFProtect before the view runs).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.bank.models import STATUS_ACTIVE, STATUS_RETIRED, Question
from app.bank.registry import KINDS
from app.course import services as course_services
from app.course.models import Lesson
from app.database import begin_write
from app.extensions import db
from app.forms import EmptyForm
from app.instructor import authoring, importing, services
from app.instructor.forms import (
    AUTHORED_TYPES,
    MAX_ROWS,
    BankFilterForm,
    ImportForm,
    LessonTextForm,
    QuestionForm,
    QuizSettingsForm,
    clean,
    filled,
)
from app.quizzes.settings import QuizSettings, validate_settings
from app.rendering import anchors_in

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
# Where a retire/reactivate button may send the instructor back to.
LOCAL_BACK = re.compile(r"/instructor/[A-Za-z0-9_\-./?=&%+]{0,500}")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Say what is too large in the instructor's terms (the request never reached a view)."""
    db.session.rollback()
    # The body was refused unread; give the page's forms (the log-out button) empty data
    # instead of letting them try to read it again, which would raise the same error.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    if request.endpoint == "instructor.import_upload":
        message = "The file is larger than 1 MB: split it into smaller files."
    else:
        message = "What you sent is larger than the server accepts. Nothing was saved."
    return render_template("errors/error.html", code=413, message=message), 413


@bp.route("/")
@instructor_required
def index() -> str:
    return render_template(
        "instructor/index.html",
        modules=course_services.modules_with_lessons(),
        counts=services.question_counts(),
        search=BankFilterForm(formdata=None),
    )


# --- the bank ------------------------------------------------------------------------


@bp.route("/lessons/<slug>/questions")
@instructor_required
def questions(slug: str) -> str:
    lesson = _lesson_or_404(slug)
    filters = _filters()
    return render_template(
        "instructor/questions.html",
        lesson=lesson,
        filters=filters,
        filtered=any(filters.filters().values()),
        questions=services.find_questions(lesson=lesson, **filters.filters()),
        action_form=EmptyForm(),
        authored_types=[KINDS[name] for name in AUTHORED_TYPES],
        kinds=KINDS,
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
        kinds=KINDS,
    )


def _filters() -> BankFilterForm:
    form = BankFilterForm(formdata=request.args)
    if not form.validate():
        wrong = ", ".join(f"{field.label.text.lower()}" for field in form if field.errors)
        abort(400, description=f"That filter is not one the bank knows ({wrong}).")
    return form


# --- questions -----------------------------------------------------------------------


@bp.route("/lessons/<slug>/questions/new", methods=["GET", "POST"])
@instructor_required
def new_question(slug: str) -> str | Response | tuple[str, int]:
    lesson = _lesson_or_404(slug)
    kind = request.args.get("type", "single")
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
    anchors = anchors_in(lesson.body_md)
    if request.method == "POST":
        form = authoring.question_form(kind, anchors, formdata=request.form)
    elif question is not None:
        form = authoring.question_form(
            kind,
            anchors,
            data=services.stored_data(question),
            base_version=question.current_number,
        )
    else:
        form = authoring.question_form(kind, anchors)
    preview, note, status = None, None, 200
    if request.method == "POST":
        note = authoring.apply_row_action(form, request.form)
        if note is None and form.validate():
            points = question.current.points if question is not None else 1.0
            data = authoring.question_data(form, points=points)
            if question is not None:  # an imported HTML or plain-text question stays so
                data.text_format = question.current.text_format
            form.problems = authoring.bank_problems(data)
            if form.problems:
                pass
            elif form.preview.data:
                preview = authoring.preview_item(data)
            else:
                saved = _save_question(lesson, question, form, data)
                if saved is not None:
                    return saved
                status = 409
    page = render_template(
        "instructor/question_form.html",
        form=form,
        lesson=lesson,
        question=question,
        kind=KINDS[kind],
        preview=preview,
        note=note,
    )
    return page, status


def _save_question(
    lesson: Lesson, question: Question | None, form: QuestionForm, data: Any
) -> Response | None:
    """Store the question; return None (with the form told why) if it changed meanwhile."""
    begin_write()
    if question is None:
        created = services.create_question(lesson, data, current_user.id)
        uid, slug = created.uid, lesson.slug
        db.session.commit()
        flash("Question added.", "success")
        return redirect(url_for("instructor.questions", slug=slug, _anchor=uid))
    locked = services.question_by_uid(question.uid, for_update=True)
    if locked is None:
        abort(404)
    based_on = form.base_version.data or ""
    if based_on and based_on != str(locked.current_number):
        current = locked.current_number
        db.session.rollback()
        form.base_version.data = str(current)
        form.problems.append(
            f"Someone saved this question while you were editing it (it is now version "
            f"{current}). Your changes are below and were not saved: compare, then save again."
        )
        return None
    services.edit_question(locked, data, current_user.id)
    uid, slug = locked.uid, locked.lesson.slug
    db.session.commit()
    flash(
        "Question saved as a new version; past attempts keep the version they showed.",
        "success",
    )
    return redirect(url_for("instructor.questions", slug=slug, _anchor=uid))


@bp.route("/questions/<uid>/retire", methods=["POST"])
@instructor_required
def retire_question(uid: str) -> Response:
    return _set_status(uid, STATUS_RETIRED)


@bp.route("/questions/<uid>/reactivate", methods=["POST"])
@instructor_required
def reactivate_question(uid: str) -> Response:
    return _set_status(uid, STATUS_ACTIVE)


def _set_status(uid: str, status: str) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    begin_write()
    question = services.question_by_uid(uid, for_update=True)
    if question is None:
        abort(404)
    changed = services.set_status(question, status)
    slug = question.lesson.slug
    db.session.commit()
    if status == STATUS_RETIRED:
        message = (
            "Question retired: new quizzes leave it out; past attempts keep it."
            if changed
            else "That question was already retired."
        )
    else:
        message = (
            "Question reactivated: new quizzes can draw it again."
            if changed
            else "That question was already active."
        )
    flash(message, "success" if changed else "info")
    back = request.form.get("next", "")
    if not _is_local_instructor_path(back):
        back = url_for("instructor.questions", slug=slug)
    return redirect(f"{back}#{quote(uid, safe='')}")


def _is_local_instructor_path(target: str) -> bool:
    """Accept only a plain path of this workspace (no host, no odd characters)."""
    return LOCAL_BACK.fullmatch(target) is not None and not urlsplit(target).netloc


# --- lessons -------------------------------------------------------------------------


@bp.route("/lessons/<slug>/edit", methods=["GET", "POST"])
@instructor_required
def edit_lesson(slug: str) -> str | Response | tuple[str, int]:
    lesson = _lesson_or_404(slug)
    if request.method == "POST":
        form = LessonTextForm()
    else:
        text = services.lesson_text(lesson)
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
                "base": services.text_fingerprint(lesson),
            },
        )
        authoring.ensure_blank_row(form)
    form.anchors_in_use = services.anchors_in_use(lesson)
    preview, note, status = None, None, 200
    if request.method == "POST":
        note = authoring.apply_row_action(form, request.form)
        if note is None and form.validate():
            text = _lesson_text_from(form)
            if form.preview.data:
                preview = text
            else:
                begin_write()
                form.anchors_in_use = services.anchors_in_use(lesson)
                current = services.text_fingerprint(lesson)
                if form.base.data and form.base.data != current:
                    db.session.rollback()
                    form.base.data = current
                    form.problems.append(
                        "Someone saved this lesson while you were editing it. Your changes "
                        "are below and were not saved: compare, then save again."
                    )
                    status = 409
                elif not form.validate():  # a question may have taken an anchor meanwhile
                    db.session.rollback()
                else:
                    services.update_lesson_text(lesson, text)
                    db.session.commit()
                    flash(
                        "Lesson saved. Loading the course files no longer changes its text.",
                        "success",
                    )
                    return redirect(url_for("instructor.edit_lesson", slug=slug))
    page = render_template(
        "instructor/lesson_form.html", form=form, lesson=lesson, preview=preview, note=note
    )
    return page, status


def _lesson_text_from(form: LessonTextForm) -> services.LessonText:
    return services.LessonText(
        title=clean(form.title.data),
        body_md=clean(form.body_md.data) + "\n",
        objectives=form.objective_list(),
        key_terms=[
            {"term": clean(row.term.data), "definition": clean(row.definition.data)}
            for _, row in filled(form.key_terms)
        ],
        summary=clean(form.summary.data),
    )


@bp.route("/lessons/<slug>/settings", methods=["GET", "POST"])
@instructor_required
def lesson_settings(slug: str) -> str | Response | tuple[str, int]:
    lesson = _lesson_or_404(slug)
    current, unusable = services.current_settings(lesson)
    if request.method == "POST":
        form = QuizSettingsForm()
    else:
        form = QuizSettingsForm(
            formdata=None,
            data={
                "pass_mark": f"{current.pass_mark:g}",
                "max_attempts": str(current.max_attempts),
                "time_limit_minutes": str(current.time_limit_minutes),
                "draw": str(current.draw),
                "shuffle_questions": current.shuffle_questions,
                "shuffle_choices": current.shuffle_choices,
                "counted_score": current.counted_score,
                "base": services.settings_fingerprint(lesson),
            },
        )
    status = 200
    if form.validate_on_submit():
        values = form.values()
        form.add_problems(validate_settings(QuizSettings(**values, final_exam=current.final_exam)))
        if not form.errors and not form.problems:
            begin_write()
            fingerprint = services.settings_fingerprint(lesson)
            if form.base.data and form.base.data != fingerprint:
                db.session.rollback()
                form.base.data = fingerprint
                form.problems.append(
                    "Someone changed these settings while you were editing them. Your "
                    "values are below and were not saved: compare, then save again."
                )
                status = 409
            else:
                change = services.update_quiz_settings(lesson, values)
                db.session.commit()
                message = "Quiz settings saved."
                if change.grades_recomputed is not None:
                    count = change.grades_recomputed
                    whose = "learner's" if count == 1 else "learners'"
                    message += f" The grading rule changed: {count} {whose} grades were recomputed."
                flash(message, "success")
                return redirect(url_for("instructor.lesson_settings", slug=slug))
    page = render_template(
        "instructor/settings_form.html",
        form=form,
        lesson=lesson,
        final_exam=current.final_exam,
        unusable=unusable,
    )
    return page, status


# --- import and export ---------------------------------------------------------------


@bp.route("/lessons/<slug>/import", methods=["GET", "POST"])
@instructor_required
def import_upload(slug: str) -> str | Response:
    lesson = _lesson_or_404(slug)
    form = ImportForm()
    if form.validate_on_submit():
        _, file_error = importing.parse_upload(form.text, form.format.data)
        if file_error:
            form.file.errors = [*form.file.errors, file_error]
        else:
            token = importing.keep_upload(
                current_user.id,
                lesson.slug,
                form.format.data,
                bool(form.fresh_ids.data),
                form.file.data.filename or "",
                form.text,
            )
            return redirect(url_for("instructor.import_preview", slug=slug, token=token))
    return render_template("instructor/import_upload.html", form=form, lesson=lesson)


@bp.route("/lessons/<slug>/import/<token>", methods=["GET"])
@instructor_required
def import_preview(slug: str, token: str) -> str:
    lesson = _lesson_or_404(slug)
    upload = _upload_or_404(token, lesson)
    plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
    return _import_page(lesson, upload, plan)


@bp.route("/lessons/<slug>/import/<token>", methods=["POST"])
@instructor_required
def import_confirm(slug: str, token: str) -> str | Response | tuple[str, int]:
    if not EmptyForm().validate_on_submit():
        abort(400)
    begin_write()
    lesson = _lesson_or_404(slug)
    upload = _upload_or_404(token, lesson)
    plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
    if not plan.ok:
        db.session.rollback()
        problem = "Nothing was imported: the file has problems (listed below)."
        return _import_page(lesson, upload, plan, problem=problem), 409
    try:
        created = importing.commit_import(plan, lesson, current_user.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        problem = (
            "Nothing was imported: another change to the bank took some of these ids "
            "meanwhile. Check the list below and confirm again."
        )
        plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
        return _import_page(lesson, upload, plan, problem=problem), 409
    try:
        importing.forget_upload(token)
    except OSError:
        current_app.logger.warning("could not remove the import file %s", token)
    count = len(created)
    flash(f"Imported {count} question{'' if count == 1 else 's'}.", "success")
    return redirect(url_for("instructor.questions", slug=slug))


def _upload_or_404(token: str, lesson: Lesson) -> importing.Upload:
    upload = importing.find_upload(token, current_user.id, lesson.slug)
    if upload is None:
        abort(
            404,
            description=("This upload has expired or was already imported. Upload the file again."),
        )
    return upload


def _import_page(
    lesson: Lesson, upload: importing.Upload, plan: importing.ImportPlan, problem: str = ""
) -> str:
    return render_template(
        "instructor/import_preview.html",
        lesson=lesson,
        upload=upload,
        plan=plan,
        format_name=importing.FORMATS[upload.format][0],
        problem=problem,
        confirm_form=EmptyForm(),
        kinds=KINDS,
    )


@bp.route("/lessons/<slug>/export.gift")
@instructor_required
def export_lesson(slug: str) -> Response:
    lesson = _lesson_or_404(slug)
    return _gift_download(importing.export_gift(lesson), f"{lesson.slug}.gift")


@bp.route("/export.gift")
@instructor_required
def export_bank() -> Response:
    return _gift_download(importing.export_gift(), "question-bank.gift")


def _gift_download(text: str, filename: str) -> Response:
    return current_app.response_class(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _lesson_or_404(slug: str) -> Lesson:
    lesson = course_services.lesson_by_slug(slug)
    if lesson is None:
        abort(404)
    return lesson
