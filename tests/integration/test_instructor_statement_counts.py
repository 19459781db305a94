"""The instructor's pages send as many statements for a large class as for a small one.

Issue 12 ("Speed and access"): the gradebook, its CSV, a learner's page, an attempt's
review and a lesson's statistics each run a fixed number of SQL statements. A small world
(2 lessons, 10 learners) and a large one (30 lessons, 1,000 learners, each with a graded
attempt, some with open ones) are stored in bulk by the demo seeding (`seed_demo`: real
draws, real graders, real counted grades), and each page's statements are counted in
both, leaving out transaction control.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import distinct, func, select

from app.auth.models import ROLE_LEARNER, User
from app.content.loading import load_course
from app.course.files import read_course
from app.demo.seeding import seed_demo
from app.extensions import db
from app.quizzes.models import STATE_OPEN, STATE_SUBMITTED, Attempt, LessonGrade, Response
from tests.support import empty_all_tables, log_in, make_user
from tests.support.courses import write_sized_course

pytestmark = pytest.mark.slow  # a class of 1,000 learners in 30 lessons, on each database

QUESTIONS = 3  # a lesson's questions


def _build_world(folder: Path, lessons: int, learners: int) -> None:
    """Load a course of `lessons` lessons and seed a class of `learners` in bulk."""
    load_course(read_course(write_sized_course(folder, lessons, QUESTIONS)))
    db.session.commit()
    report = seed_demo(learners, "a demo password nobody uses", seed=12)
    db.session.commit()
    assert report.created and report.learners == learners


def _learner_with_most_attempts() -> int:
    return db.session.execute(
        select(Attempt.user_id)
        .group_by(Attempt.user_id)
        .order_by(func.count(distinct(Attempt.lesson_id)).desc(), Attempt.user_id)
        .limit(1)
    ).scalar_one()


def _describe_world(lessons: int, learners: int) -> dict[str, int]:
    """Check the world is what the test says it is, and return its sizes."""
    learner_ids = select(User.id).where(User.role == ROLE_LEARNER)
    graded = select(func.count(distinct(LessonGrade.user_id))).where(
        LessonGrade.user_id.in_(learner_ids)
    )
    sizes = {
        "learners": db.session.scalar(select(func.count()).select_from(learner_ids.subquery())),
        "learners graded": db.session.scalar(graded),
        "lessons attempted": db.session.scalar(select(func.count(distinct(Attempt.lesson_id)))),
        "graded attempts": db.session.scalar(
            select(func.count()).where(Attempt.state == STATE_SUBMITTED)
        ),
        "open attempts": db.session.scalar(select(func.count()).where(Attempt.state == STATE_OPEN)),
        "responses": db.session.scalar(select(func.count()).select_from(Response)),
    }
    assert sizes["learners"] == sizes["learners graded"] == learners, sizes
    assert sizes["lessons attempted"] == lessons, sizes
    assert sizes["open attempts"] > 0, sizes
    return sizes


def _page_counts(app: Flask, count_queries) -> tuple[dict[str, int], dict[str, int]]:
    """An instructor opens each page; return the statements each sent (and the pages' sizes)."""
    make_user("teacher@example.com", role="instructor")
    client = app.test_client()
    log_in(client, "teacher@example.com")
    learner_id = _learner_with_most_attempts()
    attempt_id = db.session.scalar(
        select(func.max(Attempt.id)).where(
            Attempt.user_id == learner_id, Attempt.state == STATE_SUBMITTED
        )
    )
    learner_lessons = db.session.scalar(
        select(func.count(distinct(Attempt.lesson_id))).where(Attempt.user_id == learner_id)
    )
    db.session.rollback()
    statistics = "/instructor/lessons/lesson-1/statistics"
    pages = {
        "gradebook": "/instructor/gradebook",
        "gradebook.csv": "/instructor/gradebook.csv",
        "learner": f"/instructor/learners/{learner_id}",
        "attempt review": f"/instructor/attempts/{attempt_id}",
        "statistics (computed)": statistics,  # stale: computes and stores the figures
        "statistics (stored)": statistics,  # fresh: reads the stored row
        "statistics, all attempts (computed)": statistics + "?attempts=all",
    }
    counts, sizes = {}, {"learner's lessons": learner_lessons}
    for name, url in pages.items():
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = counter.count
        sizes[f"{name} bytes"] = len(response.get_data())
    return counts, sizes


def test_instructor_pages_send_as_many_statements_for_1000_learners_in_30_lessons_as_for_10_in_2(
    app, count_queries, tmp_path
):
    results = {}
    for name, lessons, learners in (("small", 2, 10), ("large", 30, 1000)):
        empty_all_tables()
        started = time.perf_counter()
        _build_world(tmp_path / name, lessons, learners)
        built = time.perf_counter() - started
        sizes = _describe_world(lessons, learners)
        counts, page_sizes = _page_counts(app, count_queries)
        results[name] = counts
        print(f"{name} world ({built:.1f} s to build): {sizes} {page_sizes}")
        print(f"  statements: {counts}")
    small, large = results["small"], results["large"]
    assert large["gradebook.csv"] and large["learner"]  # the counter saw the pages' reads
    assert small == large, f"statements grew with the class: small={small} large={large}"
