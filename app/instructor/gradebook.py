"""The gradebook: every learner's counted score in every lesson, summarised for the class.

This module is the pure half: plain facts in, what the page and the CSV show out
(`summarise`, `parse_sort`, `format_percent`), tested without Flask. The reads that
fetch the facts, a fixed number of statements whatever the number of learners, are
in `app.instructor.gradebook_reads`. A page shows `PER_PAGE` learners; the footers
(class average, pass rate) are over every learner the search matches, summed in the
database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PER_PAGE = 50
MAX_SEARCH_LENGTH = 100  # longer searches are cut: no name or email is longer

# --- plain facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonFacts:
    id: int
    slug: str
    title: str
    final_exam: bool
    pass_mark: float = 0.0  # the lesson's current pass mark ("needs help" compares with it)
    max_attempts: int = 0  # the lesson's attempt limit (0: none), before extra attempts


@dataclass(frozen=True)
class LearnerFacts:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class GradeFacts:
    """A learner's stored counted grade in a lesson (only lessons with a graded attempt)."""

    user_id: int
    lesson_id: int
    percent: float
    passed: bool


# --- what the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One learner in one lesson: the counted score and pass state, and an open attempt."""

    percent: float | None = None  # None: no graded attempt
    passed: bool = False
    in_progress: bool = False

    @property
    def graded(self) -> bool:
        return self.percent is not None

    @property
    def started(self) -> bool:
        return self.graded or self.in_progress

    @property
    def state(self) -> str:
        """The pass state as a word: the page's class name and the CSV's text."""
        if self.graded:
            return "passed" if self.passed else "not passed"
        return "in progress" if self.in_progress else "not started"


@dataclass(frozen=True)
class LearnerRow:
    learner: LearnerFacts
    cells: list[Cell]  # one per lesson column, in column order
    final: Cell | None  # the final exam (None when the course has none)
    lessons_passed: int
    lessons_total: int
    last_activity: datetime | None


@dataclass(frozen=True)
class ColumnTotals:
    """Summed in the database over the learners with a graded attempt in one lesson."""

    lesson_id: int
    graded: int
    percent_sum: float
    passed: int


@dataclass(frozen=True)
class LessonSummary:
    """The footer of one column: the class average over learners with a graded attempt."""

    graded: int  # n: learners with a graded attempt
    average: float | None  # mean counted percent over those learners
    pass_rate: float | None  # percent of those learners who passed


@dataclass(frozen=True)
class Sort:
    """The gradebook's order: a column and a direction (the name, then the id, break ties)."""

    key: str = "name"  # name, email, progress, activity or lesson
    lesson_id: int | None = None  # the lesson whose score orders the rows (key "lesson")
    descending: bool = False

    @property
    def param(self) -> str:
        """The column as the `sort` query parameter writes it."""
        return f"lesson-{self.lesson_id}" if self.key == "lesson" else self.key


SORT_KEYS = ("name", "email", "progress", "activity")
BY_NAME = Sort()

# The gradebook's filters: `?show=` value → what its link says. Each is a condition on the
# matching learners in `gradebook_reads.matching_learners`, so the count, the pages, the
# footers and the CSV all follow it.
NOT_STARTED = "not-started"
IN_PROGRESS = "in-progress"
PASSED_EVERYTHING = "passed-everything"
NEEDS_HELP = "needs-help"
FILTERS = {
    NOT_STARTED: "not started",
    IN_PROGRESS: "in progress",
    PASSED_EVERYTHING: "passed everything",
    NEEDS_HELP: "needs help",
}
# "Needs help": this many graded attempts below the pass mark in a lesson not yet passed.
NEEDS_HELP_FAILED_ATTEMPTS = 2


def parse_filter(value: str | None) -> str | None:
    """Read `?show=`; anything unknown shows every learner."""
    return value if value in FILTERS else None


def parse_sort(value: str | None, direction: str | None, lessons: Iterable[LessonFacts]) -> Sort:
    """Read `?sort=` and `?dir=`; anything unknown sorts by name, ascending."""
    descending = direction == "desc"
    value = value or "name"
    if value in SORT_KEYS:
        return Sort(value, None, descending)
    prefix, _, number = value.partition("-")
    known = {str(lesson.id) for lesson in lessons}
    if prefix == "lesson" and number in known:
        return Sort("lesson", int(number), descending)
    return BY_NAME


