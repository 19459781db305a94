"""Description: text between questions (no answer, no points)."""

from __future__ import annotations

from typing import Any

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.bank.grading import Grade
from app.bank.limits import MAX_PROMPT
from app.bank.model import QuestionData
from app.bank.types.base import QuestionType, read_nothing
from app.bank.types.forms import QuestionForm


def grade_description(question: QuestionData, answer: Any) -> Grade:
    """Score nothing: a description only shows text."""
    return Grade(0.0)


def write_description(question: QuestionData) -> None:
    """Write no answer block (GIFT has nowhere to put general feedback then)."""
    if question.general_feedback:
        raise ValueError("a description cannot carry general feedback in GIFT (it has no '{}')")


class DescriptionForm(QuestionForm):
    kind = "description"
    prompt_hint = None

    prompt = TextAreaField(
        "Text", validators=[DataRequired("Write the text."), Length(max=MAX_PROMPT)]
    )


TYPE = QuestionType(
    name="description",
    label="Description",
    add_label="Add a description (no answer)",
    read_answer=read_nothing,
    grade=grade_description,
    write_gift=write_description,
    form=DescriptionForm,
)
