"""What the question readers (GIFT, Aiken) share to stay linear in the size of their input.

A reader may meet a hostile file: a megabyte on one line, an error on every line,
a hundred thousand questions. Each helper here does its work in time proportional
to the text, once: line numbers come from an index of line starts built once
(`LineIndex`), not from counting new lines again for every message; error reports
are capped per question and per file (`ErrorLog`); quoted input is shortened
(`quote`), so no message carries a megabyte.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from app.bank.limits import MAX_ERRORS_PER_FILE, MAX_ERRORS_PER_QUESTION
from app.bank.model import QuestionData

__all__ = ["ErrorLog", "LineIndex", "quote"]

QUOTE_LENGTH = 60
_NEW_LINE = re.compile("\n")


class LineIndex:
    """Map offsets in a text to 1-based line numbers with one binary search each."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._starts = [0, *(found.end() for found in _NEW_LINE.finditer(text))]
        self._first_line = first_line

    def line_of(self, offset: int) -> int:
        """Return the line of `offset` (offsets before the text belong to its first line)."""
        return self._first_line + bisect_right(self._starts, max(offset, 0)) - 1


class ErrorLog:
    """Add errors to questions, listing at most so many per question and per file.

    Past `MAX_ERRORS_PER_QUESTION` a question's errors are counted, not listed;
    once the file has listed `MAX_ERRORS_PER_FILE`, each later question still lists
    its first error (so it is still refused, and says why) and counts the rest.
    `finish` adds one "…and N more" line to each question that had errors counted,
    and cuts each question's warnings to as many as its errors may list.
    """

    def __init__(self) -> None:
        self.listed = 0
        self._unlisted: dict[int, tuple[QuestionData, int]] = {}

    def full(self, question: QuestionData) -> bool:
        """Tell whether a further error of this question would only be counted."""
        return len(question.errors) >= MAX_ERRORS_PER_QUESTION or (
            self.listed >= MAX_ERRORS_PER_FILE and bool(question.errors)
        )

    def add(self, question: QuestionData, message: str) -> None:
        """List the error, or count it if the question or the file has listed enough."""
        if self.full(question):
            self.count(question)
            return
        question.errors.append(message)
        self.listed += 1

    def count(self, question: QuestionData) -> None:
        """Count an error of this question without listing it."""
        _, unlisted = self._unlisted.get(id(question), (question, 0))
        self._unlisted[id(question)] = (question, unlisted + 1)

    def seen(self, question: QuestionData) -> int:
        """Count this question's errors, listed or not."""
        return len(question.errors) + self._unlisted.get(id(question), (question, 0))[1]

    def finish(self, questions: list[QuestionData]) -> None:
        """Say, on each question with unlisted errors or warnings, how many more it has."""
        for question in questions:
            extra = len(question.warnings) - MAX_ERRORS_PER_QUESTION
            if extra > 0:
                del question.warnings[MAX_ERRORS_PER_QUESTION:]
                question.warnings.append(f"…and {extra:,} more warnings (not listed)")
        for question, unlisted in self._unlisted.values():
            plural = "error" if unlisted == 1 else "errors"
            question.errors.append(
                f"…and {unlisted:,} more {plural} in this question (not listed; fix the ones "
                "above first)"
            )
        self._unlisted.clear()


def quote(text: str) -> str:
    """Quote input in a message: on one line and at most `QUOTE_LENGTH` characters."""
    head = text[: QUOTE_LENGTH * 4]
    short = " ".join(head.split())
    if len(short) <= QUOTE_LENGTH and len(head) == len(text):
        return short
    return short[: QUOTE_LENGTH - 3] + "..."
