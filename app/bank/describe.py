"""Say in words what a learner answered, for result pages."""

from __future__ import annotations

from typing import Any

from app.bank.model import QuestionData
from app.bank.registry import matching_rows

NO_ANSWER = "No answer"


def answer_text(question: QuestionData, answer: Any) -> str:
    """Describe a stored answer in the learner's terms ("No answer" when empty)."""
    if answer is None or answer == [] or answer == "":
        return NO_ANSWER
    kind = question.type
    if kind == "single":
        return _choice_text(question, answer)
    if kind == "multi":
        return "; ".join(_choice_text(question, index) for index in answer)
    if kind == "truefalse":
        return "True" if answer else "False"
    if kind in ("short", "numerical"):
        return f"{answer:g}" if isinstance(answer, float) else str(answer)
    if kind == "matching":
        rows = matching_rows(question)
        parts = []
        for row, chosen in zip(rows, answer, strict=False):
            right = _pair_right(question, chosen) if chosen is not None else "—"
            parts.append(f"{question.pairs[row].left} → {right}")
        return "; ".join(parts)
    return NO_ANSWER


def _choice_text(question: QuestionData, index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(question.choices):
        return question.choices[index].text
    return "?"


def _pair_right(question: QuestionData, index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(question.pairs):
        return question.pairs[index].right
    return "?"
