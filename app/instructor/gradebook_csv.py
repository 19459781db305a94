"""The gradebook as CSV: one row per learner, a score column per lesson.

Pure functions (no Flask, no database): `csv_chunks` turns a summarised gradebook
into text, row by row, so the view can stream it. Spreadsheet apps get what they
need to show the file right and safely: a byte-order mark (accented names), CRLF
line ends (Python's csv default), scores as numbers, times in ISO 8601 UTC, and
text cells that would start a formula prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date

from app.instructor.gradebook import Cell, Gradebook

BOM = "\ufeff"
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Keep a text cell text: prefix a would-be formula with an apostrophe (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _score(cell: Cell | None) -> float | str:
    return round(cell.percent, 2) if cell is not None and cell.percent is not None else ""


def header(gradebook: Gradebook) -> list[str]:
    columns = ["Name", "Email"]
    columns += [f"{lesson.title} (%)" for lesson in gradebook.lessons]
    if gradebook.final_exam is not None:
        columns.append(f"{gradebook.final_exam.title} (%)")
    columns += ["Lessons passed", "Lessons", "Last activity (UTC)"]
    return [neutralise(column) for column in columns]


def rows(gradebook: Gradebook) -> Iterator[list[str | float | int]]:
    """Yield one row per learner, in the gradebook's order."""
    for row in gradebook.rows:
        values: list[str | float | int] = [
            neutralise(row.learner.name),
            neutralise(row.learner.email),
        ]
        values += [_score(cell) for cell in row.cells]
        if gradebook.final_exam is not None:
            values.append(_score(row.final))
        values += [row.lessons_passed, row.lessons_total]
        values.append(row.last_activity.isoformat() if row.last_activity else "")
        yield values


def csv_chunks(gradebook: Gradebook) -> Iterator[str]:
    """Yield the file a line at a time: the byte-order mark and header, then each learner."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: CRLF line ends, quotes where needed

    def line(values: list) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header(gradebook))
    for values in rows(gradebook):
        yield line(values)


def csv_filename(course_title: str, day: date) -> str:
    """Name the download `<course>-gradebook-YYYY-MM-DD.csv`, in plain ASCII."""
    ascii_title = unicodedata.normalize("NFKD", course_title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "course"
    return f"{slug}-gradebook-{day.isoformat()}.csv"
