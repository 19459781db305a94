"""What grading is made of: the result of grading, and the helpers every grader shares.

Each question type grades its own answers with a pure function (its module in
`app.bank.types`; `app.bank.types.grade` finds it). Answers arrive already read
from the form; graders are still defensive: an unanswered question, a wrong
shape or an index out of range scores 0 and never raises.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.bank.model import NumericAnswer, QuestionData

__all__ = [
    "ANY_NUMBER_TOLERANCE",
    "Grade",
    "Grader",
    "NotGradable",
    "clamp",
    "feedback_texts",
    "is_any_number",
    "is_index",
    "matching_rows",
    "normalise_text",
    "short_answer_matches",
]

# A numerical answer that accepts any number (Moodle's '*', GIFT's '~#feedback'):
# JSON has no infinity, so it is stored with the largest float as its tolerance.
ANY_NUMBER_TOLERANCE = sys.float_info.max
# Weights such as 33.333% leave binary noise in sums: a score this close to 0 or 1 is 0 or 1.
_SCORE_NOISE = 1e-9


class NotGradable(Exception):
    """The question cannot be graded automatically (an essay)."""


@dataclass(frozen=True)
class Grade:
    """A learner's share of the points (0 to 1) and the feedback for what they chose."""

    fraction: float
    feedback: list[str] = field(default_factory=list)


Grader = Callable[[QuestionData, Any], Grade]


def is_any_number(answer: NumericAnswer) -> bool:
    """Tell whether a numerical answer is the catch-all that matches any number."""
    return answer.tolerance >= ANY_NUMBER_TOLERANCE


def normalise_text(text: str) -> str:
    """Fold case and collapse whitespace so short answers compare as a reader would."""
    return " ".join(text.split()).casefold()


def clamp(fraction: float) -> float:
    """Keep a score within 0 to 1 whatever the weights add up to, float noise snapped off."""
    if fraction < _SCORE_NOISE:
        return 0.0
    if fraction > 1.0 - _SCORE_NOISE:
        return 1.0
    return fraction


def is_index(value: Any) -> bool:
    """Accept ints but not bools, which are ints in Python yet never an index here."""
    return isinstance(value, int) and not isinstance(value, bool)


def feedback_texts(*texts: str) -> list[str]:
    """Keep only the feedback texts that say something."""
    return [text for text in texts if text]


def _wildcard_pattern(text: str) -> re.Pattern[str]:
    """Compile a short answer where '*' matches any text (and '\\*' a literal star)."""
    parts = re.split(r"(\\\*|\*)", normalise_text(text))
    pattern = "".join(
        ".*" if part == "*" else re.escape("*") if part == "\\*" else re.escape(part)
        for part in parts
    )
    return re.compile(pattern, re.DOTALL)


def short_answer_matches(expected: str, given: str) -> bool:
    """Compare a normalised answer with an accepted one, honouring '*' wildcards."""
    if "*" in expected:
        return _wildcard_pattern(expected).fullmatch(given) is not None
    return normalise_text(expected) == given


def matching_rows(question: QuestionData) -> list[int]:
    """Return the indexes into `pairs` of the rows a learner answers (distractors excluded)."""
    return [index for index, pair in enumerate(question.pairs) if not pair.is_distractor]
