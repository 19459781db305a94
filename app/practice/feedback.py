"""What a learner sees of a question after answering it in practice.

Right or wrong is always said (practice is for finding out). Every other part — the
learner's answer, the key, the choice and general feedback, the lesson link — is
decided by `app.quizzes.visibility.key_visible`, exactly as a quiz review decides it:
practice must never show a key the quiz's review options still hide. A question a final
exam drew for this learner also waits for the final exam's rule, as in that exam's
review; one only its lesson's quiz showed follows its lesson's rule, as that review does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.bank.grading import matching_rows
from app.bank.models import QuestionVersion
from app.bank.types import question_type
from app.bank.types.base import field_name
from app.course.cache import CourseStructure, LessonEntry
from app.course.settings import REVIEW_PARTS
from app.quizzes.review import fill_review, learner_standing
from app.quizzes.visibility import ReviewedQuestion, key_visible
from app.rendering import StoredTexts

POSITION = 1  # practice shows one question: its form field is `q1`


@dataclass(frozen=True)
class Slot:
    """What the question templates read of a response: position, answer, choice order."""

    position: int
    answer: Any
    choice_order: list[int]


def practice_item(version: QuestionVersion, order: list[int], answer: Any = None) -> dict[str, Any]:
    """Return the one question as the quiz templates' `take` macros expect it."""
    question = version.to_data()
    return {
        "response": Slot(POSITION, answer, order),
        "question": question,
        "version": version,
        "kind": question_type(question.type),
        "name": field_name(POSITION),
        "rows": [question.pairs[i] for i in matching_rows(question)],
        "html": StoredTexts(version.rendered),  # rendered when written
    }


def final_exams(course: CourseStructure) -> list[LessonEntry]:
    """Return the lessons whose quiz is a final exam (they may draw any question)."""
    return [entry for entry in course.lessons if entry.settings and entry.settings.final_exam]


def reviewed_item(
    user_id: int,
    item: dict[str, Any],
    lesson: LessonEntry | None,
    exams: list[LessonEntry],
) -> dict[str, Any]:
    """Fill the item with what `key_visible` lets the learner see now (two statements).

    `exams` are the final exams that drew this question for this learner: their
    rules apply too, as they do in the final exam's own review.
    """
    standing = learner_standing(user_id, [e for e in (lesson, *exams) if e is not None])
    exam_ids: list[int | None] = [exam.id for exam in exams] or [None]
    lesson_id = lesson.id if lesson else 0  # a lesson gone from the course shows nothing
    show = {
        part: all(
            key_visible(standing, ReviewedQuestion(lesson_id, exam_id), part)
            for exam_id in exam_ids
        )
        for part in REVIEW_PARTS
    }
    fill_review(item, show, lesson)
    return item