@dataclass(frozen=True)
class Gradebook:
    lessons: list[LessonFacts]  # the columns (the final exam apart)
    final_exam: LessonFacts | None
    rows: list[LearnerRow]  # sorted by name key, then id (as read)
    summaries: list[LessonSummary]  # one per column, over every matching learner
    final_summary: LessonSummary | None
    learners: int = 0  # every learner the search matches (rows holds one page of them)
    page: int = 1
    pages: int = 1
    sort: Sort = BY_NAME
    filter: str | None = None  # a key of FILTERS, or None for every learner

    @property
    def sort_description(self) -> str:
        """Say the order in words, for the table's caption: "score in Lesson 2, highest first"."""
        what = {"name": "name", "email": "email", "progress": "lessons passed",
                "activity": "last activity"}.get(self.sort.key)  # fmt: skip
        if self.sort.key == "lesson":
            every = [*self.lessons, *([self.final_exam] if self.final_exam else [])]
            titles = [lesson.title for lesson in every if lesson.id == self.sort.lesson_id]
            what = f"score in {titles[0]}" if titles else "score"
        if not self.sort.descending:
            return f"{what}"
        return f"{what}, {'descending' if self.sort.key in ('name', 'email') else 'highest first'}"


def summarise(
    lessons: Iterable[LessonFacts],
    learners: Iterable[LearnerFacts],
    grades: Iterable[GradeFacts],
    open_pairs: Iterable[tuple[int, int]],
    activity: dict[int, datetime],
    totals: Iterable[ColumnTotals] = (),
    learner_count: int | None = None,
    page: int = 1,
    sort: Sort = BY_NAME,
    filter: str | None = None,
) -> Gradebook:
    """Build the gradebook from plain facts (learners in the order given, one page of them).

    The final exam (the first lesson marked as one) is a column of its own, outside
    "lessons passed"; every other lesson counts towards it. The footers come from
    `totals`, which cover every learner matched, not only this page's.
    """
    lessons = list(lessons)
    finals = [lesson for lesson in lessons if lesson.final_exam]
    final = finals[0] if finals else None
    columns = [lesson for lesson in lessons if lesson is not final]
    by_pair = {(g.user_id, g.lesson_id): g for g in grades}
    open_set = set(open_pairs)

    def cell(user_id: int, lesson_id: int) -> Cell:
        grade = by_pair.get((user_id, lesson_id))
        in_progress = (user_id, lesson_id) in open_set
        if grade is None:
            return Cell(in_progress=in_progress)
        return Cell(percent=grade.percent, passed=grade.passed, in_progress=in_progress)

    rows = []
    for learner in learners:
        cells = [cell(learner.id, lesson.id) for lesson in columns]
        rows.append(
            LearnerRow(
                learner=learner,
                cells=cells,
                final=cell(learner.id, final.id) if final else None,
                lessons_passed=sum(1 for c in cells if c.graded and c.passed),
                lessons_total=len(columns),
                last_activity=activity.get(learner.id),
            )
        )
    by_lesson = {t.lesson_id: t for t in totals}
    summaries = [summary_of(by_lesson.get(lesson.id)) for lesson in columns]
    final_summary = summary_of(by_lesson.get(final.id)) if final else None
    count = len(rows) if learner_count is None else learner_count
    pages = max(1, -(-count // PER_PAGE))
    return Gradebook(
        columns, final, rows, summaries, final_summary, count, min(max(page, 1), pages), pages,
        sort, filter,
    )  # fmt: skip


def summary_of(totals: ColumnTotals | None) -> LessonSummary:
    """Average and pass rate over the learners with a graded attempt (None when none has)."""
    if totals is None or totals.graded == 0:
        return LessonSummary(0, None, None)
    return LessonSummary(
        totals.graded, totals.percent_sum / totals.graded, 100.0 * totals.passed / totals.graded
    )


def format_percent(value: float | None) -> str:
    """Write a percentage as a learner's result page does: whole, halves rounded up."""
    if value is None:
        return ""
    return f"{math.floor(round(value, 6) + 0.5)}%"
