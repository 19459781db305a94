"""What a learner sees of an attempt: the quiz page's items, and the review after grading.

`review_attempt` is the one place a result page's review is assembled (what was
answered, the right answer, the feedback, the link back to the lesson), so that
a rule about what a learner may see of a key is written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from app.bank.grading import matching_rows
from app.bank.model import MatchPair, QuestionData
from app.bank.models import Question, QuestionVersion
from app.bank.types import answer_text, correct_answer_text, grade, question_type
from app.bank.types.base import field_name
from app.course.cache import structure
from app.course.models import Lesson
from app.course.settings import QuizSettings
from app.extensions import db
from app.quizzes.models import Attempt
from app.quizzes.scoring import passes
from app.rendering import ANCHOR_PREFIX, StoredTexts


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
                "html": StoredTexts(response.version.rendered),  # rendered when written
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
    lesson = structure().lesson_by_id(attempt.lesson_id)
    assert lesson is not None, "an attempt's lesson is part of the course"
    settings = lesson.quiz_settings()
    items = attempt_items(attempt)
    slugs = lesson_slugs_of_versions([item["version"] for item in items])
    for item in items:
        question, response, texts = item["question"], item["response"], item["html"]
        outcome = grade(question, response.answer)
        shown = _with_stored_html(question, texts)
        if item["kind"].answer_max_length is None:  # the answer names authored texts
            item["your_answer"] = Markup(answer_text(shown, response.answer))
        else:  # the learner typed it: plain text
            item["your_answer"] = escape(answer_text(question, response.answer))
        item["correct_answer"] = Markup(correct_answer_text(shown))
        item["feedback"] = [texts.block(line) for line in outcome.feedback if line]
        anchor, slug = item["version"].anchor, slugs.get(item["version"].question_id)
        item["review_url"] = (
            url_for("course.lesson", slug=slug, _anchor=ANCHOR_PREFIX + anchor)
            if anchor and slug
            else None
        )
    return AttemptReview(attempt, items, settings, passes(attempt.percent, settings.pass_mark))


def _with_stored_html(question: QuestionData, texts: StoredTexts) -> QuestionData:
    """Return the question with its choices and matching sides as their stored HTML.

    The types' own `answer_text` and `correct_answer_text` then name answers in HTML
    (their separators are plain, safe text), without rendering anything.
    """
    return replace(
        question,
        choices=[replace(c, text=str(texts.inline(c.text))) for c in question.choices],
        pairs=[MatchPair(str(texts.inline(p.left)), str(texts.inline(p.right)))
               for p in question.pairs],
    )  # fmt: skip


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
