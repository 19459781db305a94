"""Essay: kept from imports, shown like a description, never graded here."""

from __future__ import annotations

from typing import Any

from app.bank.gift_syntax import general_feedback
from app.bank.grading import Grade, NotGradable
from app.bank.model import QuestionData
from app.bank.types.base import QuestionType, read_nothing
from app.bank.types.forms import QuestionForm


def grade_essay(question: QuestionData, answer: Any) -> Grade:
    """Refuse: an essay needs a person to grade it."""
    raise NotGradable(f"question {question.id or question.title!r} is an essay: grade it by hand")


def write_essay(question: QuestionData) -> str:
    """Write an empty answer block: '{}' is how GIFT says essay."""
    return "{" + general_feedback(question) + "}"


class EssayForm(QuestionForm):
    kind = "essay"
    prompt_hint = None  # the common "Question" field, without the missing-word hint


TYPE = QuestionType(
    name="essay",
    label="Essay (not gradable here)",
    read_answer=read_nothing,
    grade=grade_essay,
    write_gift=write_essay,
    form=EssayForm,
    template_name="description",
)
