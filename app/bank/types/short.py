"""Short answer: the learner types a few words; '*' in an accepted answer matches any text."""

from __future__ import annotations

from typing import Any

from wtforms import StringField
from wtforms.validators import Length, ValidationError

from app.bank.gift_syntax import (
    FALSE_WORDS,
    TRUE_WORDS,
    answer_block,
    escape_part,
    feedback,
    general_feedback,
    weight,
)
from app.bank.grading import Grade, clamp, feedback_texts, normalise_text, short_answer_matches
from app.bank.limits import MAX_ANSWER, MAX_FEEDBACK
from app.bank.lint import items
from app.bank.model import Choice, QuestionData
from app.bank.types.base import (
    MAX_TEXT_ANSWER,
    FormValues,
    MalformedAnswer,
    QuestionType,
    one_value,
)
from app.bank.types.choices import choice_dict
from app.bank.types.forms import (
    QuestionForm,
    WeightedRow,
    check_full_marks,
    check_weight,
    duplicates,
    filled,
    percent_field,
    rows,
    weight_of,
)
from app.bank.types.single import best_answers
from app.forms import clean


def read_short(form: FormValues, name: str, question: QuestionData, order: list[int]) -> str | None:
    value = one_value(form, name)
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > MAX_TEXT_ANSWER:
        raise MalformedAnswer(f"{name}: the answer is longer than {MAX_TEXT_ANSWER} characters")
    return value or None


def grade_short(question: QuestionData, answer: Any) -> Grade:
    """Score the best accepted answer that matches the learner's text."""
    if not isinstance(answer, str):
        return Grade(0.0)
    given = normalise_text(answer)
    if not given:
        return Grade(0.0)
    best = None
    for choice in question.choices:
        if short_answer_matches(choice.text, given) and (
            best is None or choice.fraction > best.fraction
        ):
            best = choice
    if best is None:
        return Grade(0.0)
    return Grade(clamp(best.fraction), feedback_texts(best.feedback))


def store_answers(question: QuestionData) -> dict[str, Any]:
    """Store accepted answers: ``{"answers": [{"text", "fraction", "feedback"}]}``."""
    return {"answers": [choice_dict(c) for c in question.choices]}


def load_answers(question: QuestionData, payload: dict[str, Any]) -> None:
    question.choices = [Choice(**c) for c in payload.get("answers", [])]


def typed(question: QuestionData, answer: Any) -> str:
    """Quote what the learner typed."""
    return str(answer)


def write_short(question: QuestionData) -> str:
    """Write accepted answers as '=' items, or bare when '->' would make Moodle see matching."""
    fmt = question.text_format
    items = []
    for choice in question.choices:
        mark = ""
        if choice.fraction != 1 or choice.text.startswith("%"):
            mark = weight(choice.fraction)
        items.append(mark + escape_part(choice.text, fmt) + feedback(choice.feedback, fmt))
    if not any("->" in c.text or "->" in c.feedback for c in question.choices):
        return answer_block(["=" + item for item in items], question)
    # With '=' and '->' in the answers Moodle reads a matching question; one answer
    # can go without '=' (as '{a->b}'), several cannot.
    if len(items) != 1 or question.choices[0].text in TRUE_WORDS + FALSE_WORDS:
        raise ValueError(
            f"short answers {[c.text for c in question.choices]!r} cannot be written in GIFT: "
            "with '->' in them Moodle would read a matching question"
        )
    return "{" + items[0] + general_feedback(question) + "}"


class AnswerRow(WeightedRow):
    """An accepted short answer; '*' in it matches any text."""

    default_weight = 100
    text = StringField("Accepted answer", validators=[Length(max=MAX_ANSWER)])
    weight = StringField("Weight %", default="100", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def validate_text(self, field: StringField) -> None:
        if not clean(field.data) and clean(self.feedback.data):
            raise ValidationError("Write the accepted answer, or clear this row.")
        if "->" in clean(field.data):
            raise ValidationError("An answer cannot contain '->' (GIFT reads it as matching).")

    def validate_feedback(self, field: StringField) -> None:
        if "->" in clean(field.data):
            raise ValidationError("Feedback cannot contain '->' (GIFT reads it as matching).")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=100, example="100 or 50")


class ShortForm(QuestionForm):
    kind = "short"
    rows_name = "answers"
    answers = rows(AnswerRow, "Accepted answers", 3)

    def validate_answers(self, field: Any) -> None:
        filled_rows = filled(field)
        if not filled_rows:
            raise ValidationError("Give at least one accepted answer.")
        if duplicates([clean(row.text.data) for _, row in filled_rows]):
            raise ValidationError("Two answers are the same; each accepted answer must differ.")
        try:
            best = max(weight_of(row.weight.data, 100) for _, row in filled_rows)
        except ValueError:
            return
        check_full_marks(best)

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        return {
            "answers": [AnswerRow.values_of(c, percent_field(c.fraction)) for c in question.choices]
        }

    def fill(self, question: QuestionData) -> None:
        question.choices = [row.to_choice() for _, row in filled(self.answers)]


TYPE = QuestionType(
    name="short",
    label="Short answer",
    add_label="Add a short-answer question",
    read_answer=read_short,
    grade=grade_short,
    write_gift=write_short,
    form=ShortForm,
    answer_text=typed,
    correct_answer_text=best_answers,
    answer_max_length=MAX_TEXT_ANSWER,
    store=store_answers,
    load=load_answers,
    lint_rules=(items.stem_says_lesson,),
)
