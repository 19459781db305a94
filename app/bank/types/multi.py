"""Multiple response: every right choice earns its share, wrong ones may cost points."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms.validators import ValidationError

from app.bank.gift_syntax import answer_block
from app.bank.grading import Grade, clamp, feedback_texts, is_index
from app.bank.lint import choices, items
from app.bank.model import QuestionData
from app.bank.numbers import WEIGHT_SUM_SLACK_PERCENT, percent_text
from app.bank.types.base import NO_ANSWER, FormValues, QuestionType, display_index, values
from app.bank.types.choices import (
    CHOICE_PARTS,
    ChoiceRow,
    ChoicesForm,
    choice_text,
    load_choices,
    store_choices,
    write_choices,
)
from app.bank.types.forms import filled, percent_field, rows, weight_of


def read_multi(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> list[int] | None:
    picked = {display_index(v, order, name) for v in values(form, name) if v != ""}
    return sorted(picked) or None


def grade_multi(question: QuestionData, answer: Any) -> Grade:
    """Add up the chosen choices' weights, each counted once, clamped to 0..1.

    An all-or-nothing question scores 1 for exactly its positively weighted choices
    and 0 for anything else.
    """
    if not isinstance(answer, list | tuple | set | frozenset):
        return Grade(0.0)
    picked = sorted(
        {index for index in answer if is_index(index) and 0 <= index < len(question.choices)}
    )
    if not picked:
        return Grade(0.0)
    chosen = [question.choices[index] for index in picked]
    feedback = feedback_texts(*(choice.feedback for choice in chosen))
    if question.all_or_nothing:
        right = [index for index, choice in enumerate(question.choices) if choice.fraction > 0]
        return Grade(1.0 if picked == right else 0.0, feedback)
    total = sum(choice.fraction for choice in chosen)
    return Grade(clamp(total), feedback)


def store_multi(question: QuestionData) -> dict[str, Any]:
    """Store choices as single choice does, plus ``"all_or_nothing": true`` when set."""
    stored = store_choices(question)
    return {**stored, "all_or_nothing": True} if question.all_or_nothing else stored


def load_multi(question: QuestionData, payload: dict[str, Any]) -> None:
    load_choices(question, payload)
    question.all_or_nothing = bool(payload.get("all_or_nothing", False))


def tick_everything_problem(question: QuestionData) -> str | None:
    """Say why ticking every box would earn marks on a multiple-response question, or None.

    The rule every way in applies (GIFT, Aiken, the course files, the web form):
    unless every choice is right, ticking them all must score 0. It asks the grader
    itself, so the rule and the scores cannot drift apart.
    """
    if question.type != "multi":
        return None
    wrong = [choice for choice in question.choices if choice.fraction <= 0]
    if not wrong:
        return None
    score = grade_multi(question, list(range(len(question.choices)))).fraction
    if score <= 0:
        return None
    name = wrong[0].text if len(wrong[0].text) <= 60 else wrong[0].text[:57] + "..."
    return (
        f"ticking every box scores {score * 100:.4g}% although '{name}' is wrong: give the "
        "wrong answers negative weights that cancel the right ones, or make the question "
        "all-or-nothing"
    )


def chosen_texts(question: QuestionData, answer: Any) -> str:
    """Name every chosen choice."""
    if not isinstance(answer, list):
        return NO_ANSWER
    return "; ".join(choice_text(question, index) for index in answer)


def right_choices(question: QuestionData) -> str:
    """Name the choices worth points."""
    return "; ".join(c.text for c in question.choices if c.fraction > 0)


def write_multi(question: QuestionData) -> str:
    """Write every choice with '~' (and its weight), so that Moodle reads multiple response."""
    return answer_block(write_choices(question), question)


class MultiForm(ChoicesForm):
    kind = "multi"
    choices = rows(ChoiceRow, "Choices", 5)

    def check_weights(self, filled_rows: list[ChoiceRow]) -> None:
        """Refuse weights with which picking every right choice does not give full marks."""
        try:
            weights = [weight_of(row.weight.data, 0) for row in filled_rows]
        except ValueError:
            return  # the row says which weight it cannot read
        positive = sum((w for w in weights if w > 0), Decimal(0))
        if positive == 0:
            raise ValidationError(
                "No correct choice: give each right choice a positive weight (e.g. 50 and 50)."
            )
        if abs(positive - 100) > WEIGHT_SUM_SLACK_PERCENT:
            raise ValidationError(
                f"The positive weights add up to {percent_text(positive)}, not 100%: "
                "a learner who picks every right choice must get full marks."
            )

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        return {
            "choices": [
                ChoiceRow.values_of(c, "" if c.fraction == 0 else percent_field(c.fraction))
                for c in question.choices
            ]
        }

    def fill(self, question: QuestionData) -> None:
        question.choices = [row.to_choice() for _, row in filled(self.choices)]


TYPE = QuestionType(
    name="multi",
    label="Multiple response",
    add_label="Add a multiple-response question",
    read_answer=read_multi,
    grade=grade_multi,
    write_gift=write_multi,
    form=MultiForm,
    answer_text=chosen_texts,
    correct_answer_text=right_choices,
    **{**CHOICE_PARTS, "store": store_multi, "load": load_multi},
    lint_rules=(
        choices.stem_overlap,
        choices.key_convergence,
        choices.absolute_words,
        choices.all_none_above,
        choices.few_options,
        choices.multi_keys_length,
        items.stem_says_lesson,
    ),
)
