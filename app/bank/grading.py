"""Grade a learner's answer to a question: pure functions, one per question type.

`grade(question, answer)` looks the grader up in `GRADERS` by the question's type.
Answers arrive already read from the form (see `app.bank.registry`); graders are
still defensive: an unanswered question, a wrong shape or an index out of range
scores 0 and never raises.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.bank.model import NumericAnswer, QuestionData

__all__ = [
    "ANY_NUMBER_TOLERANCE",
    "GRADERS",
    "Grade",
    "NotGradable",
    "correct_answer_text",
    "grade",
    "is_any_number",
    "matching_rows",
    "normalise_text",
    "tick_everything_problem",
]

# A numerical answer that accepts any number (Moodle's '*', GIFT's '~#feedback'):
# JSON has no infinity, so it is stored with the largest float as its tolerance.
ANY_NUMBER_TOLERANCE = sys.float_info.max
# Relative slack added to numerical tolerances, for binary floating-point error.
_EPSILON = 1e-12
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


def grade(question: QuestionData, answer: Any) -> Grade:
    """Grade one answer with the grader registered for the question's type."""
    grader = GRADERS.get(question.type)
    if grader is None:
        raise ValueError(f"no grader for question type {question.type!r}")
    return grader(question, answer)


def is_any_number(answer: NumericAnswer) -> bool:
    """Tell whether a numerical answer is the catch-all that matches any number."""
    return answer.tolerance >= ANY_NUMBER_TOLERANCE


def normalise_text(text: str) -> str:
    """Fold case and collapse whitespace so short answers compare as a reader would."""
    return " ".join(text.split()).casefold()


def _clamp(fraction: float) -> float:
    """Keep a score within 0 to 1 whatever the weights add up to, float noise snapped off."""
    if fraction < _SCORE_NOISE:
        return 0.0
    if fraction > 1.0 - _SCORE_NOISE:
        return 1.0
    return fraction


def _is_index(value: Any) -> bool:
    """Accept ints but not bools, which are ints in Python yet never an index here."""
    return isinstance(value, int) and not isinstance(value, bool)


def _feedback(*texts: str) -> list[str]:
    """Keep only the feedback texts that say something."""
    return [text for text in texts if text]


def _grade_single(question: QuestionData, answer: Any) -> Grade:
    """Score the one chosen choice (an index into `choices`)."""
    if not _is_index(answer) or not 0 <= answer < len(question.choices):
        return Grade(0.0)
    choice = question.choices[answer]
    return Grade(_clamp(choice.fraction), _feedback(choice.feedback))


def _grade_multi(question: QuestionData, answer: Any) -> Grade:
    """Add up the chosen choices' weights, each counted once, clamped to 0..1.

    An all-or-nothing question scores 1 for exactly its positively weighted choices
    and 0 for anything else.
    """
    if not isinstance(answer, list | tuple | set | frozenset):
        return Grade(0.0)
    picked = sorted(
        {index for index in answer if _is_index(index) and 0 <= index < len(question.choices)}
    )
    if not picked:
        return Grade(0.0)
    chosen = [question.choices[index] for index in picked]
    feedback = _feedback(*(choice.feedback for choice in chosen))
    if question.all_or_nothing:
        right = [index for index, choice in enumerate(question.choices) if choice.fraction > 0]
        return Grade(1.0 if picked == right else 0.0, feedback)
    total = sum(choice.fraction for choice in chosen)
    return Grade(_clamp(total), feedback)


def tick_everything_problem(question: QuestionData) -> str | None:
    """Say why ticking every box would earn marks on a multiple-response question, or None.

    The rule every way in applies (GIFT, Aiken, the course files, later the web form):
    unless every choice is right, ticking them all must score 0. It asks the grader
    itself, so the rule and the scores cannot drift apart.
    """
    if question.type != "multi":
        return None
    wrong = [choice for choice in question.choices if choice.fraction <= 0]
    if not wrong:
        return None
    score = grade(question, list(range(len(question.choices)))).fraction
    if score <= 0:
        return None
    name = wrong[0].text if len(wrong[0].text) <= 60 else wrong[0].text[:57] + "..."
    return (
        f"ticking every box scores {score * 100:.4g}% although '{name}' is wrong: give the "
        "wrong answers negative weights that cancel the right ones, or make the question "
        "all-or-nothing"
    )


def _grade_truefalse(question: QuestionData, answer: Any) -> Grade:
    """Score a true/false answer and give the feedback for what was answered."""
    if not isinstance(answer, bool):
        return Grade(0.0)
    feedback = question.feedback_true if answer else question.feedback_false
    right = question.correct is not None and answer == question.correct
    return Grade(1.0 if right else 0.0, _feedback(feedback))


