"""What a learner sees of an attempt: the quiz page's items, and the review after grading.

`review_attempt` is the one place a result page's review is assembled (what was
answered, the right answer, the feedback, the link back to the lesson), so that
a rule about what a learner may see of a key is written once, here.
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
from app.course.services import settings_for
from app.course.settings import QuizSettings
from app.extensions import db
from app.quizzes.models import Attempt
from app.quizzes.scoring import passes
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


def review_attempt(attempt: Attempt) -> AttemptReview:
    """Assemble the review of a graded attempt: each answer, the key, feedback, lesson link."""
    settings = settings_for(attempt.lesson)
    items = attempt_items(attempt)
    slugs = lesson_slugs_of_versions([item["version"] for item in items])
    for item in items:
        question, response = item["question"], item["response"]
        outcome = grade(question, response.answer)
        item["your_answer"] = answer_text(question, response.answer)
        item["correct_answer"] = correct_answer_text(question)
        item["feedback"] = [line for line in outcome.feedback if line]
        anchor, slug = item["version"].anchor, slugs.get(item["version"].question_id)
        item["review_url"] = (
            url_for("course.lesson", slug=slug, _anchor=ANCHOR_PREFIX + anchor)
            if anchor and slug
            else None
        )
    return AttemptReview(attempt, items, settings, passes(attempt.percent, settings.pass_mark))


def lesson_slugs_of_versions(versions: list[QuestionVersion]) -> dict[int, str]:
    """Map each version's question id to its lesson's slug (one query)."""
    question_ids = {v.question_id for v in versions}
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Lesson.slug)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(Question.id.in_(question_ids))
    )
    return {question_id: slug for question_id, slug in rows}
