"""The real course in questions/ loads, reloads without change, and its final exam draws well."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app.bank.models import Question
from app.config import PROJECT_ROOT
from app.content.loading import load_course
from app.course.files import read_course
from app.course.models import Lesson
from app.course.services import settings_for
from app.quizzes.attempts import start_attempt


def test_the_whole_course_loads_into_an_empty_database_and_a_second_load_changes_nothing(db):
    source = read_course(PROJECT_ROOT / "questions")
    first = load_course(source)
    db.session.commit()
    assert len(first.added) > 130 and not first.conflicts
    second = load_course(read_course(PROJECT_ROOT / "questions"))
    db.session.commit()
    assert not second.changed and not second.conflicts
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 17


def test_the_final_exam_draws_twenty_with_one_from_every_other_lesson(db, learner):
    load_course(read_course(PROJECT_ROOT / "questions"))
    db.session.commit()
    final = db.session.scalar(select(Lesson).where(Lesson.slug == "course-review"))
    settings = settings_for(final)
    assert settings.final_exam and settings.draw == 20
    others = set(db.session.scalars(select(Lesson.id).where(Lesson.id != final.id)))
    draws = []
    for seed in range(5):
        attempt = start_attempt(learner.id, final, settings, random.Random(seed))
        uids = [r.version.question.uid for r in attempt.responses]
        lessons = {
            db.session.scalar(select(Question.lesson_id).where(Question.uid == uid)) for uid in uids
        }
        assert len(uids) == 20 and len(set(uids)) == 20
        assert lessons == others
        draws.append(frozenset(uids))
        attempt.state = "submitted"
    db.session.commit()
    assert len(set(draws)) == 5  # different for each attempt
