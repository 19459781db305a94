"""What the linter reports: a finding names its rule, says what is wrong in plain
words and carries the evidence (the words, the lengths) so an author can see why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.bank.model import QuestionData

__all__ = ["Finding", "Rule"]

# Where a rule looks: one question, one quiz (a lesson's bank), or the whole course.
SCOPES = ("question", "quiz", "course")


@dataclass(frozen=True)
class Rule:
    """A linter rule's stable id, the scope it looks at and what it guards against."""

    id: str
    scope: str
    summary: str


@dataclass(frozen=True)
class Finding:
    """One thing a rule found.

    `subjects` are the questions the finding is about, the first one being where it
    is reported (its id and line). A finding is silenced when any subject carries a
    ``lint-ok`` for the rule with a reason. `quiz` names the quiz (the bank file)
    the first subject belongs to, when the caller told the linter.
    """

    rule: str
    message: str
    evidence: dict[str, Any]
    subjects: tuple[QuestionData, ...] = field(default=(), compare=False, repr=False)
    quiz: str | None = None

    @property
    def question_id(self) -> str | None:
        """Return the id of the question the finding is reported on."""
        return self.subjects[0].id if self.subjects else None

    @property
    def line(self) -> int:
        """Return the line of the question the finding is reported on (0 for none)."""
        return self.subjects[0].line if self.subjects else 0

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-able form `bank check --json` prints."""
        return {
            "rule": self.rule,
            "message": self.message,
            "evidence": self.evidence,
            "question_id": self.question_id,
            "file": self.quiz,
            "line": self.line,
        }


def quote(text: str, limit: int = 80) -> str:
    """Quote an author's text in a message: one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
