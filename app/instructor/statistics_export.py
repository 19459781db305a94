"""A lesson's statistics as CSV and JSON: every stored figure, to check elsewhere. Pure.

The CSV keeps the gradebook CSV's rules (`gradebook_csv`: byte-order mark, CRLF,
numbers as numbers, text cells that would start a formula neutralised): one row
per question version, then its options, then the quiz-level figures.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from app.instructor.gradebook_csv import BOM, neutralise

COLUMNS = [
    "Row", "Question", "Title", "Version", "Type", "Option", "Key", "Responses", "Facility",
    "SD", "Discrimination", "Picked by everyone", "Picked by top third",
    "Picked by bottom third", "Flags",
]  # fmt: skip


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 6)


def csv_rows(figures: dict[str, Any]) -> Iterator[list[Any]]:
    """Yield the header, the quiz row, then each version and its options."""
    yield COLUMNS
    quiz = figures["quiz"]
    yield ["quiz", "", "", "", "", "", "", quiz["attempts"], "", _number(quiz["sd"]), "", "", "",
           "", f"mean {_number(quiz['mean'])}; median {_number(quiz['median'])}; "
           f"alpha {_number(quiz['alpha'])}; SEM {_number(quiz['sem'])}; "
           f"common questions {quiz['common_items']}"]  # fmt: skip
    for question in figures["questions"]:
        for version in question["versions"]:
            yield ["version", neutralise(question["uid"]), neutralise(question["title"]),
                   version["number"], version["type"], "", "", version["responses"],
                   _number(version["facility"]), _number(version["sd"]),
                   _number(version["discrimination"]), "", "", "",
                   neutralise(" | ".join(version["flags"]))]  # fmt: skip
            for option in version["options"]:
                yield ["option", neutralise(question["uid"]), "", version["number"],
                       version["type"], neutralise(f"{option['label']}. {option['text']}"),
                       "yes" if option["key"] else "no", "", "", "", "",
                       _number(option["everyone"]), _number(option["top"]),
                       _number(option["bottom"]), ""]  # fmt: skip


def csv_chunks(figures: dict[str, Any]) -> Iterator[str]:
    """Yield the CSV a line at a time, the first with the byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, row in enumerate(csv_rows(figures)):
        writer.writerow(row)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield (BOM + text) if index == 0 else text


def json_text(lesson_slug: str, figures: dict[str, Any]) -> str:
    """Return the figures as JSON (the stored document with the lesson named)."""
    return json.dumps({"lesson": lesson_slug, **figures}, ensure_ascii=False, indent=1)


def export_filename(lesson_slug: str, attempt_set: str, extension: str) -> str:
    """Name a download `<lesson>-statistics-<set>.<ext>` (the slug is ASCII already)."""
    return f"{lesson_slug}-statistics-{attempt_set}.{extension}"
