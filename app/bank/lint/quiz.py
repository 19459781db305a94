"""Rules that look at a whole quiz (one lesson's bank): true/false balance, key positions.

`shuffle_off_warnings` is what the quiz settings can show when a lesson turns
shuffling off: with the stored order on screen, a predictable key position is a
free answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from app.bank.grading import matching_rows
from app.bank.lint.findings import Finding, Rule
from app.bank.lint.items import key_indexes
from app.bank.model import QuestionData

__all__ = ["QUIZ_RULES", "RULES", "matching_in_stored_order", "shuffle_off_warnings"]

QuizRule = Callable[[Sequence[QuestionData]], list[Finding]]

# True/false keys: flag |true − false| > 1, or a true share outside this band once
# there are at least TF_MIN_FOR_SHARE statements.
TF_SHARE_BAND = (0.35, 0.65)
TF_MIN_FOR_SHARE = 4
# The key "always" in one place: every one of at least this many questions, or this
# share of them once there are POSITION_MIN_FOR_SHARE or more.
POSITION_MIN_ALWAYS = 3
POSITION_SHARE = 0.75
POSITION_MIN_FOR_SHARE = 4

RULES = {
    rule.id: rule
    for rule in (
        Rule("tf-balance", "quiz", "The quiz's true/false keys lean to one side."),
        Rule("key-position", "quiz", "The key sits in the same stored position across the quiz."),
    )
}


def _usable(questions: Sequence[QuestionData], kind: str) -> list[QuestionData]:
    return [q for q in questions if q.type == kind and not q.errors]


def tf_balance(questions: Sequence[QuestionData]) -> list[Finding]:
    """Flag a quiz whose true/false keys are mostly true or mostly false."""
    statements = _usable(questions, "truefalse")
    total = len(statements)
    true = sum(1 for q in statements if q.correct)
    false = total - true
    share = true / total if total else 0.5
    low, high = TF_SHARE_BAND
    if abs(true - false) <= 1 and (total < TF_MIN_FOR_SHARE or low <= share <= high):
        return []
    side = "false" if false > true else "true"
    return [
        Finding(
            "tf-balance",
            f"The quiz has {true} true and {false} false statements: a learner who answers "
            f"'{side}' every time scores {round(100 * max(true, false) / total)}%. Balance the "
            "keys (at most one apart, 35–65% true).",
            {"true": true, "false": false, "questions": [q.id for q in statements]},
            subjects=tuple(statements),
        )
    ]


def matching_in_stored_order(question: QuestionData) -> bool:
    """Tell whether, unshuffled, row i's answer is the i-th answer shown (true for GIFT
    pairs unless spare answers are written between them)."""
    shown: dict[str, int] = {}
    for pair in question.pairs:
        shown.setdefault(pair.right, len(shown))
    rows = matching_rows(question)
    return [shown[question.pairs[row].right] for row in rows] == list(range(len(rows)))


def _single_positions(questions: Sequence[QuestionData]) -> list[tuple[QuestionData, int]]:
    placed = []
    for question in _usable(questions, "single"):
        keys = key_indexes(question)
        if len(keys) == 1:
            placed.append((question, keys[0]))
    return placed


def key_position(questions: Sequence[QuestionData]) -> list[Finding]:
    """Flag keys stored in the same position across the quiz (free with shuffling off)."""
    findings = []
    placed = _single_positions(questions)
    if placed:
        counts = Counter(position for _, position in placed)
        position, count = counts.most_common(1)[0]
        total = len(placed)
        always = count == total and total >= POSITION_MIN_ALWAYS
        mostly = total >= POSITION_MIN_FOR_SHARE and count / total >= POSITION_SHARE
        if always or mostly:
            findings.append(
                Finding(
                    "key-position",
                    f"{count} of the {total} single-choice keys are stored as option "
                    f"{position + 1}: with 'shuffle the choices' off, answering option "
                    f"{position + 1} scores them all. Vary where the key is written.",
                    {"positions": {q.id or f"line {q.line}": p + 1 for q, p in placed}},
                    subjects=tuple(q for q, p in placed if p == position),
                )
            )
    multis = [q for q in _usable(questions, "multi") if key_indexes(q)]
    if len(multis) >= 2:
        patterns = [tuple(key_indexes(q)) for q in multis]
        first = all(p == tuple(range(len(p))) for p in patterns)
        if first or len(set(patterns)) == 1:
            findings.append(
                Finding(
                    "key-position",
                    f"All {len(multis)} multiple-response questions store their right answers "
                    f"{'first' if first else 'in the same places'}: with shuffling off, ticking "
                    "those boxes scores them all. Vary where the right answers are written.",
                    {"positions": {q.id or f"line {q.line}": [i + 1 for i in p]
                                   for q, p in zip(multis, patterns, strict=True)}},
                    subjects=tuple(multis),
                )
            )  # fmt: skip
    matchings = _usable(questions, "matching")
    in_order = [q for q in matchings if matching_in_stored_order(q)]
    telling = bool(matchings) and (
        len(matchings) >= 2 or max(len(matching_rows(q)) for q in matchings) >= 3
    )
    if telling and len(in_order) == len(matchings):
        findings.append(
            Finding(
                "key-position",
                "In every matching question row i's answer is the i-th answer shown "
                "unshuffled: with shuffling off, answering in order scores them all. "
                "Write a spare answer ('= -> …') before some pairs.",
                {"questions": [q.id for q in in_order]},
                subjects=tuple(in_order),
            )
        )
    return findings


QUIZ_RULES: tuple[QuizRule, ...] = (tf_balance, key_position)


def shuffle_off_warnings(questions: Sequence[QuestionData]) -> list[str]:
    """Say what a learner gets for free when a lesson shows choices in stored order.

    For the quiz settings: an empty list means turning shuffling off is safe.
    """
    warnings = [finding.message for finding in key_position(questions)]
    placed = _single_positions(questions)
    if placed and not any("single-choice" in w for w in warnings):
        counts = Counter(position for _, position in placed)
        position, count = counts.most_common(1)[0]
        if count * 2 > len(placed):
            warnings.append(
                f"{count} of the {len(placed)} single-choice keys are stored as option "
                f"{position + 1}, so unshuffled they are easy to guess."
            )
    ordered = [
        q.id or f"line {q.line}"
        for q in _usable(questions, "matching")
        if matching_in_stored_order(q)
    ]
    if ordered and not any("matching" in w for w in warnings):
        warnings.append(
            f"Matching question(s) {', '.join(ordered)} show row i's answer as the i-th "
            "answer when unshuffled."
        )
    return warnings
