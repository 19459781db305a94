"""What a question type is made of, and the pieces its parts share.

A `QuestionType` names, for one type, every part the app needs: how its answer
data is stored (the JSON payload of a question version), how a learner's form
answer is read, how it is graded, how its answers are written in GIFT, the form
an instructor authors it with, the template that shows it, and how its answers
are put in words on a result page. Learners' answers are read from
form fields named after the question's position in the attempt: ``q3`` (one
value, or several for multiple response) and ``q3-r0``, ``q3-r1``… for the rows
of a matching question; an unanswered question reads as None. Choice values are
positions in the attempt's shuffled display order, never indexes into the
stored answers, so nothing in the form tells which choice is right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.bank.grading import Grade
from app.bank.model import SCORED_TYPES, QuestionData

if TYPE_CHECKING:
    from app.bank.types.forms import QuestionForm

MAX_TEXT_ANSWER = 500
MAX_VALUES_PER_FIELD = 50
NO_ANSWER = "No answer"
TEMPLATE_FOLDER = "quizzes/types"


class FormValues(Protocol):
    def getlist(self, key: str) -> list[str]: ...


class MalformedAnswer(ValueError):
    """A submitted answer cannot be read; the message says which and why."""


Reader = Callable[[FormValues, str, QuestionData, list[int]], Any]
Grader = Callable[[QuestionData, Any], Grade]
GiftAnswers = Callable[[QuestionData], "str | None"]
Order = Callable[[QuestionData, bool, Any], list[int]]
# An item-writing rule: a question in, what is wrong with it out (see the bank linter).
LintRule = Callable[..., Any]


def no_order(question: QuestionData, shuffle: bool, rng: Any) -> list[int]:
    """Show no choices (the type has none to order)."""
    return []


def shuffled(order: list[int], shuffle: bool, rng: Any) -> list[int]:
    """Return `order`, shuffled by `rng` when the quiz shuffles choices."""
    if shuffle:
        rng.shuffle(order)
    return order


def store_nothing(question: QuestionData) -> dict[str, Any]:
    """Store no answer data (the type has none): its payload is {}."""
    return {}


def load_nothing(question: QuestionData, payload: dict[str, Any]) -> None:
    """Read no answer data back (the type has none)."""


def no_correct_answer(question: QuestionData) -> str:
    """State no right answer (the type has none)."""
    return ""


def no_answer_text(question: QuestionData, answer: Any) -> str:
    """Describe no answer (the type takes none)."""
    return NO_ANSWER


def read_nothing(form: FormValues, name: str, question: QuestionData, order: list[int]) -> None:
    """Read no answer (the type takes none)."""
    return None


@dataclass(frozen=True)
class QuestionType:
    """One question type: its name, its labels and every part of it, found by name."""

    name: str
    label: str  # what instructors call it ("Single choice")
    read_answer: Reader  # the learner's form -> the answer stored (raises MalformedAnswer)
    grade: Grader  # pure: (question, answer) -> Grade
    write_gift: GiftAnswers  # the answer block of its GIFT text ("{…}"), None when it has none
    form: type[QuestionForm]  # the authoring form (reads and fills its own type's fields)
    store: Callable[[QuestionData], dict[str, Any]] = store_nothing  # its JSON payload
    load: Callable[[QuestionData, dict[str, Any]], None] = load_nothing  # payload -> fields
    answer_text: Callable[[QuestionData, Any], str] = no_answer_text  # a stored answer in words
    correct_answer_text: Callable[[QuestionData], str] = no_correct_answer  # "" when none
    display_order: Order = no_order  # the order an attempt shows its choices in
    answer_max_length: int | None = None  # the longest typed answer its reader takes
    add_label: str | None = None  # the "add" button; None: not authored here (only imported)
    template_name: str | None = None  # its template, when it shares another type's
    lint_rules: tuple[LintRule, ...] = ()  # item-writing rules for this type only

    @property
    def scored(self) -> bool:
        """Tell whether learners are scored on it (and quizzes draw it)."""
        return self.name in SCORED_TYPES

    @property
    def authored(self) -> bool:
        """Tell whether instructors can create it in the web editor."""
        return self.add_label is not None

    @property
    def template(self) -> str:
        """Return its template: macro `take(item, items)` for learners, `authoring(form)`."""
        return f"{TEMPLATE_FOLDER}/_{self.template_name or self.name}.html"


# --- reading a learner's form ---------------------------------------------------------


def field_name(position: int) -> str:
    """Return the form field name for the question at `position` of an attempt."""
    return f"q{position}"


def values(form: FormValues, name: str) -> list[str]:
    """Return every value sent for a field, refusing an absurd number of them."""
    sent = form.getlist(name)
    if len(sent) > MAX_VALUES_PER_FIELD:
        raise MalformedAnswer(f"too many values for {name}")
    return sent


def one_value(form: FormValues, name: str) -> str | None:
    """Return the one value sent for a field (None when none; the same value twice is one)."""
    sent = values(form, name)
    if not sent:
        return None
    if len(set(sent)) > 1:
        raise MalformedAnswer(f"{name} was sent with several different answers")
    return sent[0]


def display_index(value: str, order: list[int], name: str) -> int:
    """Turn a choice's position on the page into its index in the stored answers."""
    if not re.fullmatch(r"\d{1,4}", value.strip()):
        raise MalformedAnswer(f"{name}: '{value[:40]}' is not one of the offered choices")
    index = int(value)
    if index >= len(order):
        raise MalformedAnswer(f"{name}: choice {index} does not exist")
    return order[index]
