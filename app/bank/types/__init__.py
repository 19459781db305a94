"""The question types: one module each, found by name.

`TYPES` maps each name of `app.bank.model.QUESTION_TYPES` to the `TYPE` entry of
the module of the same name here: its answer reader, grader, GIFT answer writer,
authoring form, template and the words for its answers (see `base.QuestionType`).

Adding a type: write `app/bank/types/<name>.py` with its parts and `TYPE`, its
template `templates/quizzes/types/_<name>.html` (macros `take` and `authoring`),
and add the name to `QUESTION_TYPES` in `app/bank/model.py` (and to `SCORED_TYPES`
if learners are scored on it), with its payload if it stores data of its own.
"""

from __future__ import annotations

import random
from importlib import import_module
from typing import Any

from app.bank.grading import Grade
from app.bank.model import QUESTION_TYPES, QuestionData
from app.bank.types.base import NO_ANSWER, QuestionType

TYPES: dict[str, QuestionType] = {
    name: import_module(f"{__name__}.{name}").TYPE for name in QUESTION_TYPES
}
# The types an instructor can create in the web editor, in the order they are offered.
AUTHORED_TYPES = tuple(name for name, kind in TYPES.items() if kind.authored)


def question_type(name: str) -> QuestionType:
    """Return the type called `name` (KeyError for a name no type has)."""
    return TYPES[name]


def payload(question: QuestionData) -> dict[str, Any]:
    """Return the JSON-able answer data a question version stores for its type."""
    return TYPES[question.type].store(question)


def from_stored(type: str, prompt: str, payload: dict[str, Any], **fields: Any) -> QuestionData:
    """Rebuild a question from a stored version's type, prompt and payload."""
    question = QuestionData(type=type, prompt=prompt, **fields)
    TYPES[type].load(question, payload)
    return question


def grade(question: QuestionData, answer: Any) -> Grade:
    """Grade one answer with its question type's grader."""
    kind = TYPES.get(question.type)
    if kind is None:
        raise ValueError(f"no grader for question type {question.type!r}")
    return kind.grade(question, answer)


def answer_text(question: QuestionData, answer: Any) -> str:
    """Describe a stored answer in the learner's terms ("No answer" when empty)."""
    if answer is None or answer == [] or answer == "":
        return NO_ANSWER
    return TYPES[question.type].answer_text(question, answer)


def correct_answer_text(question: QuestionData) -> str:
    """State the right answer(s) in a few words ("" when there is none)."""
    return TYPES[question.type].correct_answer_text(question)


def display_order(question: QuestionData, shuffle: bool, rng: random.Random | None) -> list[int]:
    """Return the order in which an attempt shows the question's choices ([] if none)."""
    return TYPES[question.type].display_order(question, shuffle, rng)
