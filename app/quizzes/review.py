"""What a learner sees of an attempt: the quiz page's items, and the review after grading.

`review_attempt` is the one place a result page's review is assembled (what was
answered, the right answer, the feedback, the link back to the lesson); what a
learner may see of it is decided by `app.quizzes.visibility.key_visible`. Texts
come as the HTML stored when they were written: nothing is rendered here.
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
from app.course.cache import LessonEntry, structure
from app.course.settings import REVIEW_PARTS, QuizSettings
from app.extensions import db
from app.quizzes.models import Attempt, AttemptAllowance, LessonGrade
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
    hidden_note: str | None = None
    # For an instructor's review (`reveal_all`): each part, and whether the learner sees it
    # now on every question ("all"), on some ("some") or on none ("none").
    learner_sees: dict[str, str] | None = None


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


# How an instructor's review names each part when it says what the learner sees.
PART_NAMES = {
    ANSWERS: "their answers",
    "marks": "right or wrong marks",
    "points": "points",
    LESSON_LINK: "links to the lesson",
    CHOICE_FEEDBACK: "the feedback on their choices",
    GENERAL_FEEDBACK: "the general feedback",
    CORRECT_ANSWER: "the correct answers",
}


def review_attempt(attempt: Attempt, reveal_all: bool = False) -> AttemptReview:
    """Assemble the review of a graded attempt: each answer, the key, feedback, lesson link.

    What each item shows is decided by `key_visible` with the current settings;
    a part it hides is not even computed, so no template can leak it. With
    `reveal_all` (an instructor's review, never a learner's) every part is shown,
    and `learner_sees` says what `key_visible` lets the learner see of it now.
    """
    course = structure()
    own = course.lesson_by_id(attempt.lesson_id)
    assert own is not None, "an attempt's lesson is part of the course"
    items = attempt_items(attempt)
    lesson_ids = lesson_ids_of_versions([item["version"] for item in items])
    lessons = {
        question_id: entry
        for question_id, lesson_id in lesson_ids.items()
        if (entry := course.lesson_by_id(lesson_id)) is not None
    }
    learner = learner_standing(attempt.user_id, [own, *lessons.values()])
    settings = own.quiz_settings()
    exam_id = attempt.lesson_id if settings.final_exam else None
    for item in items:
        version = item["version"]
        lesson = lessons.get(version.question_id)
        reviewed = ReviewedQuestion(lesson.id if lesson else attempt.lesson_id, exam_id)
        visible = {part: key_visible(learner, reviewed, part) for part in REVIEW_PARTS}
        item["learner_show"] = visible
        fill_review(item, dict.fromkeys(REVIEW_PARTS, True) if reveal_all else visible, lesson)
    hidden = [not item["learner_show"][CORRECT_ANSWER] for item in items]
    note = None
    if hidden and all(hidden):
        note = HIDDEN_NOTES.get(settings.review_correct_answer, DEFAULT_HIDDEN_NOTE)
    elif any(hidden):  # some shown, some not: a final exam's questions follow two rules
        note = DEFAULT_HIDDEN_NOTE
    passed = passes(attempt.percent, settings.pass_mark)
    sees = _learner_sees(items) if reveal_all else None
    return AttemptReview(attempt, items, settings, passed, note, sees)


def parts_by_visibility(sees: dict[str, str]) -> dict[str, list[str]]:
    """Group the parts' names by what the learner sees of them: "all", "some", "none"."""
    grouped: dict[str, list[str]] = {"all": [], "some": [], "none": []}
    for part in REVIEW_PARTS:
        grouped[sees[part]].append(PART_NAMES[part])
    return grouped


def _learner_sees(items: list[dict[str, Any]]) -> dict[str, str]:
    """Say for each part whether the learner sees it on all, some or none of the questions."""
    sees = {}
    for part in REVIEW_PARTS:
        shown = [item["learner_show"][part] for item in items]
        sees[part] = "all" if shown and all(shown) else ("some" if any(shown) else "none")
    return sees


def fill_review(item: dict[str, Any], show: dict[str, bool], lesson: LessonEntry | None) -> None:
    """Fill one reviewed item with the parts `show` allows; a hidden part is never computed.

    `item` is an `attempt_items` entry (or practice's one question): its `response`
    holds the answer. `show` maps each of REVIEW_PARTS to what `key_visible` said.
    """
    question, response, version = item["question"], item["response"], item["version"]
    texts: StoredTexts = item["html"]
    item["show"] = show
    shown = _with_stored_html(question, texts)
    item["your_answer"] = None
    if show[ANSWERS]:
        if item["kind"].answer_max_length is None:  # the answer names authored texts
            item["your_answer"] = Markup(answer_text(shown, response.answer))
        else:  # the learner typed it: plain text
            item["your_answer"] = escape(answer_text(question, response.answer))
    item["correct_answer"] = Markup(correct_answer_text(shown)) if show[CORRECT_ANSWER] else None
    item["feedback"] = (
        [texts.block(line) for line in grade(question, response.answer).feedback if line]
        if show[CHOICE_FEEDBACK]
        else []
    )
    item["general_feedback"] = (
        texts.block(question.general_feedback)
        if show[GENERAL_FEEDBACK] and question.general_feedback
        else ""
    )
    item["review_url"] = (
        url_for("course.lesson", slug=lesson.slug, _anchor=ANCHOR_PREFIX + version.anchor)
        if show[LESSON_LINK] and version.anchor and lesson
        else None
    )


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


def lesson_ids_of_versions(versions: list[QuestionVersion]) -> dict[int, int]:
    """Map each version's question id to the id of the lesson it belongs to now (one query)."""
    question_ids = {v.question_id for v in versions}
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Question.lesson_id).where(Question.id.in_(question_ids))
    )
    return {question_id: lesson_id for question_id, lesson_id in rows}


def learner_standing(user_id: int, lessons: list[LessonEntry]) -> LearnerStanding:
    """Read the learner's standing in these lessons: grades, then extra attempts (2 queries).

    Settings come from the course cache, so they are the current ones.
    """
    settings = {lesson.id: lesson.quiz_settings() for lesson in lessons}
    grades = {
        grade.lesson_id: grade
        for grade in db.session.scalars(
            select(LessonGrade).where(
                LessonGrade.user_id == user_id, LessonGrade.lesson_id.in_(settings)
            )
        )
    }
    extra = dict(
        db.session.execute(
            select(AttemptAllowance.lesson_id, AttemptAllowance.extra).where(
                AttemptAllowance.user_id == user_id, AttemptAllowance.lesson_id.in_(settings)
            )
        ).all()
    )
    standings = {}
    for lesson_id, lesson_settings in settings.items():
        stored = grades.get(lesson_id)
        standings[lesson_id] = Standing(
            lesson_settings,
            passed=bool(stored and stored.passed),
            attempts_used=stored.attempts_graded if stored else 0,
            extra_attempts=extra.get(lesson_id, 0),
        )
    return LearnerStanding(standings)
