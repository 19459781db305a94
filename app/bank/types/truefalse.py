"""True / false: a statement the learner judges."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.bank.gift_syntax import escape_part, general_feedback
from app.bank.grading import Grade, feedback_texts
from app.bank.limits import MAX_FEEDBACK
from app.bank.lint import choices, items
from app.bank.model import QuestionData
from app.bank.types.base import FormValues, MalformedAnswer, QuestionType, one_value
from app.bank.types.forms import QuestionForm
from app.forms import clean


def read_truefalse(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> bool | None:
    value = one_value(form, name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise MalformedAnswer(f"{name}: '{value[:40]}' is neither true nor false")
    return value == "true"


def grade_truefalse(question: QuestionData, answer: Any) -> Grade:
    """Score a true/false answer and give the feedback for what was answered."""
    if not isinstance(answer, bool):
        return Grade(0.0)
    feedback = question.feedback_true if answer else question.feedback_false
    right = question.correct is not None and answer == question.correct
    return Grade(1.0 if right else 0.0, feedback_texts(feedback))


def store_truefalse(question: QuestionData) -> dict[str, Any]:
    """Store ``{"correct", "feedback_true", "feedback_false"}``; ``feedback_true`` is shown
    to a learner who answered *true*."""
    return {
        "correct": bool(question.correct),
        "feedback_true": question.feedback_true,
        "feedback_false": question.feedback_false,
    }


def load_truefalse(question: QuestionData, payload: dict[str, Any]) -> None:
    question.correct = bool(payload.get("correct"))
    question.feedback_true = payload.get("feedback_true", "")
    question.feedback_false = payload.get("feedback_false", "")


def answered(question: QuestionData, answer: Any) -> str:
    """Say what the learner answered."""
    return "True" if answer else "False"


def right_answer(question: QuestionData) -> str:
    """Say what the right answer is."""
    return "True" if question.correct else "False"


def write_truefalse(question: QuestionData) -> str:
    """Write '{TRUE#wrong#right}': Moodle's first feedback is for a wrong answer."""
    fmt = question.text_format
    if question.correct:
        word, wrong, right = "TRUE", question.feedback_false, question.feedback_true
    else:
        word, wrong, right = "FALSE", question.feedback_true, question.feedback_false
    text = word
    if wrong or right:
        text += "#" + escape_part(wrong, fmt) if wrong else "#"
    if right:
        text += "#" + escape_part(right, fmt)
    return "{" + text + general_feedback(question) + "}"


class TrueFalseForm(QuestionForm):
    kind = "truefalse"
    correct = RadioField(
        "The statement is",
        choices=[SelectChoice("true", "True"), SelectChoice("false", "False")],
        validate_choice=False,
    )
    feedback_true = StringField(
        "Feedback for answering True", validators=[Optional(), Length(max=MAX_FEEDBACK)]
    )
    feedback_false = StringField(
        "Feedback for answering False", validators=[Optional(), Length(max=MAX_FEEDBACK)]
    )

    def validate_correct(self, field: RadioField) -> None:
        if field.data not in ("true", "false"):
            raise ValidationError("Say whether the statement is true or false.")

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        return {
            "correct": "true" if question.correct else "false",
            "feedback_true": question.feedback_true,
            "feedback_false": question.feedback_false,
        }

    def fill(self, question: QuestionData) -> None:
        question.correct = self.correct.data == "true"
        question.feedback_true = clean(self.feedback_true.data)
        question.feedback_false = clean(self.feedback_false.data)


TYPE = QuestionType(
    name="truefalse",
    label="True / false",
    add_label="Add a true/false question",
    read_answer=read_truefalse,
    grade=grade_truefalse,
    write_gift=write_truefalse,
    form=TrueFalseForm,
    answer_text=answered,
    correct_answer_text=right_answer,
    store=store_truefalse,
    load=load_truefalse,
    lint_rules=(choices.absolute_words, items.stem_says_lesson),
)
