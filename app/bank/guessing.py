"""The blind-guess benchmark: what a test-wise learner scores without reading anything.

Each strategy looks only at the question's own words: pick the longest (or
shortest) option, the one repeating the stem's words, the one sharing most words
with the other options, avoid options with absolute words, answer true/false by
a fixed prior, match rows to answers by shared words. A strategy's score on a
question is its expected score, ties broken at random, graded by the real grader;
chance is the expected score of a random pick (of as many options as there are
keys, since stems say "select two").

`benchmark` chooses, for each question type, the one strategy that does best over
all the questions given (not per question: a real guesser cannot know which trick
works where) and reports it against chance, per type, per quiz and overall.
Short-answer and numerical questions cannot be guessed blind and are only counted.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.bank.grading import matching_rows
from app.bank.lint.choices import convergence_scores, key_indexes
from app.bank.lint.words import content_words, strong_words, visible_length
from app.bank.model import QuestionData
from app.bank.types import grade

__all__ = ["STRATEGIES", "Benchmark", "benchmark", "format_benchmark", "question_scores"]

# Past this many equally likely picks, average a fixed sample of them instead.
MAX_PICKS = 2000
_SAMPLE_SEED = 15

Ranker = Callable[[QuestionData], list[float]]


def _longest(question: QuestionData) -> list[float]:
    return [float(visible_length(c.text)) for c in question.choices]


def _shortest(question: QuestionData) -> list[float]:
    return [-float(visible_length(c.text)) for c in question.choices]


def _stem_overlap(question: QuestionData) -> list[float]:
    stem = content_words(question.prompt)
    return [float(len(content_words(c.text) & stem)) for c in question.choices]


def _convergence(question: QuestionData) -> list[float]:
    return [float(score) for score in convergence_scores(question)]


def _modest(question: QuestionData) -> list[float]:
    return [-1.0 if strong_words(c.text) else 0.0 for c in question.choices]


_CHOICE_STRATEGIES: dict[str, Ranker] = {
    "longest": _longest,
    "shortest": _shortest,
    "stem-overlap": _stem_overlap,
    "convergence": _convergence,
    "absolutes": _modest,
}
STRATEGIES: dict[str, tuple[str, ...]] = {
    "single": tuple(_CHOICE_STRATEGIES),
    "multi": tuple(_CHOICE_STRATEGIES),
    "truefalse": ("always-true", "always-false", "absolutes"),
    "matching": ("word-overlap",),
}


def _picks(ranks: list[float], count: int) -> list[list[int]]:
    """Return the equally likely sets of `count` options a ranking leads to (ties at random)."""
    order = sorted(range(len(ranks)), key=lambda i: -ranks[i])
    if count >= len(ranks):
        return [order]
    cut = ranks[order[count - 1]]
    sure = [i for i in order if ranks[i] > cut]
    tied = [i for i in order if ranks[i] == cut]
    return _subsets(tied, count - len(sure), fixed=sure)


def _subsets(items: list[int], size: int, fixed: list[int] | None = None) -> list[list[int]]:
    """Return every `size`-subset of `items` (plus `fixed`), or a fixed sample if too many."""
    fixed = fixed or []
    if math.comb(len(items), size) <= MAX_PICKS:
        return [sorted([*fixed, *combo]) for combo in itertools.combinations(items, size)]
    rng = random.Random(_SAMPLE_SEED)
    return [sorted([*fixed, *rng.sample(items, size)]) for _ in range(MAX_PICKS)]


def _mean_grade(question: QuestionData, picks: list[list[int]]) -> float:
    if question.type == "single":
        return sum(grade(question, pick[0]).fraction for pick in picks) / len(picks)
    return sum(grade(question, pick).fraction for pick in picks) / len(picks)


def _key_count(question: QuestionData) -> int:
    return len(key_indexes(question)) if question.type == "multi" else 1


def _matching_scores(question: QuestionData) -> tuple[float, float]:
    """Return (chance, word-overlap score) for a matching question."""
    shown: dict[str, int] = {}
    for index, pair in enumerate(question.pairs):
        shown.setdefault(pair.right, index)
    answers = [(right, content_words(right)) for right in shown]
    rows = matching_rows(question)
    total = 0.0
    for row in rows:
        left = content_words(question.pairs[row].left)
        overlaps = [len(left & words) for _, words in answers]
        best = max(overlaps)
        tied = [right for (right, _), o in zip(answers, overlaps, strict=True) if o == best]
        if question.pairs[row].right in tied:
            total += 1 / len(tied)
    return 1 / len(answers), total / len(rows)


def question_scores(question: QuestionData) -> tuple[float, dict[str, float]] | None:
    """Return (chance, {strategy: expected score}) for a question, or None if unguessable."""
    kind = question.type
    if question.errors or kind not in STRATEGIES:
        return None
    if kind == "truefalse":
        modest_answer = not strong_words(question.prompt)
        return 0.5, {
            "always-true": 1.0 if question.correct else 0.0,
            "always-false": 0.0 if question.correct else 1.0,
            "absolutes": 1.0 if modest_answer == bool(question.correct) else 0.0,
        }
    if kind == "matching":
        if not matching_rows(question):
            return None
        chance, overlap = _matching_scores(question)
        return chance, {"word-overlap": overlap}
    if not question.choices:
        return None
    count = max(_key_count(question), 1)
    chance = _mean_grade(question, _subsets(list(range(len(question.choices))), count))
    return chance, {
        name: _mean_grade(question, _picks(ranker(question), count))
        for name, ranker in _CHOICE_STRATEGIES.items()
    }


@dataclass
class _Tally:
    """Sums over some questions of one type: chance and each strategy's score."""

    count: int = 0
    chance: float = 0.0
    strategies: dict[str, float] = field(default_factory=dict)

    def add(self, chance: float, scores: Mapping[str, float]) -> None:
        self.count += 1
        self.chance += chance
        for name, score in scores.items():
            self.strategies[name] = self.strategies.get(name, 0.0) + score


