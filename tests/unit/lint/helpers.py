"""Read questions from GIFT text, so each test shows the question as an author writes it."""

from __future__ import annotations

from app.bank.gift import parse_gift
from app.bank.lint import lint_question
from app.bank.model import QuestionData


def question(text: str) -> QuestionData:
    """Parse one question that must read without errors."""
    (parsed,) = parse_gift(text)
    assert parsed.errors == [], parsed.errors
    return parsed


def bank(text: str) -> list[QuestionData]:
    """Parse a quiz's questions, which must all read without errors."""
    parsed = parse_gift(text)
    assert all(q.errors == [] for q in parsed), [q.errors for q in parsed]
    return parsed


def rules_on(text: str) -> list[str]:
    """Return the ids of the question rules that fire on one question."""
    return [finding.rule for finding in lint_question(question(text))]


def finding(text: str, rule: str):
    """Return the one finding of `rule` on a question."""
    (found,) = [f for f in lint_question(question(text)) if f.rule == rule]
    return found
