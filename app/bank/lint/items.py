"""Rules that look at one question on its own, keyed by question type.

Each rule is a plain function `rule(question) -> list[Finding]`. `RULES_BY_TYPE`
maps a question type to its rules, so a type's registry entry can carry them
(``lint_rules``) without this module knowing about the registry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from app.bank.grading import matching_rows
from app.bank.lint.findings import Finding, Rule, quote
from app.bank.lint.words import (
    content_words,
    has_sequence,
    shared,
    strong_words,
    tokens,
    visible_length,
    word_forms,
)
from app.bank.model import Choice, QuestionData

__all__ = [
    "RULES",
    "RULES_BY_TYPE",
    "QuestionRule",
    "convergence_scores",
    "key_and_distractors",
    "key_indexes",
    "lint_question",
]

QuestionRule = Callable[[QuestionData], list[Finding]]

# The key is "longest/shortest by a clear margin" when it is at least this many times
# the nearest other option's length, and at least MIN_LENGTH_GAP characters apart.
LENGTH_RATIO = 1.25
MIN_LENGTH_GAP = 8
MIN_OPTIONS = 3
# Words that make a stem lean on one lesson; they mean nothing in the mixed final exam.
_LESSON_NOUNS = frozenset({"lesson", "lessons", "chapter", "passage", "module", "reading"})
_POINTERS = frozenset({"the", "this", "that", "these", "our"})
_ABOVE_PHRASES = (
    ("all", "of", "the", "above"),
    ("all", "the", "above"),
    ("none", "of", "the", "above"),
    ("none", "of", "these"),
    ("all", "of", "these"),
    ("both", "of", "the", "above"),
    ("neither", "of", "the", "above"),
    ("any", "of", "the", "above"),
)

RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "key-length", "question", "The key is the longest or shortest option by a clear margin."
        ),
        Rule(
            "stem-overlap",
            "question",
            "The key shares words with the stem that no distractor shares.",
        ),
        Rule(
            "key-convergence", "question", "The key shares the most words with the other options."
        ),
        Rule(
            "absolute-words",
            "question",
            "Absolute or overreaching words appear only in wrong answers.",
        ),
        Rule(
            "all-none-above",
            "question",
            "An option says 'all of the above' or 'none of the above'.",
        ),
        Rule("few-options", "question", "A choice question has fewer than three options."),
        Rule(
            "multi-keys-length",
            "question",
            "The right answers are exactly the shortest (or longest) options.",
        ),
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
}


def key_indexes(question: QuestionData) -> list[int]:
    """Return the stored positions of a choice question's keys.

    A single-choice key is an option worth the most (and more than nothing); a
    multiple-response key is any option with a positive weight.
    """
    choices = question.choices
    if question.type == "single":
        best = max((c.fraction for c in choices), default=0.0)
        return [i for i, c in enumerate(choices) if best > 0 and c.fraction == best]
    return [i for i, c in enumerate(choices) if c.fraction > 0]


def key_and_distractors(question: QuestionData) -> tuple[list[Choice], list[Choice]]:
    """Split a choice question's options into keys and distractors."""
    keys = set(key_indexes(question))
    return (
        [c for i, c in enumerate(question.choices) if i in keys],
        [c for i, c in enumerate(question.choices) if i not in keys],
    )


def _finding(question: QuestionData, rule: str, message: str, **evidence: object) -> Finding:
    return Finding(rule, message, dict(evidence), subjects=(question,))


def _option_lengths(question: QuestionData) -> list[dict[str, object]]:
    """List each option with its visible length and whether it is a key (evidence)."""
    keys = set(key_indexes(question))
    return [
        {"text": c.text, "length": visible_length(c.text), "key": i in keys}
        for i, c in enumerate(question.choices)
    ]