def _percent(total: float, count: int) -> float:
    return round(100 * total / count, 1) if count else 0.0


@dataclass
class Benchmark:
    """The benchmark's figures, in percent: per type, overall and per quiz."""

    types: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    quizzes: dict[str, dict[str, Any]]
    not_guessable: int

    def as_json(self) -> dict[str, Any]:
        return {
            "types": self.types,
            "overall": self.overall,
            "quizzes": self.quizzes,
            "not_guessable": self.not_guessable,
        }


def benchmark(quizzes: Mapping[str, Sequence[QuestionData]]) -> Benchmark:
    """Score the blind guesser on every quiz, choosing each type's best strategy course-wide."""
    scored: list[tuple[str, str, float, dict[str, float]]] = []  # quiz, type, chance, scores
    not_guessable = 0
    for name, questions in quizzes.items():
        for question in questions:
            if question.errors or question.type in ("description", "essay"):
                continue
            result = question_scores(question)
            if result is None:
                not_guessable += 1
                continue
            scored.append((name, question.type, *result))
    tallies: dict[str, _Tally] = {}
    for _, kind, chance, scores in scored:
        tallies.setdefault(kind, _Tally()).add(chance, scores)
    best = {
        kind: max(t.strategies, key=lambda s, t=t: t.strategies[s]) for kind, t in tallies.items()
    }
    types = {}
    for kind in STRATEGIES:
        if kind not in tallies:
            continue
        tally = tallies[kind]
        chance = _percent(tally.chance, tally.count)
        best_score = _percent(tally.strategies[best[kind]], tally.count)
        types[kind] = {
            "questions": tally.count,
            "chance": chance,
            "strategies": {s: _percent(v, tally.count) for s, v in tally.strategies.items()},
            "best": best[kind],
            "best_score": best_score,
            "gain": _percent(tally.strategies[best[kind]] - tally.chance, tally.count),
        }
    overall = _summarise([(chance, scores[best[kind]]) for _, kind, chance, scores in scored])
    per_quiz: dict[str, dict[str, Any]] = {}
    for name in quizzes:
        rows = [(kind, chance, scores) for quiz, kind, chance, scores in scored if quiz == name]
        if not rows:
            continue
        per_type = {}
        for kind in STRATEGIES:
            picked = [(chance, scores[best[kind]]) for k, chance, scores in rows if k == kind]
            if picked:
                per_type[kind] = _summarise(picked)
        per_quiz[name] = {
            **_summarise([(chance, scores[best[kind]]) for kind, chance, scores in rows]),
            "types": per_type,
        }
    return Benchmark(types, overall, per_quiz, not_guessable)


def _summarise(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    """Sum (chance, guesser score) pairs into percentages and the gain in points."""
    chance = sum(c for c, _ in pairs)
    score = sum(s for _, s in pairs)
    return {
        "questions": len(pairs),
        "chance": _percent(chance, len(pairs)),
        "best_score": _percent(score, len(pairs)),
        "gain": _percent(score - chance, len(pairs)),
    }


def format_benchmark(result: Benchmark) -> list[str]:
    """Describe the benchmark for a terminal: per type, overall, then per quiz."""
    lines = ["Blind-guess benchmark (a test-wise guesser who reads nothing), in %:"]
    for kind, row in result.types.items():
        strategies = ", ".join(f"{name} {score}" for name, score in row["strategies"].items())
        lines.append(
            f"  {kind}: {row['questions']} questions, chance {row['chance']}, best "
            f"{row['best']} {row['best_score']} ({row['gain']:+} points) [{strategies}]"
        )
    overall = result.overall
    lines.append(
        f"  overall: {overall['questions']} questions, chance {overall['chance']}, best "
        f"strategy per type {overall['best_score']} ({overall['gain']:+} points)"
    )
    if result.not_guessable:
        lines.append(f"  not guessable blind (short answer, numerical): {result.not_guessable}")
    lines.append("Per quiz (each type's course-wide best strategy), in %:")
    for name, row in result.quizzes.items():
        lines.append(
            f"  {name}: chance {row['chance']}, guesser {row['best_score']} "
            f"({row['gain']:+} points, {row['questions']} questions)"
        )
    return lines
