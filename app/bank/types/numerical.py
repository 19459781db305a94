"""Numerical: a number, right within a tolerance; '*' gives feedback for any other number."""

from __future__ import annotations

import math
from typing import Any

from wtforms import StringField
from wtforms.validators import Length, ValidationError

from app.bank.gift_syntax import answer_block, feedback, weight
from app.bank.gift_syntax import number as gift_number
from app.bank.grading import ANY_NUMBER_TOLERANCE, Grade, clamp, feedback_texts, is_any_number
from app.bank.limits import MAX_FEEDBACK
from app.bank.lint import items
from app.bank.model import NumericAnswer, QuestionData
from app.bank.numbers import parse_number
from app.bank.types.base import FormValues, MalformedAnswer, QuestionType, one_value
from app.bank.types.forms import (
    QuestionForm,
    Row,
    check_full_marks,
    check_weight,
    filled,
    fraction_of,
    percent_field,
    rows,
    weight_of,
)
from app.forms import clean

# Relative slack added to numerical tolerances, for binary floating-point error.
_EPSILON = 1e-12
# The longest number a learner's answer or a form field may hold.
MAX_NUMBER_LENGTH = 40


def read_numerical(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> float | None:
    """Read the learner's number as the forms read numbers (a decimal comma is fine)."""
    value = one_value(form, name)
    if value is None or not value.strip():
        return None
    if len(value.strip()) > MAX_NUMBER_LENGTH:
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not a usable number")
    try:
        return parse_number(value)
    except ValueError:
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not a number") from None


def grade_numerical(question: QuestionData, answer: Any) -> Grade:
    """Score the best answer whose tolerance covers the learner's number."""
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return Grade(0.0)
    value = float(answer)
    if not math.isfinite(value):
        return Grade(0.0)
    best = None
    for candidate in question.numeric_answers:
        if is_any_number(candidate):
            matches = True
        else:
            slack = _EPSILON * max(1.0, abs(candidate.value), abs(value))
            matches = abs(value - candidate.value) <= candidate.tolerance + slack
        if matches and (best is None or candidate.fraction > best.fraction):
            best = candidate
    if best is None:
        return Grade(0.0)
    return Grade(clamp(best.fraction), feedback_texts(best.feedback))


def store_numbers(question: QuestionData) -> dict[str, Any]:
    """Store ``{"answers": [{"value", "tolerance", "fraction", "feedback"}]}``; a range
    ``{#1..5}`` is stored as value 3, tolerance 2 (as Moodle does)."""
    return {
        "answers": [
            {
                "value": a.value,
                "tolerance": a.tolerance,
                "fraction": a.fraction,
                "feedback": a.feedback,
            }
            for a in question.numeric_answers
        ]
    }


def load_numbers(question: QuestionData, payload: dict[str, Any]) -> None:
    question.numeric_answers = [NumericAnswer(**a) for a in payload.get("answers", [])]


def _brief(value: float) -> str:
    """Show a number briefly, without float noise such as 0.30000000000000004."""
    return f"{value:.15g}"


def typed_number(question: QuestionData, answer: Any) -> str:
    """Show the learner's number as they would write it."""
    return f"{answer:g}" if isinstance(answer, float) else str(answer)


def best_numbers(question: QuestionData) -> str:
    """Name the numbers worth the most, with their tolerance ("" when none earns anything)."""
    answers = [a for a in question.numeric_answers if not is_any_number(a)]
    best = max((a.fraction for a in answers), default=0.0)
    if best <= 0:
        return ""
    return " or ".join(
        _brief(a.value) + (f" ± {_brief(a.tolerance)}" if a.tolerance else "")
        for a in answers
        if a.fraction == best
    )


def write_numerical(question: QuestionData) -> str:
    """Write '{#' answers as value:tolerance; a last catch-all becomes '~#feedback'."""
    fmt = question.text_format
    items = []
    last = len(question.numeric_answers) - 1
    for index, answer in enumerate(question.numeric_answers):
        answer_feedback = feedback(answer.feedback, fmt)
        if is_any_number(answer):
            if index == last and answer.fraction == 0:
                items.append("~" + answer_feedback)
            else:
                items.append("=" + weight(answer.fraction) + "*" + answer_feedback)
            continue
        mark = "" if answer.fraction == 1 else weight(answer.fraction)
        value = gift_number(answer.value) + ":" + gift_number(answer.tolerance)
        items.append("=" + mark + value + answer_feedback)
    return "{#\n" + answer_block(items, question)[2:]


class NumberRow(Row):
    """An accepted number ± tolerance; the value '*' stands for any other number."""

    value = StringField("Number", validators=[Length(max=MAX_NUMBER_LENGTH)])
    tolerance = StringField("± tolerance", default="0", validators=[Length(max=MAX_NUMBER_LENGTH)])
    weight = StringField("Weight %", default="100", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def is_blank(self) -> bool:
        return not clean(self.value.data) and not clean(self.feedback.data)

    def is_any_number(self) -> bool:
        return clean(self.value.data) == "*"

    def validate_value(self, field: StringField) -> None:
        text = clean(field.data)
        if not text:
            if clean(self.feedback.data):
                raise ValidationError("Give the number, or clear this row.")
            return
        if text == "*":
            return
        try:
            parse_number(text)
        except ValueError:
            raise ValidationError(f"'{text[:40]}' is not a number.") from None

    def validate_tolerance(self, field: StringField) -> None:
        if self.is_blank() or self.is_any_number():
            return
        text = clean(field.data) or "0"
        try:
            tolerance = parse_number(text)
        except ValueError:
            raise ValidationError(f"'{text[:40]}' is not a number.") from None
        if tolerance < 0:
            raise ValidationError("The tolerance cannot be negative.")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=100, example="100 or 50")

    def answer(self) -> NumericAnswer:
        """Read the row into the accepted answer it stands for."""
        fraction = fraction_of(self.weight.data, 100)
        answer_feedback = clean(self.feedback.data)
        if self.is_any_number():
            return NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, fraction, answer_feedback)
        tolerance = parse_number(clean(self.tolerance.data) or "0")
        return NumericAnswer(
            parse_number(clean(self.value.data)), tolerance, fraction, answer_feedback
        )


