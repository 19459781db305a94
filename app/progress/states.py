"""A lesson's state for a learner, the course's progress and the one next step: pure functions.

Plain data in, plain data out, so the rules are tested without Flask
(`tests/unit/test_progress_states.py`). The pass rule itself stays in
`app.quizzes.scoring` (a stored grade says `passed`), and what a lesson with no
scored questions means in `app.quizzes.completion.reading_passes` (passed once
read; a final exam never is).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.quizzes.completion import reading_passes

NOT_STARTED = "not started"
READ = "read"
IN_PROGRESS = "quiz in progress"
ATTEMPTED = "attempted"
PASSED = "passed"


@dataclass(frozen=True)
class LessonFacts:
    """What is stored about one learner and one lesson."""

    read: bool
    open_attempt: bool
    graded: bool
    passed: bool
    scored_questions: int
    final_exam: bool = False


def counts_as_passed(facts: LessonFacts) -> bool:
    """Tell whether the lesson is passed: its grade passes, or it has no quiz and was read."""
    if facts.passed:
        return True
    return facts.read and reading_passes(facts.scored_questions, facts.final_exam)


def lesson_state(facts: LessonFacts) -> str:
    """Return the lesson's state: passed, quiz in progress, attempted, read or not started."""
    if counts_as_passed(facts):
        return PASSED
    if facts.open_attempt:
        return IN_PROGRESS
    if facts.graded:
        return ATTEMPTED
    if facts.read:
        return READ
    return NOT_STARTED


@dataclass(frozen=True)
class Overall:
    """Lessons passed of the total, the final exam apart."""

    passed: int
    total: int
    final_exam_passed: bool | None  # None: the course has no final exam

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        """Every lesson and the final exam (if any) passed."""
        return self.total > 0 and self.passed == self.total and self.final_exam_passed is not False


def overall(lessons: list[tuple[LessonFacts, str]]) -> Overall:
    """Count the passed lessons (final exam apart) from each lesson's facts and state."""
    regular = [state for facts, state in lessons if not facts.final_exam]
    finals = [state for facts, state in lessons if facts.final_exam]
    final_passed = all(state == PASSED for state in finals) if finals else None
    return Overall(sum(state == PASSED for state in regular), len(regular), final_passed)


# What the next step asks the learner to do.
STEP_RESUME = "resume"
STEP_PRACTICE = "practice"
STEP_LESSON = "lesson"
STEP_FINAL_EXAM = "final exam"
STEP_DONE = "done"


@dataclass(frozen=True)
class NextStep:
    kind: str
    slug: str | None = None  # the lesson to open (resume, lesson, final exam)
    title: str | None = None
    attempt_id: int | None = None  # the quiz to resume
    due: int = 0  # practice cards due


@dataclass(frozen=True)
class LessonStep:
    """A lesson in course order as the next-step rule sees it."""

    slug: str
    title: str
    state: str
    final_exam: bool
    open_attempt_id: int | None = None


def next_step(lessons: list[LessonStep], practice_due: int = 0) -> NextStep:
    """Name one next step: resume an open quiz, practise what is due, the first lesson not yet
    passed, then the final exam when everything else is passed; done when all is passed.

    An open quiz comes first (it may be timed, and its answers wait); due practice
    comes before new lessons because it is short and what was missed is fresh.
    """
    for lesson in lessons:
        if lesson.open_attempt_id is not None and lesson.state != PASSED:
            return NextStep(STEP_RESUME, lesson.slug, lesson.title, lesson.open_attempt_id)
    if practice_due > 0:
        return NextStep(STEP_PRACTICE, due=practice_due)
    for lesson in lessons:
        if not lesson.final_exam and lesson.state != PASSED:
            return NextStep(STEP_LESSON, lesson.slug, lesson.title)
    for lesson in lessons:
        if lesson.final_exam and lesson.state != PASSED:
            return NextStep(STEP_FINAL_EXAM, lesson.slug, lesson.title)
    return NextStep(STEP_DONE)
