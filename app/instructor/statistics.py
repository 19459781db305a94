"""A lesson's statistics page figures, assembled from streamed response rows. Pure: no Flask.

`app.quizzes.item_analysis` computes every figure; this module only groups the rows
an attempt at a time, names the options of choice questions, bins the histogram and
lays the result out as plain JSON-able data — what `item_statistics.figures` stores,
the page renders and the exports write, so the three always agree.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.quizzes.item_analysis import (
    MIN_RESPONSES_FOR_FLAGS,
    AnalysedAttempt,
    ItemStats,
    OptionRates,
    flags,
    item_stats,
    option_rates,
    quiz_stats,
)

ATTEMPT_SETS = ("first", "all", "highest", "last")
DEFAULT_SET = "first"
SET_LABELS = {
    "first": "first attempts",
    "all": "all attempts",
    "highest": "each learner's highest-scoring attempt",
    "last": "each learner's last attempt",
}
# Flags are judged on first attempts (the rule), so only that set stores them.
FLAGGED_SET = "first"
HISTOGRAM_BINS = 10
CHOICE_TYPES = frozenset({"single", "multi", "truefalse"})
# Types whose answers are counted option by option: for matching an "option" is one
# row matched with one answer ("2→B"), so the page shows how each row was answered.
PICKED_TYPES = CHOICE_TYPES | {"matching"}
__all__ = ["MIN_RESPONSES_FOR_FLAGS", "analyse", "histogram", "parse_set"]


def parse_set(value: str | None) -> str:
    """Read ?attempts= (anything unknown is the default, first attempts)."""
    return value if value in ATTEMPT_SETS else DEFAULT_SET


@dataclass(frozen=True)
class VersionInfo:
    """What the analysis needs of a question version: its identity, points and options."""

    version_id: int
    question_id: int
    uid: str
    position: int
    number: int
    type: str
    title: str
    points: float
    options: tuple[tuple[str, str], ...] = ()  # (label, text) for choice and matching questions
    keys: frozenset[str] = frozenset()  # labels of the options that earn points
    # Matching: each pair's index → the letter of its answer text (equal texts share one).
    answer_of_pair: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseRow:
    """One streamed response of an analysed attempt (rows arrive grouped by attempt)."""

    attempt_id: int
    is_demo: bool
    version_id: int
    points: float | None
    answer: Any


@dataclass
class _Attempt:
    marks_v: dict[int, float] = field(default_factory=dict)
    max_v: dict[int, float] = field(default_factory=dict)
    marks_q: dict[int, float] = field(default_factory=dict)
    max_q: dict[int, float] = field(default_factory=dict)
    picks: dict[int, frozenset[str]] = field(default_factory=dict)


def option_label(index: int) -> str:
    """Name a choice by its letter in the stored order (A, B, … then 27, 28, …)."""
    return string.ascii_uppercase[index] if index < 26 else str(index + 1)


def matching_label(row_position: int, answer_index: int) -> str:
    """Name one row matched with one answer: the row's number and the answer's letter."""
    return f"{row_position + 1}→{option_label(answer_index)}"


def picked(info: VersionInfo, answer: Any) -> frozenset[str]:
    """Return the labels of the options a stored answer chose (empty when unanswered)."""
    if info.type == "matching":
        if not isinstance(answer, list):
            return frozenset()
        return frozenset(
            matching_label(position, info.answer_of_pair[chosen])
            for position, chosen in enumerate(answer)
            if isinstance(chosen, int) and not isinstance(chosen, bool)
            and chosen in info.answer_of_pair
        )  # fmt: skip
    if info.type == "truefalse":
        return (
            frozenset({"True" if answer else "False"}) if isinstance(answer, bool) else frozenset()
        )
    values = answer if isinstance(answer, list) else [answer]
    count = len(info.options)
    return frozenset(
        option_label(v) for v in values if isinstance(v, int) and not isinstance(v, bool)
        and 0 <= v < count
    )  # fmt: skip


def _group(rows: Iterable[ResponseRow], versions: Mapping[int, VersionInfo]):
    """Yield (is_demo, attempt) per attempt; rows arrive ordered by attempt id."""
    current_id, current, demo = None, _Attempt(), False
    for row in rows:
        if row.attempt_id != current_id:
            if current_id is not None:
                yield demo, current
            current_id, current, demo = row.attempt_id, _Attempt(), row.is_demo
        info = versions.get(row.version_id)
        if info is None:
            continue
        mark = float(row.points or 0.0)
        current.marks_v[info.version_id] = mark
        current.max_v[info.version_id] = info.points
        current.marks_q[info.question_id] = current.marks_q.get(info.question_id, 0.0) + mark
        current.max_q[info.question_id] = current.max_q.get(info.question_id, 0.0) + info.points
        if info.type in PICKED_TYPES:
            current.picks[info.version_id] = picked(info, row.answer)
    if current_id is not None:
        yield demo, current


def histogram(percents: Iterable[float], bins: int = HISTOGRAM_BINS) -> list[dict[str, Any]]:
    """Count scores in equal bins of the percentage (the last bin includes 100)."""
    counts = [0] * bins
    width = 100 / bins
    for percent in percents:
        counts[min(bins - 1, max(0, int(percent // width)))] += 1
    return [
        {"low": round(i * width, 6), "high": round((i + 1) * width, 6), "count": counts[i]}
        for i in range(bins)
    ]


def _item(stats: ItemStats) -> dict[str, Any]:
    return {
        "responses": stats.responses,
        "facility": stats.facility,
        "sd": stats.sd,
        "discrimination": stats.discrimination,
    }


def _options(info: VersionInfo, rates: OptionRates | None) -> list[dict[str, Any]]:
    if rates is None:
        return []
    return [
        {
            "label": label,
            "text": text,
            "key": label in info.keys,
            "everyone": rates.everyone.get(label, 0.0),
            "top": rates.top.get(label, 0.0),
            "bottom": rates.bottom.get(label, 0.0),
        }
        for label, text in info.options
    ]


def analyse(
    rows: Iterable[ResponseRow], versions: Mapping[int, VersionInfo], attempt_set: str
) -> dict[str, Any]:
    """Return the figures of one lesson and attempt set (what `item_statistics` stores)."""
    by_version: list[AnalysedAttempt] = []
    by_question: list[AnalysedAttempt] = []
    picks: dict[int, list[tuple[float, frozenset[str]]]] = {}
    demo_only = True
    for is_demo, attempt in _group(rows, versions):
        demo_only = demo_only and is_demo
        analysed = AnalysedAttempt(attempt.marks_v, attempt.max_v)
        by_version.append(analysed)
        by_question.append(AnalysedAttempt(attempt.marks_q, attempt.max_q))
        for version_id, chosen in attempt.picks.items():
            picks.setdefault(version_id, []).append((analysed.total, chosen))
    quiz = quiz_stats(by_question)
    version_stats = item_stats(by_version)
    question_stats = item_stats(by_question)
    questions: dict[int, dict[str, Any]] = {}
    for info in sorted(versions.values(), key=lambda v: (v.position, v.uid, v.number)):
        stats = version_stats.get(info.version_id)
        if stats is None:
            continue
        rates = option_rates(picks[info.version_id], [o for o, _ in info.options]) if (
            info.version_id in picks
        ) else None  # fmt: skip
        # Distractor flags are for choices; a matching row's wrong answers are not distractors.
        flagged_rates = rates if info.type in CHOICE_TYPES else None
        found = flags(stats, flagged_rates, info.keys) if attempt_set == FLAGGED_SET else []
        question = questions.setdefault(
            info.question_id,
            {"question_id": info.question_id, "uid": info.uid, "title": info.title,
             **_item(question_stats[info.question_id]), "versions": []},
        )  # fmt: skip
        question["versions"].append(
            {"version_id": info.version_id, "number": info.number, "type": info.type,
             **_item(stats), "options": _options(info, rates), "flags": found}
        )  # fmt: skip
    return {
        "attempt_set": attempt_set,
        "population": "none" if not by_question else ("demo" if demo_only else "real"),
        "quiz": {
            "attempts": quiz.attempts,
            "mean": quiz.mean,
            "median": quiz.median,
            "sd": quiz.sd,
            "common_items": quiz.common_items,
            "alpha": quiz.alpha,
            "sem": quiz.sem,
        },
        "histogram": histogram(a.percent for a in by_question),
        "questions": list(questions.values()),
    }


def flags_by_uid(figures: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return each flagged question's flags (every version's, named), for the bank's badges."""
    found: dict[str, list[str]] = {}
    for question in figures.get("questions", []):
        texts = [
            f"Version {version['number']}: {text}"
            for version in question["versions"]
            for text in version["flags"]
        ]
        if texts:
            found[question["uid"]] = texts
    return found


def format_figure(value: float | None, digits: int = 2, scale: float = 1.0) -> str:
    """Show a figure, or an em dash when it cannot be computed."""
    return "—" if value is None else f"{value * scale:.{digits}f}"


def histogram_bars(bins: list[dict[str, Any]], width: int = 400, height: int = 160) -> list[dict]:
    """Lay the histogram out as SVG rectangles (attributes only: no inline style for the CSP)."""
    tallest = max((b["count"] for b in bins), default=0) or 1
    slot = width / max(1, len(bins))
    bars = []
    for index, b in enumerate(bins):
        bar_height = round(height * b["count"] / tallest, 2)
        bars.append(
            {**b, "x": round(index * slot + 2, 2), "width": round(slot - 4, 2),
             "y": round(height - bar_height, 2), "height": bar_height}
        )  # fmt: skip
    return bars