class NumericalForm(QuestionForm):
    kind = "numerical"
    rows_name = "answers"
    answers = rows(NumberRow, "Accepted numbers", 2)

    def validate_answers(self, field: Any) -> None:
        numbers = [row for _, row in filled(field) if not row.is_any_number()]
        if not numbers:
            raise ValidationError("Give at least one accepted number.")
        try:
            best = max(weight_of(row.weight.data, 100) for row in numbers)
            accepted = [
                (parse_number(clean(row.value.data)), clean(row.tolerance.data)) for row in numbers
            ]
        except ValueError:
            return
        if len(set(accepted)) != len(accepted):
            raise ValidationError("Two rows accept the same number; remove one.")
        check_full_marks(best)

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        return {
            "answers": [
                {
                    "value": "*" if is_any_number(a) else gift_number(a.value),
                    "tolerance": "0" if is_any_number(a) else gift_number(a.tolerance),
                    "weight": percent_field(a.fraction),
                    "feedback": a.feedback,
                }
                for a in question.numeric_answers
            ]
        }

    def fill(self, question: QuestionData) -> None:
        question.numeric_answers = [row.answer() for _, row in filled(self.answers)]
        # A catch-all must come last: GIFT writes a final one as '~#feedback'.
        question.numeric_answers.sort(key=is_any_number)


TYPE = QuestionType(
    name="numerical",
    label="Numerical",
    add_label="Add a numerical question",
    read_answer=read_numerical,
    grade=grade_numerical,
    write_gift=write_numerical,
    form=NumericalForm,
    answer_text=typed_number,
    correct_answer_text=best_numbers,
    answer_max_length=MAX_NUMBER_LENGTH,
    store=store_numbers,
    load=load_numbers,
    lint_rules=(items.stem_says_lesson,),
)