def key_length(question: QuestionData) -> list[Finding]:
    """Flag a single-choice key that stands out as the longest or the shortest option."""
    keys, distractors = key_and_distractors(question)
    if len(keys) != 1 or not distractors:
        return []
    key = visible_length(keys[0].text)
    others = [visible_length(d.text) for d in distractors]
    longest, shortest = max(others), min(others)
    if key >= longest * LENGTH_RATIO and key - longest >= MIN_LENGTH_GAP:
        return [
            _finding(
                question, "key-length",
                f"The key is the longest option by a clear margin ({key} characters; the "
                f"longest wrong answer has {longest}): test-wise learners pick the longest "
                "option. Shorten the key or lengthen the wrong answers.",
                which="longest", key_length=key, options=_option_lengths(question),
            )
        ]  # fmt: skip
    if key * LENGTH_RATIO <= shortest and shortest - key >= MIN_LENGTH_GAP:
        return [
            _finding(
                question, "key-length",
                f"The key is the shortest option by a clear margin ({key} characters; the "
                f"shortest wrong answer has {shortest}): a modest short option stands out. "
                "Make the options similar in length.",
                which="shortest", key_length=key, options=_option_lengths(question),
            )
        ]  # fmt: skip
    return []


def stem_overlap(question: QuestionData) -> list[Finding]:
    """Flag keys that echo words of the stem that no distractor echoes."""
    keys, distractors = key_and_distractors(question)
    if not keys or not distractors:
        return []
    stem_words = content_words(question.prompt)
    distractor_words = frozenset().union(*(content_words(d.text) for d in distractors))
    echoes: list[dict[str, object]] = []
    for key in keys:
        forms = word_forms(key.text)
        words = [forms[w] for w in shared(content_words(key.text) - distractor_words, stem_words)]
        if words:
            echoes.append({"text": key.text, "words": words})
    if not echoes:
        return []
    listed = "; ".join(
        f"'{quote(str(echo['text']), 50)}' repeats {', '.join(echo['words'])}" for echo in echoes
    )
    return [
        _finding(
            question, "stem-overlap",
            f"The key repeats words of the stem that no wrong answer uses ({listed}): a learner "
            "can match the words instead of knowing the answer. Reword the key or give a "
            "wrong answer the same words.",
            keys=echoes,
        )
    ]  # fmt: skip


def convergence_scores(question: QuestionData) -> list[int]:
    """Score each option by the words it shares with each other option, summed.

    Counted through how many options use each word, so it stays linear in the text.
    """
    words = [content_words(c.text) for c in question.choices]
    users = Counter(word for option in words for word in option)
    return [sum(users[word] - 1 for word in option) for option in words]


def key_convergence(question: QuestionData) -> list[Finding]:
    """Flag keys that are the options sharing the most words with the others.

    Distractors written as variations of the key share its words; the option that
    overlaps most with the rest is then the key (the "convergence" strategy).
    """
    keys, distractors = key_and_distractors(question)
    if not keys or not distractors or len(question.choices) < MIN_OPTIONS:
        return []
    scores = convergence_scores(question)
    key_positions = key_indexes(question)
    key_scores = [scores[i] for i in key_positions]
    other_scores = [s for i, s in enumerate(scores) if i not in key_positions]
    if min(key_scores) <= max(other_scores) or min(key_scores) == 0:
        return []
    return [
        _finding(
            question, "key-convergence",
            "The key shares more words with the other options than any wrong answer does "
            f"({', '.join(map(str, key_scores))} against at most {max(other_scores)}): wrong "
            "answers written as variations of the key point to it. Vary the wrong answers' "
            "wording.",
            options=[
                {"text": c.text, "shared_words": score, "key": i in key_positions}
                for i, (c, score) in enumerate(zip(question.choices, scores, strict=True))
            ],
        )
    ]  # fmt: skip


def absolute_words(question: QuestionData) -> list[Finding]:
    """Flag absolute or overreaching words that only wrong answers (or false statements) use."""
    if question.type == "truefalse":
        words = strong_words(question.prompt)
        if question.correct is False and words:
            return [
                _finding(
                    question, "absolute-words",
                    f"The false statement hinges on {', '.join(repr(w) for w in words)}: "
                    "test-wise learners answer 'false' to sweeping claims. Make the statement "
                    "false in its substance, not by one strong word.",
                    words=words,
                )
            ]  # fmt: skip
        return []
    keys, distractors = key_and_distractors(question)
    if not keys or not distractors:
        return []
    if any(strong_words(k.text) for k in keys):
        return []
    flagged = [{"text": d.text, "words": strong_words(d.text)} for d in distractors]
    flagged = [option for option in flagged if option["words"]]
    if not flagged:
        return []
    listed = "; ".join(
        f"'{quote(str(option['text']), 50)}' ({', '.join(option['words'])})" for option in flagged
    )
    return [
        _finding(
            question, "absolute-words",
            f"Only wrong answers use absolute or overreaching words ({listed}): test-wise "
            "learners strike those and pick the modest option. Qualify them or word the key "
            "as strongly.",
            options=flagged,
        )
    ]  # fmt: skip


