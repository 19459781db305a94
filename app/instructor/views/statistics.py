"""The statistics room: a lesson's item analysis (or the final exam's), and its exports.

The figures come from `statistics_reads.current_statistics` (stored, recomputed only
when the lesson's graded revision moved on); these views pick the attempt set and
render or download them.
"""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from app.auth.access import instructor_required
from app.instructor import statistics as stats
from app.instructor import statistics_export as export
from app.instructor.blueprint import bp, lesson_or_404
from app.instructor.statistics_reads import current_statistics
from app.instructor.views.gradebook import grade_overdue_attempts
from app.security import download


def _figures(slug: str) -> tuple[object, str, dict]:
    lesson = lesson_or_404(slug)
    attempt_set = stats.parse_set(request.args.get("attempts"))
    grade_overdue_attempts()
    return lesson, attempt_set, current_statistics(lesson.id, attempt_set)


@bp.route("/lessons/<slug>/statistics")
@instructor_required
def statistics(slug: str) -> str:
    lesson, attempt_set, figures = _figures(slug)
    return render_template(
        "instructor/statistics.html",
        lesson=lesson,
        attempt_set=attempt_set,
        figures=figures,
        sets=stats.ATTEMPT_SETS,
        set_labels=stats.SET_LABELS,
        bars=stats.histogram_bars(figures["histogram"]),
        figure=stats.format_figure,
        min_responses=stats.MIN_RESPONSES_FOR_FLAGS,
    )


@bp.route("/lessons/<slug>/statistics.csv")
@instructor_required
def statistics_csv(slug: str) -> Response:
    lesson, attempt_set, figures = _figures(slug)
    chunks = (chunk.encode("utf-8") for chunk in export.csv_chunks(figures))
    name = export.export_filename(lesson.slug, attempt_set, "csv")
    return download(chunks, name, mimetype="text/csv")


@bp.route("/lessons/<slug>/statistics.json")
@instructor_required
def statistics_json(slug: str) -> Response:
    lesson, attempt_set, figures = _figures(slug)
    name = export.export_filename(lesson.slug, attempt_set, "json")
    return download(export.json_text(lesson.slug, figures), name, mimetype="application/json")
