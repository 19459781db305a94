"""One registry: each question type's label, how a learner's form answer is read,
which template renders it, and which pure grader scores it.

Answers are read from form fields named after the question's position in the
attempt: ``q3`` (one value, or several for multiple response) and ``q3-r0``,
``q3-r1``… for the rows of a matching question; an unanswered question reads
as None. Choice values are positions in
the attempt's shuffled display order, never indexes into the stored answers, so
nothing in the form tells which choice is right.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.bank.grading import GRADERS, Grade, matching_rows
from app.bank.model import QuestionData

__all__ = [
    "KINDS",
    "MalformedAnswer",
    "QuestionKind",
    "display_order",
    "field_name",
    "matching_rows",
]

MAX_TEXT_ANSWER = 500
MAX_VALUES_PER_FIELD = 50


class FormValues(Protocol):
    def getlist(self, key: str) -> list[str]: ...


class MalformedAnswer(ValueError):
    """A submitted answer cannot be read; the message says which and why."""


@dataclass(frozen=True)
class QuestionKind:
    name: str
    label: str
    scored: bool
    read_answer: Callable[[FormValues, str, QuestionData, list[int]], Any]
    template_name: str | None = None

    @property
    def template(self) -> str:
        """Return the partial that renders this type for a learner."""
        return f"quizzes/types/_{self.template_name or self.name}.html"

    @property
    def grader(self) -> Callable[[QuestionData, Any], Grade]:
        """Return the pure function that grades this type (from app.bank.grading)."""
        return GRADERS[self.name]


def field_name(position: int) -> str:
    """Return the form field name for the question at `position` of an attempt."""
    return f"q{position}"


def _values(form: FormValues, name: str) -> list[str]:
    values = form.getlist(name)
    if len(values) > MAX_VALUES_PER_FIELD:
        raise MalformedAnswer(f"too many values for {name}")
    return values


def _one(form: FormValues, name: str) -> str | None:
    values = _values(form, name)
    if not values:
        return None
    if len(set(values)) > 1:
        raise MalformedAnswer(f"{name} was sent with several different answers")
    return values[0]


def _display_index(value: str, order: list[int], name: str) -> int:
    if not re.fullmatch(r"\d{1,4}", value.strip()):
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not one of the offered choices")
    index = int(value)
    if index >= len(order):
        raise MalformedAnswer(f"{name}: choice {index} does not exist")
    return order[index]


def read_single(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> int | None:
    value = _one(form, name)
    if value is None or value == "":
        return None
    return _display_index(value, order, name)


def read_multi(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> list[int] | None:
    picked = {_display_index(v, order, name) for v in _values(form, name) if v != ""}
    return sorted(picked) or None


def read_truefalse(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> bool | None:
    value = _one(form, name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise MalformedAnswer(f"{name}: '{value[:40]}' is neither true nor false")
    return value == "true"


def read_short(form: FormValues, name: str, question: QuestionData, order: list[int]) -> str | None:
    value = _one(form, name)
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > MAX_TEXT_ANSWER:
        raise MalformedAnswer(f"{name}: the answer is longer than {MAX_TEXT_ANSWER} characters")
    return value or None


def read_numerical(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> float | None:
    value = _one(form, name)
    if value is None or not value.strip():
        return None
    text = value.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not a number") from None
    if not math.isfinite(number) or len(text) > 40:
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not a usable number")
    return number


def read_matching(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> list[int | None] | None:
    answer: list[int | None] = []
    for row in range(len(matching_rows(question))):
        row_name = f"{name}-r{row}"
        value = _one(form, row_name)
        answer.append(None if value in (None, "") else _display_index(value, order, row_name))
    return answer if any(row is not None for row in answer) else None


def read_nothing(form: FormValues, name: str, question: QuestionData, order: list[int]) -> None:
    return None


KINDS: dict[str, QuestionKind] = {
    kind.name: kind
    for kind in (
        QuestionKind("single", "Single choice", True, read_single),
        QuestionKind("multi", "Multiple response", True, read_multi),
        QuestionKind("truefalse", "True / false", True, read_truefalse),
        QuestionKind("short", "Short answer", True, read_short),
        QuestionKind("numerical", "Numerical", True, read_numerical),
        QuestionKind("matching", "Matching", True, read_matching),
        QuestionKind("description", "Description", False, read_nothing),
        QuestionKind("essay", "Essay (not gradable here)", False, read_nothing, "description"),
    )
}


def display_order(question: QuestionData, shuffle: bool, rng: Any) -> list[int]:
    """Return the order in which an attempt shows the question's choices."""
    if question.type in ("single", "multi"):
        order = list(range(len(question.choices)))
    elif question.type == "matching":
        seen: set[str] = set()
        order = []
        for index, pair in enumerate(question.pairs):
            if pair.right not in seen:
                seen.add(pair.right)
                order.append(index)
    else:
        return []
    if shuffle:
        rng.shuffle(order)
    return order
