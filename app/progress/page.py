"""My progress and the outline as rows: the course structure joined with a learner's facts.

No statements here: the structure comes from the course cache and the facts from
`app.progress.reads`; the rules from `app.progress.states` and `app.progress.chart`.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.course.cache import CourseStructure, LessonEntry
from app.progress.chart import Chart, ScorePoint, score_chart, usual_pass_mark
from app.progress.reads import LearnerFacts
from app.progress.states import (
    LessonFacts,
    LessonStep,
    NextStep,
    Overall,
    lesson_state,
    next_step,
    overall,
)
from app.quizzes.history import AttemptFacts
from app.quizzes.models import STATE_SUBMITTED, LessonGrade
from app.quizzes.quota import attempt_limit


@dataclass(frozen=True)
class LessonRow:
    lesson: LessonEntry
    state: str
    grade: LessonGrade | None
    last_percent: float | None  # the latest graded attempt's score
    used: int  # attempts started (numbers taken)
    allowed: int | None  # None: no limit
    attempts: tuple[AttemptFacts, ...]
    open_attempt_id: int | None
    final_exam: bool
    pass_mark: float | None


@dataclass(frozen=True)
class ModuleRows:
    title: str
    lessons: tuple[LessonRow, ...]


@dataclass(frozen=True)
class Progress:
    modules: tuple[ModuleRows, ...]
    overall: Overall
    next: NextStep
    practice_due: int


def _facts(lesson: LessonEntry, facts: LearnerFacts) -> LessonFacts:
    grade = facts.grades.get(lesson.id)
    settings = lesson.settings
    return LessonFacts(
        read=lesson.id in facts.read,
        open_attempt=lesson.id in facts.open_attempts,
        graded=grade is not None and grade.attempts_graded > 0,
        passed=bool(grade and grade.passed),
        scored_questions=lesson.question_count,
        final_exam=bool(settings and settings.final_exam),
    )


def _row(lesson: LessonEntry, facts: LearnerFacts) -> LessonRow:
    known = _facts(lesson, facts)
    attempts = tuple(facts.attempts.get(lesson.id, ()))
    graded = [a for a in attempts if a.state == STATE_SUBMITTED]
    settings = lesson.settings
    allowed = None
    if settings is not None:
        allowed = attempt_limit(settings.max_attempts, facts.extra.get(lesson.id, 0))
    return LessonRow(
        lesson=lesson,
        state=lesson_state(known),
        grade=facts.grades.get(lesson.id),
        last_percent=graded[-1].percent if graded else None,
        used=max((a.number for a in attempts), default=0),
        allowed=allowed,
        attempts=attempts,
        open_attempt_id=facts.open_attempts.get(lesson.id),
        final_exam=known.final_exam,
        pass_mark=settings.pass_mark if settings else None,
    )


def build_progress(course: CourseStructure, facts: LearnerFacts, practice_due: int) -> Progress:
    """Join the course's lessons with the learner's facts: rows, the overall bar, the next step."""
    modules = tuple(
        ModuleRows(module.title, tuple(_row(lesson, facts) for lesson in module.lessons))
        for module in course.modules
    )
    rows = [row for module in modules for row in module.lessons]
    by_id = {row.lesson.id: row for row in rows}
    in_order = [by_id[lesson.id] for lesson in course.lessons if lesson.id in by_id]
    steps = [
        LessonStep(row.lesson.slug, row.lesson.title, row.state, row.final_exam,
                   row.open_attempt_id)
        for row in in_order
    ]  # fmt: skip
    counted = overall([(_facts(row.lesson, facts), row.state) for row in in_order])
    return Progress(modules, counted, next_step(steps, practice_due), practice_due)


def _points(row: LessonRow) -> list[ScorePoint]:
    return [
        ScorePoint(
            when=attempt.submitted_at or attempt.started_at,
            percent=attempt.percent,
            label=f"{row.lesson.title}, attempt {attempt.number}",
            pass_mark=row.pass_mark or 0.0,
            attempt_id=attempt.id,
        )
        for attempt in row.attempts
        if attempt.state == STATE_SUBMITTED
    ]


def lesson_chart(row: LessonRow) -> Chart | None:
    """The lesson's score history: its graded attempts and its pass mark."""
    return score_chart(_points(row), row.pass_mark or 0.0)


def course_chart(progress: Progress) -> Chart | None:
    """The course's score history: every graded attempt, and the pass mark most lessons use."""
    rows = [row for module in progress.modules for row in module.lessons]
    points = [point for row in rows for point in _points(row)]
    marks = [row.pass_mark for row in rows if row.pass_mark is not None and not row.final_exam]
    return score_chart(points, usual_pass_mark(marks))
