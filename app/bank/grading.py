"""What grading is made of: the result of grading, and the helpers every grader shares.

Each question type grades its own answers with a pure function (its module in
`app.bank.types`; `app.bank.types.grade` finds it). Answers arrive already read
from the form; graders are still defensive: an unanswered question, a wrong
shape or an index out of range scores 0 and never raises.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.bank.model import NumericAnswer, QuestionData

__all__ = [
    "ANY_NUMBER_TOLERANCE",
    "RIGHT_FRACTION",
    "Grade",
    "Grader",
    "NotGradable",
    "clamp",
    "feedback_texts",
    "is_any_number",
    "is_index",
    "is_right",
    "matching_rows",
    "normalise_text",
    "short_answer_matches",
    "wildcard_segments",
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


def wildcard_segments(text: str) -> list[str]:
    """Split a normalised accepted answer at each '*' wildcard ('\\*' is a literal star).

    An answer with no wildcard is one segment; 'a*b' is ['a', 'b'] and '*a' ['', 'a'].
    """
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text.startswith("*", i + 1):
            current.append("*")
            i += 2
            continue
        if char == "*":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    segments.append("".join(current))
    return segments


def short_answer_matches(expected: str, given: str) -> bool:
    """Compare a normalised answer with an accepted one, honouring '*' wildcards.

    Each '*' matches any text. The literal pieces between them are found left to
    right with `str.find`: the first must start the answer, the last end it, and
    each one in between is taken at its earliest place after the one before, which
    is the classic glob match and never backtracks. A regular expression built
    from the author's answer (as this once was) backtracks: '*a*a*a*a*b' against
    500 characters took minutes to grade, holding the database's write lock.
    """
    if "*" not in expected:
        return normalise_text(expected) == given
    segments = wildcard_segments(normalise_text(expected))
    if len(segments) == 1:  # only escaped stars
        return segments[0] == given
    first, *middle, last = segments
    end = len(given) - len(last)
    if end < len(first) or not given.startswith(first) or not given.endswith(last):
        return False
    position = len(first)
    for segment in middle:
        found = given.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def matching_rows(question: QuestionData) -> list[int]:
    """Return the indexes into `pairs` of the rows a learner answers (distractors excluded)."""
    return [index for index, pair in enumerate(question.pairs) if not pair.is_distractor]


# A fraction this close to 1 is a right answer, as the result page marks it "Right":
# weights written as 33.33333% leave a fully right answer a hair under 1.
RIGHT_FRACTION = 0.999


def is_right(fraction: float | None) -> bool:
    """Tell whether a graded fraction counts as a right answer (practice's Good, not Again)."""
    return fraction is not None and fraction >= RIGHT_FRACTION