def all_none_above(question: QuestionData) -> list[Finding]:
    """Flag 'all of the above' and 'none of the above' options."""
    found = [
        c.text
        for c in question.choices
        if any(has_sequence(tokens(c.text), phrase) for phrase in _ABOVE_PHRASES)
    ]
    if not found:
        return []
    return [
        _finding(
            question, "all-none-above",
            f"An option says 'all/none of the above' ({'; '.join(map(repr, found))}): "
            "options are shuffled, and spotting two right options gives it away. Write a "
            "real option instead.",
            options=found,
        )
    ]  # fmt: skip


def few_options(question: QuestionData) -> list[Finding]:
    """Flag choice questions with fewer than three options (a coin toss)."""
    count = len(question.choices)
    if count >= MIN_OPTIONS:
        return []
    return [
        _finding(
            question, "few-options",
            f"The question has {count} options: a blind guess scores {100 // max(count, 1)}%. "
            "Add plausible wrong answers (three options or more), or make it a true/false "
            "question.",
            options=count,
        )
    ]  # fmt: skip


def multi_keys_length(question: QuestionData) -> list[Finding]:
    """Flag multiple-response keys that are exactly the shortest (or longest) options."""
    keys, distractors = key_and_distractors(question)
    if not keys or not distractors:
        return []
    key_lengths = [visible_length(k.text) for k in keys]
    other_lengths = [visible_length(d.text) for d in distractors]
    if max(key_lengths) < min(other_lengths):
        which = "shortest"
    elif min(key_lengths) > max(other_lengths):
        which = "longest"
    else:
        return []
    return [
        _finding(
            question, "multi-keys-length",
            f"The right answers are exactly the {len(keys)} {which} options "
            f"({', '.join(map(str, sorted(key_lengths)))} characters against "
            f"{', '.join(map(str, sorted(other_lengths)))}): picking by length scores full "
            "marks. Vary the lengths.",
            which=which, options=_option_lengths(question),
        )
    ]  # fmt: skip


def matching_no_spare(question: QuestionData) -> list[Finding]:
    """Flag matching questions offering exactly one answer per row (the last pair is free)."""
    rows = matching_rows(question)
    answers = {pair.right for pair in question.pairs}
    if len(answers) > len(rows):
        return []
    return [
        _finding(
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
        _finding(
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
        _finding(
            question, "stem-says-lesson",
            f"The stem says {', '.join(repr(f) for f in dict.fromkeys(found))}: in the final "
            "exam questions from every lesson are mixed, so it points nowhere. Make the stem "
            "stand on its own.",
            phrases=list(dict.fromkeys(found)),
        )
    ]  # fmt: skip


_CHOICE_RULES: tuple[QuestionRule, ...] = (
    key_length,
    stem_overlap,
    key_convergence,
    absolute_words,
    all_none_above,
    few_options,
)
RULES_BY_TYPE: dict[str, tuple[QuestionRule, ...]] = {
    "single": (*_CHOICE_RULES, stem_says_lesson),
    "multi": (
        stem_overlap,
        key_convergence,
        absolute_words,
        all_none_above,
        few_options,
        multi_keys_length,
        stem_says_lesson,
    ),
    "truefalse": (absolute_words, stem_says_lesson),
    "short": (stem_says_lesson,),
    "numerical": (stem_says_lesson,),
    "matching": (matching_no_spare, matching_shared_words, stem_says_lesson),
    "description": (),
    "essay": (),
}


def lint_question(question: QuestionData) -> list[Finding]:
    """Run the rules of the question's type on it (nothing for a question with errors)."""
    if question.errors:
        return []
    findings: list[Finding] = []
    for rule in RULES_BY_TYPE.get(question.type, ()):
        findings.extend(rule(question))
    return findings
