"""What single-choice and multiple-response questions share: choices, shown in an order."""

from __future__ import annotations

from typing import Any

from wtforms import StringField
from wtforms.validators import Length, ValidationError

from app.bank.gift_syntax import escape_part, feedback, weight
from app.bank.limits import MAX_ANSWER, MAX_FEEDBACK
from app.bank.model import Choice, QuestionData
from app.bank.types.base import shuffled
from app.bank.types.forms import QuestionForm, WeightedRow, check_weight, duplicates, filled
from app.forms import clean


class ChoiceRow(WeightedRow):
    text = StringField("Choice", validators=[Length(max=MAX_ANSWER)])
    weight = StringField("Weight %", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def validate_text(self, field: StringField) -> None:
        if not clean(field.data) and (clean(self.feedback.data) or clean(self.weight.data)):
            raise ValidationError("Write the choice, or clear this row.")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=0, example="50 or -25")


class ChoicesForm(QuestionForm):
    """The authoring form of a question answered by picking among choices."""

    rows_name = "choices"

    def validate_choices(self, field: Any) -> None:
        filled_rows = [row for _, row in filled(field)]
        if len(filled_rows) < 2:
            raise ValidationError("Give at least two choices.")
        if duplicates([clean(row.text.data) for row in filled_rows]):
            raise ValidationError("Two choices say the same thing; make each choice different.")
        self.check_weights(filled_rows)

    def check_weights(self, filled_rows: list[ChoiceRow]) -> None:
        """Refuse weights that cannot give full marks (the type's own rule)."""


def choice_dict(choice: Choice) -> dict[str, Any]:
    return {"text": choice.text, "fraction": choice.fraction, "feedback": choice.feedback}


def store_choices(question: QuestionData) -> dict[str, Any]:
    """Store choices: ``{"choices": [{"text", "fraction", "feedback"}]}``.

    ``fraction`` is the share of the points for picking that choice, from -1.0 to 1.0.
    """
    return {"choices": [choice_dict(c) for c in question.choices]}


def load_choices(question: QuestionData, payload: dict[str, Any]) -> None:
    question.choices = [Choice(**c) for c in payload.get("choices", [])]


def choice_order(question: QuestionData, shuffle: bool, rng: Any) -> list[int]:
    """Return the order in which an attempt shows the choices."""
    return shuffled(list(range(len(question.choices))), shuffle, rng)


def choice_text(question: QuestionData, index: Any) -> str:
    """Name a chosen choice ("?" for an index that is not one)."""
    if isinstance(index, int) and 0 <= index < len(question.choices):
        return question.choices[index].text
    return "?"


def write_choices(question: QuestionData, right: int | None = None) -> list[str]:
    """Write choices so that Moodle reads the same type: '=' marks `right`, '~' the others."""
    fmt = question.text_format
    items = []
    for index, choice in enumerate(question.choices):
        if index == right:
            marker = "="
        elif choice.fraction == 0 and not choice.text.startswith("%"):
            marker = "~"
        else:
            marker = "~" + weight(choice.fraction)
        items.append(marker + escape_part(choice.text, fmt) + feedback(choice.feedback, fmt))
    return items


# The parts single choice and multiple response share, for their TYPE entries.
CHOICE_PARTS = {"display_order": choice_order, "store": store_choices, "load": load_choices}
