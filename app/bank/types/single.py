"""Single choice: one right choice among several, shown in a shuffled order."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectChoice
from wtforms.validators import ValidationError

from app.bank.gift_syntax import answer_block
from app.bank.grading import Grade, clamp, feedback_texts, is_index
from app.bank.lint import choices, items
from app.bank.model import QuestionData
from app.bank.types.base import FormValues, QuestionType, display_index, one_value
from app.bank.types.choices import CHOICE_PARTS, ChoiceRow, ChoicesForm, choice_text, write_choices
from app.bank.types.forms import filled, percent_field, rows
from app.forms import clean


def read_single(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> int | None:
    value = one_value(form, name)
    if value is None or value == "":
        return None
    return display_index(value, order, name)


def grade_single(question: QuestionData, answer: Any) -> Grade:
    """Score the one chosen choice (an index into `choices`)."""
    if not is_index(answer) or not 0 <= answer < len(question.choices):
        return Grade(0.0)
    choice = question.choices[answer]
    return Grade(clamp(choice.fraction), feedback_texts(choice.feedback))


def best_answers(question: QuestionData) -> str:
    """Name the answers worth the most ("" when none earns anything)."""
    best = max((c.fraction for c in question.choices), default=0.0)
    if best <= 0:
        return ""
    return " or ".join(c.text for c in question.choices if c.fraction == best)


def write_single(question: QuestionData) -> str:
    """Write one '=' choice (worth 100%) and '~' for the others."""
    right = next(
        (
            index
            for index, choice in enumerate(question.choices)
            if choice.fraction == 1 and not choice.text.startswith("%")
        ),
        None,
    )
    if right is None:
        raise ValueError(
            "a single-choice question needs an answer worth 100% (not starting with '%') "
            "to be written in GIFT"
        )
    return answer_block(write_choices(question, right), question)


class SingleForm(ChoicesForm):
    kind = "single"
    choices = rows(ChoiceRow, "Choices", 4)
    correct = RadioField("Correct choice", choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows_changed()

    def validate_correct(self, field: RadioField) -> None:
        value = field.data or ""
        if not value:
            raise ValidationError("Mark which choice is correct.")
        if not value.isdigit() or int(value) >= len(self.choices.entries):
            raise ValidationError("Mark one of the choices as correct.")
        row = self.choices.entries[int(value)].form
        if row.is_blank() or not clean(row.text.data):
            raise ValidationError("The choice marked correct is empty.")
        if clean(row.weight.data) and clean(row.weight.data).removesuffix("%") != "100":
            raise ValidationError(
                "The correct choice is worth 100%: leave its weight empty "
                "(weights give partial credit to the other choices)."
            )

    def rows_changed(self, removed: int | None = None) -> None:
        """Offer one 'correct' button per row, still on the same choice after a removal."""
        correct = self.correct.data or ""
        if removed is not None and correct.isdigit():
            position = int(correct)
            self.correct.data = (
                None
                if position == removed
                else str(position - 1)
                if position > removed
                else correct
            )
        self.correct.choices = [
            SelectChoice(str(i), f"Choice {i + 1}") for i in range(len(self.choices.entries))
        ]

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        right = next((i for i, c in enumerate(question.choices) if c.fraction >= 1), None)
        return {
            "correct": None if right is None else str(right),
            "choices": [
                ChoiceRow.values_of(
                    c, "" if i == right or c.fraction == 0 else percent_field(c.fraction)
                )
                for i, c in enumerate(question.choices)
            ],
        }

    def fill(self, question: QuestionData) -> None:
        correct = int(self.correct.data)
        question.choices = [
            row.to_choice(fraction=1.0 if index == correct else None)
            for index, row in filled(self.choices)
        ]


TYPE = QuestionType(
    name="single",
    label="Single choice",
    add_label="Add a single-choice question",
    read_answer=read_single,
    grade=grade_single,
    write_gift=write_single,
    form=SingleForm,
    answer_text=choice_text,
    correct_answer_text=best_answers,
    **CHOICE_PARTS,
    lint_rules=(
        choices.key_length,
        choices.stem_overlap,
        choices.key_convergence,
        choices.absolute_words,
        choices.all_none_above,
        choices.few_options,
        items.stem_says_lesson,
    ),
)
