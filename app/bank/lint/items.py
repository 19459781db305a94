"""Rules that look at one question on its own.

Each rule is a plain function `rule(question) -> list[Finding]`. Which rules apply
to a question type is said by that type's registry entry (``lint_rules`` in
`app/bank/types/<type>.py`), so a new type brings its own. The choice questions'
rules live in `choices`; matching and stem rules here.
"""

from __future__ import annotations

from collections.abc import Callable

from app.bank.grading import matching_rows
from app.bank.lint import choices
from app.bank.lint.findings import Finding, Rule, finding_on, quote
from app.bank.lint.words import content_words, shared, tokens, word_forms
from app.bank.model import QuestionData

__all__ = ["RULES", "QuestionRule", "lint_question"]

QuestionRule = Callable[[QuestionData], list[Finding]]

# Words that make a stem lean on one lesson; they mean nothing in the mixed final exam.
_LESSON_NOUNS = frozenset({"lesson", "lessons", "chapter", "passage", "module", "reading"})
_POINTERS = frozenset({"the", "this", "that", "these", "our"})

RULES = {
    **choices.RULES,
    **{
        rule.id: rule
        for rule in (
            Rule(
                "matching-no-spare",
                "question",
                "A matching question has no spare answer, so the last pair is free.",
            ),
            Rule(
                "matching-shared-words",
                "question",
                "A matching row shares words with its own answer only.",
            ),
            Rule("stem-says-lesson", "question", "The stem needs 'the lesson' to make sense."),
        )
    },
}


def matching_no_spare(question: QuestionData) -> list[Finding]:
    """Flag matching questions offering exactly one answer per row (the last pair is free)."""
    rows = matching_rows(question)
    answers = {pair.right for pair in question.pairs}
    if len(answers) > len(rows):
        return []
    return [
        finding_on(
            question, "matching-no-spare",
            f"Every one of the {len(answers)} answers is used by exactly one row: a learner "
            "who knows all rows but one gets the last for free. Add a spare answer "
            "('= -> plausible extra answer').",
            rows=len(rows), answers=len(answers),
        )
    ]  # fmt: skip


def matching_shared_words(question: QuestionData) -> list[Finding]:
    """Flag rows whose left side shares words with its own answer and no other answer."""
    answers = {pair.right: content_words(pair.right) for pair in question.pairs}
    giveaways: list[dict[str, object]] = []
    for row in matching_rows(question):
        pair = question.pairs[row]
        left = content_words(pair.left)
        others = frozenset().union(*(w for right, w in answers.items() if right != pair.right))
        forms = word_forms(pair.left)
        words = [forms[w] for w in shared(left - others, answers[pair.right])]
        if words:
            giveaways.append({"left": pair.left, "right": pair.right, "words": words})
    if not giveaways:
        return []
    listed = "; ".join(
        f"{quote(str(g['left']), 40)} -> {quote(str(g['right']), 40)} ({', '.join(g['words'])})"
        for g in giveaways
    )
    return [
        finding_on(
            question, "matching-shared-words",
            f"A row and its answer share words no other answer has ({listed}): the pair can be "
            "matched by its words alone. Reword the answer.",
            pairs=giveaways,
        )
    ]  # fmt: skip


def stem_says_lesson(question: QuestionData) -> list[Finding]:
    """Flag stems that point at "the lesson", which the mixed final exam has no one of."""
    words = tokens(question.prompt)
    found = [
        f"{words[i - 1]} {word}"
        for i, word in enumerate(words)
        if i > 0 and word in _LESSON_NOUNS and words[i - 1] in _POINTERS
    ]
    if not found:
        return []
    return [
        finding_on(
            question, "stem-says-lesson",
            f"The stem says {', '.join(repr(f) for f in dict.fromkeys(found))}: in the final "
            "exam questions from every lesson are mixed, so it points nowhere. Make the stem "
            "stand on its own.",
            phrases=list(dict.fromkeys(found)),
        )
    ]  # fmt: skip


def lint_question(question: QuestionData) -> list[Finding]:
    """Run the rules of the question's type on it (nothing for a question with errors)."""
    if question.errors:
        return []
    # The registry carries each type's rules (`lint_rules`); the types import the rules
    # from here, so the registry is looked up when linting, not when this module loads.
    from app.bank.types import TYPES

    kind = TYPES.get(question.type)
    findings: list[Finding] = []
    for rule in kind.lint_rules if kind is not None else ():
        findings.extend(rule(question))
    return findings
