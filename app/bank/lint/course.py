"""Rules across questions: one question answering another, and near-duplicate stems.

They run within a quiz and across the whole course, because the final exam draws
from every lesson's bank. Comparing every question with every other would grow
with the square of the course, so candidates come from an index of words and the
rarest words of each text (prefix filtering: two word sets that must share a given
share of one set's words must share one of its rarest words), and only those
candidates are compared.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.bank.grading import matching_rows
from app.bank.lint.findings import Finding, Rule, quote
from app.bank.lint.items import key_indexes
from app.bank.lint.words import content_words, word_forms
from app.bank.model import QuestionData

__all__ = ["RULES", "key_echo", "lint_across", "near_duplicate_stems"]

# An option "appears" in a text when the text holds this share of its content words.
ECHO_COVERAGE = 0.6
# A key of fewer words than this (a term such as "Interoperability") is common coin in a
# course about one subject: it counts only where the text also uses words of the stem.
SHORT_KEY_WORDS = 3
# A true/false statement is restated when a text shares this many of its words,
# making up at least ECHO_STATEMENT_SHARE of the text's own words.
ECHO_STATEMENT_WORDS = 3
ECHO_STATEMENT_SHARE = 0.6
# Stems are near duplicates from this Jaccard similarity of their content words, when
# both have at least DUPLICATE_MIN_WORDS words.
DUPLICATE_SIMILARITY = 0.6
DUPLICATE_MIN_WORDS = 4
# Sources named per finding, so one very repetitive bank cannot flood the report.
MAX_SOURCES = 3

RULES = {
    rule.id: rule
    for rule in (
        Rule("key-echo", "quiz", "Another question of the quiz shows this question's key."),
        Rule(
            "key-echo-course",
            "course",
            "A question of another quiz shows this question's keyed answer (the final exam "
            "mixes them).",
        ),
        Rule("near-duplicate-stem", "course", "Two stems say nearly the same thing."),
    )
}


@dataclass(frozen=True)
class _Text:
    """A text a learner sees in a question: its stem, an option, a matching pair."""

    question: int  # index into the list of all questions
    text: str
    words: frozenset[str]


class _Index:
    """Map each word to the texts using it; rank words from rarest to commonest."""

    def __init__(self, texts: Sequence[_Text]) -> None:
        self.texts = texts
        self.by_word: dict[str, list[int]] = defaultdict(list)
        for number, text in enumerate(texts):
            for word in text.words:
                self.by_word[word].append(number)

    def rarest(self, words: Iterable[str], count: int) -> list[str]:
        """Return the `count` rarest of the words (ties by the word, for a stable order)."""
        ranked = sorted(words, key=lambda word: (len(self.by_word.get(word, ())), word))
        return ranked[: max(count, 0)]

    def sharing(self, words: frozenset[str], at_least: int) -> set[int]:
        """Return the texts that may share `at_least` of the words (a superset, by prefix)."""
        if at_least <= 0 or at_least > len(words):
            return set()
        found: set[int] = set()
        for word in self.rarest(words, len(words) - at_least + 1):
            found.update(self.by_word.get(word, ()))
        return found


def _asserted_texts(question: QuestionData) -> list[str]:
    """Return what a question shows a learner as true: its stem (a true/false statement
    only when true), its keyed options and its matching pairs."""
    texts = []
    if question.type != "truefalse" or question.correct:
        texts.append(question.prompt)
    if question.type in ("single", "multi"):
        keys = set(key_indexes(question))
        texts += [c.text for i, c in enumerate(question.choices) if i in keys]
    elif question.type == "matching":
        texts += [
            f"{question.pairs[row].left} {question.pairs[row].right}"
            for row in matching_rows(question)
        ]
    return texts


@dataclass(frozen=True)
class _Item:
    """Something a question asks for: the stem it hangs on, its keys and its distractors."""

    question: int
    stem: frozenset[str]
    keys: tuple[tuple[str, frozenset[str]], ...]
    distractors: tuple[frozenset[str], ...]


def _items(number: int, question: QuestionData) -> list[_Item]:
    """Return the asked-for answers of a question (one item per matching row)."""
    stem = content_words(question.prompt)
    if question.type in ("single", "multi"):
        keys = set(key_indexes(question))
        return [
            _Item(
                number,
                stem,
                tuple((c.text, content_words(c.text)) for i, c in enumerate(question.choices)
                      if i in keys),
                tuple(content_words(c.text) for i, c in enumerate(question.choices)
                      if i not in keys),
            )
        ]  # fmt: skip
    if question.type == "short":
        best = max((c.fraction for c in question.choices), default=0.0)
        accepted = [c.text for c in question.choices if c.fraction == best]
        return [_Item(number, stem, tuple((t, content_words(t)) for t in accepted), ())]
    if question.type == "matching":
        answers = {pair.right: content_words(pair.right) for pair in question.pairs}
        items = []
        for row in matching_rows(question):
            pair = question.pairs[row]
            items.append(
                _Item(
                    number,
                    content_words(pair.left),
                    ((pair.right, answers[pair.right]),),
                    tuple(words for right, words in answers.items() if right != pair.right),
                )
            )
        return items
    return []


def _supports(item: _Item, option: frozenset[str], index: _Index) -> dict[int, tuple[int, int]]:
    """Score how strongly each other question points at an option: {question: (strength, text)}.

    A text holding most of the option's words supports it (1), and more so when it
    also uses the stem's own words (1 + those words): it then links stem and answer.
    """
    if not option:
        return {}
    need = math.ceil(ECHO_COVERAGE * len(option))
    stem_only = item.stem - option
    best: dict[int, tuple[int, int]] = {}
    for number in index.sharing(option, need):
        text = index.texts[number]
        if text.question == item.question or len(text.words & option) < need:
            continue
        strength = 1 + len(text.words & stem_only)
        if strength > best.get(text.question, (0, -1))[0]:
            best[text.question] = (strength, number)
    return best


def key_echo(
    questions: Sequence[QuestionData], quizzes: Sequence[str | None] | None = None
) -> list[Finding]:
    """Flag questions whose keyed answer another question shows (or restates, for true/false).

    `quizzes` names the quiz of each question; echoes within one quiz and across
    quizzes are both reported, saying which.
    """
    quizzes = list(quizzes) if quizzes is not None else [None] * len(questions)
    texts = [
        _Text(number, text, content_words(text))
        for number, question in enumerate(questions)
        if not question.errors
        for text in _asserted_texts(question)
    ]
    index = _Index(texts)
    findings = []
    for number, question in enumerate(questions):
        if question.errors:
            continue
        sources: dict[int, str] = {}  # other question -> the text that gives the answer away
        answers: dict[int, str] = {}
        if question.type == "truefalse":
            _statement_echoes(number, question, index, sources)
        else:
            for item in _items(number, question):
                for source, (answer, text) in _echo_sources(item, index).items():
                    sources.setdefault(source, text)
                    answers.setdefault(source, answer)
        same = {s: text for s, text in sources.items() if quizzes[s] == quizzes[number]}
        other = {s: text for s, text in sources.items() if quizzes[s] != quizzes[number]}
        for rule, found in (("key-echo", same), ("key-echo-course", other)):
            if found:
                findings.append(_echo_finding(rule, questions, quizzes, number, found, answers))
    return findings


def _echo_sources(item: _Item, index: _Index) -> dict[int, tuple[str, str]]:
    """Return the questions pointing at a key more than at any distractor: {question:
    (the key, the text pointing at it)}."""
    rivals: dict[int, int] = {}
    for distractor in item.distractors:
        for source, (strength, _) in _supports(item, distractor, index).items():
            rivals[source] = max(rivals.get(source, 0), strength)
    found: dict[int, tuple[int, str, int]] = {}
    for answer, words in item.keys:
        least = 2 if len(words) < SHORT_KEY_WORDS else 1
        for source, (strength, number) in _supports(item, words, index).items():
            if strength < least:
                continue
            if strength > rivals.get(source, 0) and strength > found.get(source, (0,))[0]:
                found[source] = (strength, answer, number)
    return {source: (answer, index.texts[n].text) for source, (_, answer, n) in found.items()}


def _statement_echoes(
    number: int, question: QuestionData, index: _Index, sources: dict[int, str]
) -> None:
    """Find texts of other questions that restate most of a true/false statement."""
    statement = content_words(question.prompt)
    for text_number in sorted(index.sharing(statement, ECHO_STATEMENT_WORDS)):
        text = index.texts[text_number]
        if text.question == number or text.question in sources:
            continue
        common = len(text.words & statement)
        if common >= ECHO_STATEMENT_WORDS and common >= ECHO_STATEMENT_SHARE * len(text.words):
            sources[text.question] = text.text


def _echo_finding(
    rule: str,
    questions: Sequence[QuestionData],
    quizzes: Sequence[str | None],
    number: int,
    sources: dict[int, str],
    answers: dict[int, str],
) -> Finding:
    question = questions[number]
    named = sorted(sources)[:MAX_SOURCES]
    where = [
        {
            "question_id": questions[s].id,
            "line": questions[s].line,
            "file": quizzes[s],
            "same_quiz": quizzes[s] == quizzes[number],
            "text": quote(sources[s], 120),
            **({"answer": quote(answers[s], 80)} if s in answers else {}),
        }
        for s in named
    ]
    listed = "; ".join(
        f"{w['question_id'] or 'line ' + str(w['line'])}"
        f"{'' if w['same_quiz'] else ' in ' + str(w['file'])}: '{quote(w['text'], 60)}'"
        for w in where
    )
    another = "Another question" if rule == "key-echo" else "A question of another lesson"
    if question.type == "truefalse":
        what = f"{another} restates what this statement is about"
    else:
        what = f"{another} shows this question's keyed answer"
    where_met = (
        "in this quiz" if rule == "key-echo" else "in the final exam, which mixes every lesson"
    )
    more = f" (and {len(sources) - len(named)} more)" if len(sources) > len(named) else ""
    return Finding(
        rule,
        f"{what} ({listed}){more}: {where_met}, one question answers the other. Reword "
        "one of them.",
        {"sources": where},
        subjects=(question,),
        quiz=quizzes[number],
    )


def near_duplicate_stems(
    questions: Sequence[QuestionData], quizzes: Sequence[str | None] | None = None
) -> list[Finding]:
    """Flag stems whose content words nearly coincide with an earlier question's."""
    quizzes = list(quizzes) if quizzes is not None else [None] * len(questions)
    texts = [
        _Text(number, question.prompt, content_words(question.prompt))
        for number, question in enumerate(questions)
        if not question.errors and question.type not in ("description", "essay")
    ]
    index = _Index(texts)
    findings = []
    for position, text in enumerate(texts):
        if len(text.words) < DUPLICATE_MIN_WORDS:
            continue
        need = math.ceil(DUPLICATE_SIMILARITY * len(text.words))
        for other_position in sorted(index.sharing(text.words, need)):
            if other_position >= position:
                continue
            other = texts[other_position]
            if len(other.words) < DUPLICATE_MIN_WORDS:
                continue
            union = len(text.words | other.words)
            similarity = len(text.words & other.words) / union
            if similarity < DUPLICATE_SIMILARITY:
                continue
            question, earlier = questions[text.question], questions[other.question]
            forms = word_forms(question.prompt)
            place = (
                "" if quizzes[other.question] == quizzes[text.question]
                else f" in {quizzes[other.question]}"
            )  # fmt: skip
            findings.append(
                Finding(
                    "near-duplicate-stem",
                    f"The stem nearly repeats {earlier.id or 'the question'} (line "
                    f"{earlier.line}{place}; {round(100 * similarity)}% of their words are "
                    "shared): a learner meeting both gets two tries at one fact. Merge them or "
                    "ask about something else.",
                    {
                        "similar_to": earlier.id,
                        "line": earlier.line,
                        "file": quizzes[other.question],
                        "similarity": round(similarity, 2),
                        "shared_words": [forms[w] for w in sorted(text.words & other.words)],
                    },
                    subjects=(question, earlier),
                    quiz=quizzes[text.question],
                )
            )
            break
    return findings


def lint_across(quizzes: Mapping[str | None, Sequence[QuestionData]]) -> list[Finding]:
    """Run the cross-question rules over every question of the given quizzes."""
    questions: list[QuestionData] = []
    names: list[str | None] = []
    for name, bank in quizzes.items():
        questions.extend(bank)
        names.extend([name] * len(bank))
    return key_echo(questions, names) + near_duplicate_stems(questions, names)
