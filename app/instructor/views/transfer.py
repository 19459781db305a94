"""Import GIFT or Aiken files into a lesson (upload, preview, confirm) and export as GIFT."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.bank.types import TYPES
from app.course.models import Lesson
from app.database import unit_of_work
from app.forms import EmptyForm
from app.instructor import importing
from app.instructor.blueprint import bp, lesson_or_404
from app.instructor.forms.transfer import ImportForm
from app.security import download

UPLOAD_GONE = "This upload has expired or was already imported. Upload the file again."
NOT_IMPORTED = "Nothing was imported: the file has problems (listed below)."
TAKEN_MEANWHILE = (
    "Nothing was imported: another change to the bank took some of these ids "
    "meanwhile. Check the list below and confirm again."
)


class _PlanRefused(Exception):
    """Checked again under the lock, the upload has problems; nothing was imported."""

    def __init__(self, plan: importing.ImportPlan) -> None:
        super().__init__(NOT_IMPORTED)
        self.plan = plan


@bp.route("/lessons/<slug>/import", methods=["GET", "POST"])
@instructor_required
def import_upload(slug: str) -> str | Response:
    lesson = lesson_or_404(slug)
    form = ImportForm()
    if form.validate_on_submit():
        _, file_error = importing.parse_upload(form.text, form.format.data)
        if file_error:
            form.file.errors = [*form.file.errors, file_error]
        else:
            with unit_of_work():
                token = importing.keep_upload(
                    current_user.id,
                    lesson_or_404(slug),
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
    lesson = lesson_or_404(slug)
    upload = _upload_or_404(token, lesson)
    plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
    return _import_page(lesson, upload, plan)


@bp.route("/lessons/<slug>/import/<token>", methods=["POST"])
@instructor_required
def import_confirm(slug: str, token: str) -> str | Response | tuple[str, int]:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            lesson = lesson_or_404(slug)
            # The claim is the guard: of many confirmations at once, one imports.
            upload = _found_or_404(importing.claim_upload(token, current_user.id, lesson))
            plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
            if not plan.ok:
                raise _PlanRefused(plan)
            count = len(importing.commit_import(plan, lesson, current_user.id))
    except _PlanRefused as refused:
        return _import_page(lesson, upload, refused.plan, problem=str(refused)), 409
    except IntegrityError:
        plan = importing.plan_import(upload.text, upload.format, lesson, upload.fresh_ids)
        return _import_page(lesson, upload, plan, problem=TAKEN_MEANWHILE), 409
    flash(f"Imported {count} question{'' if count == 1 else 's'}.", "success")
    return redirect(url_for("instructor.questions", slug=slug))


def _upload_or_404(token: str, lesson: Lesson) -> importing.Upload:
    return _found_or_404(importing.find_upload(token, current_user.id, lesson))


def _found_or_404(upload: importing.Upload | None) -> importing.Upload:
    if upload is None:
        abort(404, description=UPLOAD_GONE)
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
        kinds=TYPES,
    )


@bp.route("/lessons/<slug>/export.gift")
@instructor_required
def export_lesson(slug: str) -> Response:
    lesson = lesson_or_404(slug)
    return _gift_download(importing.export_gift(lesson), f"{lesson.slug}.gift")


@bp.route("/export.gift")
@instructor_required
def export_bank() -> Response:
    return _gift_download(importing.export_gift(), "question-bank.gift")


def _gift_download(text: str, filename: str) -> Response:
    return download(text, filename)