def _wildcard_pattern(text: str) -> re.Pattern[str]:
    """Compile a short answer where '*' matches any text (and '\\*' a literal star)."""
    parts = re.split(r"(\\\*|\*)", normalise_text(text))
    pattern = "".join(
        ".*" if part == "*" else re.escape("*") if part == "\\*" else re.escape(part)
        for part in parts
    )
    return re.compile(pattern, re.DOTALL)


def _short_matches(expected: str, given: str) -> bool:
    """Compare a normalised answer with an accepted one, honouring '*' wildcards."""
    if "*" in expected:
        return _wildcard_pattern(expected).fullmatch(given) is not None
    return normalise_text(expected) == given


def _grade_short(question: QuestionData, answer: Any) -> Grade:
    """Score the best accepted answer that matches the learner's text."""
    if not isinstance(answer, str):
        return Grade(0.0)
    given = normalise_text(answer)
    if not given:
        return Grade(0.0)
    best = None
    for choice in question.choices:
        if _short_matches(choice.text, given) and (best is None or choice.fraction > best.fraction):
            best = choice
    if best is None:
        return Grade(0.0)
    return Grade(_clamp(best.fraction), _feedback(best.feedback))


def _grade_numerical(question: QuestionData, answer: Any) -> Grade:
    """Score the best answer whose tolerance covers the learner's number."""
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return Grade(0.0)
    value = float(answer)
    if not math.isfinite(value):
        return Grade(0.0)
    best = None
    for candidate in question.numeric_answers:
        if is_any_number(candidate):
            matches = True
        else:
            slack = _EPSILON * max(1.0, abs(candidate.value), abs(value))
            matches = abs(value - candidate.value) <= candidate.tolerance + slack
        if matches and (best is None or candidate.fraction > best.fraction):
            best = candidate
    if best is None:
        return Grade(0.0)
    return Grade(_clamp(best.fraction), _feedback(best.feedback))


def matching_rows(question: QuestionData) -> list[int]:
    """Return the indexes into `pairs` of the rows a learner answers (distractors excluded)."""
    return [index for index, pair in enumerate(question.pairs) if pair.left.strip()]


def _grade_matching(question: QuestionData, answer: Any) -> Grade:
    """Score the share of rows matched to the right text (equal texts count as right)."""
    rows = matching_rows(question)
    if not rows or not isinstance(answer, list | tuple):
        return Grade(0.0)
    pairs = question.pairs
    right = 0
    for position, row in enumerate(rows):
        chosen = answer[position] if position < len(answer) else None
        if (
            _is_index(chosen)
            and 0 <= chosen < len(pairs)
            and pairs[chosen].right == pairs[row].right
        ):
            right += 1
    return Grade(right / len(rows))


def _grade_description(question: QuestionData, answer: Any) -> Grade:
    """Score nothing: a description only shows text."""
    return Grade(0.0)


def _grade_essay(question: QuestionData, answer: Any) -> Grade:
    """Refuse: an essay needs a person to grade it."""
    raise NotGradable(f"question {question.id or question.title!r} is an essay: grade it by hand")


GRADERS: dict[str, Grader] = {
    "single": _grade_single,
    "multi": _grade_multi,
    "truefalse": _grade_truefalse,
    "short": _grade_short,
    "numerical": _grade_numerical,
    "matching": _grade_matching,
    "description": _grade_description,
    "essay": _grade_essay,
}


def _number_text(value: float) -> str:
    """Show a number briefly, without float noise such as 0.30000000000000004."""
    return f"{value:.15g}"


def correct_answer_text(question: QuestionData) -> str:
    """State the right answer(s) in a few words for result pages ("" when there is none)."""
    kind = question.type
    if kind in ("single", "short"):
        best = max((c.fraction for c in question.choices), default=0.0)
        if best <= 0:
            return ""
        return " or ".join(c.text for c in question.choices if c.fraction == best)
    if kind == "multi":
        return "; ".join(c.text for c in question.choices if c.fraction > 0)
    if kind == "truefalse":
        return "True" if question.correct else "False"
    if kind == "numerical":
        answers = [a for a in question.numeric_answers if not is_any_number(a)]
        best = max((a.fraction for a in answers), default=0.0)
        if best <= 0:
            return ""
        return " or ".join(
            _number_text(a.value) + (f" ± {_number_text(a.tolerance)}" if a.tolerance else "")
            for a in answers
            if a.fraction == best
        )
    if kind == "matching":
        return "; ".join(
            f"{question.pairs[row].left} → {question.pairs[row].right}"
            for row in matching_rows(question)
        )
    return ""
