"""What a learner sees of an attempt: the quiz page's items, and the review after grading.

`review_attempt` is the one place a result page's review is assembled (what was
answered, the right answer, the feedback, the link back to the lesson); what a
learner may see of it is decided by `app.quizzes.visibility.key_visible`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select

from app.bank.grading import matching_rows
from app.bank.models import Question, QuestionVersion
from app.bank.types import answer_text, correct_answer_text, grade, question_type
from app.bank.types.base import field_name
from app.course.models import Lesson
from app.course.services import settings_of_lessons
from app.course.settings import REVIEW_PARTS, QuizSettings
from app.extensions import db
from app.quizzes.models import Attempt, LessonGrade
from app.quizzes.scoring import passes
from app.quizzes.visibility import (
    ANSWERS,
    CHOICE_FEEDBACK,
    CORRECT_ANSWER,
    GENERAL_FEEDBACK,
    LESSON_LINK,
    LearnerStanding,
    ReviewedQuestion,
    Standing,
    key_visible,
)
from app.rendering import ANCHOR_PREFIX


def attempt_items(attempt: Attempt) -> list[dict[str, Any]]:
    """Pair each response with what its question's template needs."""
    items = []
    for response in attempt.responses:
        question = response.version.to_data()
        items.append(
            {
                "response": response,
                "question": question,
                "version": response.version,
                "kind": question_type(question.type),
                "name": field_name(response.position),
                "rows": [question.pairs[i] for i in matching_rows(question)],
            }
        )
    return items


@dataclass(frozen=True)
class AttemptReview:
    """A graded attempt as its result page shows it."""

    attempt: Attempt
    items: list[dict[str, Any]]
    settings: QuizSettings
    passed: bool
    hidden_note: str | None = None


# Why the correct answers are missing from a review, by the quiz's timing for them.
HIDDEN_NOTES = {
    "after_pass": "The correct answers and feedback appear once you pass this quiz.",
    "after_last_attempt": "The correct answers and feedback appear after your last attempt.",
    "after_pass_or_last_attempt": (
        "The correct answers and feedback appear once you pass this quiz "
        "or have used your last attempt."
    ),
    "never": "This quiz does not show the correct answers.",
}
DEFAULT_HIDDEN_NOTE = "Some correct answers and feedback are not shown yet."


def review_attempt(attempt: Attempt) -> AttemptReview:
    """Assemble the review of a graded attempt: each answer, the key, feedback, lesson link.

    What each item shows is decided by `key_visible` with the current settings;
    a part it hides is not even computed, so no template can leak it.
    """
    items = attempt_items(attempt)
    lessons = lessons_of_versions([item["version"] for item in items])
    learner = learner_standing(attempt.user_id, [attempt.lesson, *lessons.values()])
    settings = learner.lessons[attempt.lesson_id].settings
    exam_id = attempt.lesson_id if settings.final_exam else None
    for item in items:
        question, response, version = item["question"], item["response"], item["version"]
        lesson = lessons.get(version.question_id)
        reviewed = ReviewedQuestion(lesson.id if lesson else attempt.lesson_id, exam_id)
        show = {part: key_visible(learner, reviewed, part) for part in REVIEW_PARTS}
        item["show"] = show
        item["your_answer"] = answer_text(question, response.answer) if show[ANSWERS] else None
        item["correct_answer"] = correct_answer_text(question) if show[CORRECT_ANSWER] else None
        item["feedback"] = (
            [line for line in grade(question, response.answer).feedback if line]
            if show[CHOICE_FEEDBACK]
            else []
        )
        item["general_feedback"] = question.general_feedback if show[GENERAL_FEEDBACK] else ""
        item["review_url"] = (
            url_for("course.lesson", slug=lesson.slug, _anchor=ANCHOR_PREFIX + version.anchor)
            if show[LESSON_LINK] and version.anchor and lesson
            else None
        )
    hidden = [not item["show"][CORRECT_ANSWER] for item in items]
    note = None
    if hidden and all(hidden):
        note = HIDDEN_NOTES.get(settings.review_correct_answer, DEFAULT_HIDDEN_NOTE)
    elif any(hidden):  # some shown, some not: a final exam's questions follow two rules
        note = DEFAULT_HIDDEN_NOTE
    passed = passes(attempt.percent, settings.pass_mark)
    return AttemptReview(attempt, items, settings, passed, note)


def lessons_of_versions(versions: list[QuestionVersion]) -> dict[int, Lesson]:
    """Map each version's question id to the lesson it belongs to now (one query)."""
    question_ids = {v.question_id for v in versions}
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Lesson)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(Question.id.in_(question_ids))
    )
    return {question_id: lesson for question_id, lesson in rows}


def learner_standing(user_id: int, lessons: list[Lesson]) -> LearnerStanding:
    """Read the learner's standing in these lessons (two queries: the course row, the grades)."""
    settings = settings_of_lessons(list({lesson.id: lesson for lesson in lessons}.values()))
    grades = {
        grade.lesson_id: grade
        for grade in db.session.scalars(
            select(LessonGrade).where(
                LessonGrade.user_id == user_id, LessonGrade.lesson_id.in_(settings)
            )
        )
    }
    standings = {}
    for lesson_id, lesson_settings in settings.items():
        stored = grades.get(lesson_id)
        standings[lesson_id] = Standing(
            lesson_settings,
            passed=bool(stored and stored.passed),
            attempts_used=stored.attempts_graded if stored else 0,
        )
    return LearnerStanding(standings)
